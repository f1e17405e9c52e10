// b1-multi-base-meta — docs/catalogue.md B1 (PR #485): standalone RPUSH records its append as a delta key,
// but MULTI/EXEC read the list's length from the base meta only and wrote a base meta back,
// deleting the deltas it saw. An EXEC that runs after a few standalone pushes therefore reads a
// list shorter than the acknowledged one (its LRANGE misses them: a stale read), writes its own
// element over the item a standalone push wrote, and erases the deltas that counted the others.
// Neither write conflicts: the standalone commits are older than the EXEC's snapshot and EXEC
// read-tracks only the base meta and TTL keys, which standalone pushes never write.
// Expected from the history alone: lost-append (1 is never read again), incompatible-order
// between reads [1 …] and [2 …], and G-single-item-realtime (EXEC read [] after RPUSH 1 was
// acknowledged). Also the scenario of the `pr485` variant, where B2 and B3 join in.
import { generate, lrange, rpush, scenario, script, sleep, txn } from "../src/workload/scenario.ts";

export default scenario({
  description: "standalone RPUSH then MULTI[LRANGE, RPUSH] on the same lists: EXEC's view of the list meta",
  bug: {
    id: "B1",
    expect: ["lost-append", "incompatible-order", "G-single-item-realtime"],
  },
  cluster: { nodes: 3 },
  clients: [
    // The catalogue schedule, spelled out: a push acknowledged, then an EXEC that reads and pushes.
    script("p0", [rpush("k", 1), sleep("5ms"), txn(lrange("k"), rpush("k", 2)), lrange("k")], {
      startAt: "300ms",
    }),
    // Standalone pushes and small EXECs over two keys, so the mix also reaches it by chance.
    generate(
      "p1..p3",
      { mix: { rpush: 3, txn: 3, lrange: 2 }, keys: ["k", "j"], txnLength: [2, 3] },
      { startAt: "300ms" },
    ),
  ],
  runFor: "1s",
  expect: "strict-serializable",
});
