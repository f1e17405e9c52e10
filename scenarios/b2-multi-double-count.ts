// b2-multi-double-count — docs/catalogue.md B2 (PR #485 before `f4b08c1c`): EXEC resolves the list's length
// correctly (base meta + deltas) but then writes a base meta whose Len already includes those
// deltas, and leaves the delta keys in place, so every later resolve counts them a second time.
// After `RPUSH k 1; EXEC[RPUSH k 2]` the list reads [1 2] while LLEN says 3; the next push then
// lands past a hole. Expected from the history alone: len-mismatch (LLEN and LRANGE of one
// snapshot disagree, read here inside one MULTI/EXEC) and, as pushes keep landing past phantom
// slots and EXECs keep rewriting the base meta, incompatible-order.
import { generate, llen, lrange, rpush, scenario, script, sleep, txn } from "../src/workload/scenario.ts";

/** LLEN and LRANGE of one key in one MULTI/EXEC, i.e. at one snapshot. */
const snapshot = (k: string) => txn(llen(k), lrange(k));

export default scenario({
  description:
    "standalone RPUSH, then MULTI[RPUSH] and MULTI[LLEN, LRANGE] on one list: is a delta counted twice?",
  bug: { id: "B2", expect: ["len-mismatch", "incompatible-order"] },
  cluster: { nodes: 3 },
  clients: [
    // The catalogue schedule: a delta, an EXEC that folds it into a base meta but keeps it, a read.
    script("p0", [rpush("k", 1), txn(lrange("k"), rpush("k", 2)), sleep("5ms"), snapshot("k")], {
      startAt: "300ms",
    }),
    // Standalone pushes and EXECs over two keys, with one-snapshot LLEN + LRANGE reads.
    generate("p1..p2", { mix: { rpush: 3, txn: 3, lrange: 1 }, keys: ["k", "j"], txnLength: [2, 3] }),
    // A watcher reading LLEN and LRANGE in one snapshot every 20 ms.
    script("p3", Array.from({ length: 40 }, (_, i) => [sleep("20ms"), snapshot(i % 2 ? "k" : "j")]).flat(), {
      startAt: "300ms",
    }),
  ],
  runFor: "1s",
  expect: "strict-serializable",
});
