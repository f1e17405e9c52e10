// hunt-b13-fold-push — B13 under `head`, reduced to its core (docs/catalogue.md B13): RPUSH then LPOP leave a
// list at Len 0 with two deltas, which reaches the (lowered) compaction threshold; the compactor
// folds it to Len 0 and Deletes the base meta while an RPUSH of the same list is in flight; then
// LLEN and LRANGE. Each round has its own key and clients and shifts the push by 1 ms against the
// pop, so that across rounds and seeds the push overlaps the fold; a shrink keeps one round.
import { llen, lpop, lrange, rpush, scenario, script, sleep } from "../src/workload/scenario.ts";

const ROUNDS = 16;

export default scenario({
  description:
    "an RPUSH races the compactor's fold of a drained list to Len 0, then LLEN/LRANGE (B13 under head)",
  cluster: {
    nodes: 3,
    knobs: { compactionThreshold: 2, compactorIntervalUs: 10_000, compactorPollUs: 1_000 },
  },
  clients: Array.from({ length: ROUNDS }, (_, i) => {
    const k = `k${i}`;
    const t = i * 60;
    return [
      script(`c${i}`, [rpush(k, 1), lpop(k)], { startAt: `${t}ms` }),
      script(`p${i}`, [rpush(k, 2)], { startAt: `${t + 8 + (i % 10)}ms` }),
      script(`r${i}`, [llen(k), sleep("1ms"), lrange(k)], { startAt: `${t + 40}ms` }),
    ];
  }).flat(),
  runFor: "1.2s",
  expect: "strict-serializable",
});
