// b3-start-ts-base-meta — docs/catalogue.md B3 (PR #485, `ea8aec47`): EXEC's startTS was HLC.Next() after
// observing the newest commit of the base keys {k, listMeta(k), zset(k), ttl(k)} only — keys a
// standalone RPUSH never writes — and EXEC, reading the base meta only (B1), wrote a base meta and
// deleted every delta visible at startTS, folded or not (design doc §7 "Critical": data loss).
// Three acknowledged standalone pushes leave three deltas and no base meta; an
// EXEC[RPUSH k 4, LRANGE k] then sees Len 0, writes item(0) = 4 over 1, a base meta of Len 1 and
// deletes the three deltas: 1 is overwritten, 2 and 3 are orphaned, LLEN drops from 3 to 1.
// (With observe-on-apply, as here, the leader's clock already covers every applied delta, so the
// loss comes from the concrete mechanism the spec names: Len from the base meta, every visible
// delta deleted.)
// Expected from the history alone: lost-append, and the realtime cycles the PR's Jepsen runs
// reported (G0-realtime, G-single-item-realtime): the EXEC reads [4] after 1, 2 and 3 were
// acknowledged.
import { generate, lrange, rpush, scenario, script, sleep, txn } from "../src/workload/scenario.ts";

export default scenario({
  description:
    "three standalone RPUSHes, then MULTI[RPUSH, LRANGE] on the same list: does EXEC erase unfolded deltas?",
  bug: {
    id: "B3",
    expect: ["lost-append", "G0-realtime", "G-single-item-realtime"],
  },
  cluster: { nodes: 3 },
  clients: [
    // The catalogue schedule.
    script(
      "p0",
      [
        rpush("k", 1),
        rpush("k", 2),
        rpush("k", 3),
        sleep("5ms"),
        txn(rpush("k", 4), lrange("k")),
        lrange("k"),
      ],
      {
        startAt: "300ms",
      },
    ),
    // Standalone pushes mixed with EXECs that read and push, on two keys.
    generate(
      "p1..p3",
      { mix: { rpush: 4, txn: 3, lrange: 2 }, keys: ["k", "j"], txnLength: [2, 3] },
      { startAt: "300ms" },
    ),
  ],
  runFor: "1s",
  expect: "strict-serializable",
});
