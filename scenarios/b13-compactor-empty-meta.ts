// b13-compactor-empty-meta — B13 (docs/catalogue.md, re-checked against HEAD): when a fold brings a list to
// Len 0 the compactor Deletes the base meta (fb1eba2f) instead of keeping Len 0 (design D3). Deltas
// are relative to Head, so a push that read the list before the fold — Head = H, Len 0 — and commits
// after the fold's readTS writes item(H) and a delta (0,+1) that the fold never saw. The compactor
// writes no fence and has no read keys, and a push onto an empty list read-tracks only the fence,
// so nothing conflicts in either commit order: afterwards there is no base meta and one delta, so
// the list resolves to Head 0, Len 1 — LLEN 1, LRANGE reads the tombstoned item(0) and returns [],
// the next LPOP claims 0 and returns nil, and the pushed element is gone. Expected from the
// history: lost-element and len-mismatch.
//
// Reaching it needs ≥ compactionThreshold deltas on a list whose Len is 0 and a push racing the
// fold: the threshold is lowered to 2 and the compactor runs every 10 ms (plus bursts), while each
// list has a producer and a faster consumer, so it is empty most of the time.
import { generate, llen, lrange, random, scenario, script, sleep, txn } from "../src/workload/scenario.ts";

/** LLEN and LRANGE of one key in one MULTI/EXEC, every few milliseconds. */
const snapshots = (key: string, n: number) =>
  Array.from({ length: n }, () => [txn(llen(key), lrange(key)), sleep("10ms")]).flat();

export default scenario({
  description: "pushes onto an emptied list race the compactor's Len-0 fold",
  bug: { id: "B13", expect: ["lost-element", "len-mismatch"] },
  cluster: {
    nodes: 3,
    knobs: { compactionThreshold: 2, compactorIntervalUs: 10_000, compactorPollUs: 2_000 },
  },
  clients: [
    generate("p0..p1", { mix: { rpush: 3, lpush: 1 }, keys: ["q1", "q2"], thinkUs: [0, 6_000] }),
    generate("p2..p4", { mix: { lpop: 3, rpop: 1 }, keys: ["q1", "q2"], thinkUs: [0, 3_000] }),
    script("r1", snapshots("q1", 50)),
    script("r2", snapshots("q2", 50)),
  ],
  faults: [random({ "compactor-burst": 20 })],
  runFor: "600ms",
  expect: "strict-serializable",
});
