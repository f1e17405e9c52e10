// f2-out-of-order-apply — finding F2 (HEAD; docs/findings.md). The adapter pre-allocates a
// command's commitTS (it is embedded in the delta key) before the coordinator's quorum
// VerifyLeader round and the Raft proposal (`adapter/redis_lists.go`, `kv/leader_proxy.go`), so
// two commands can reach the log, and apply, out of commitTS order. `store.LastCommitTS()` is then
// no watermark: after B (commitTS 11, another list) applies, a reader at LastCommitTS = 11 cannot
// see A (commitTS 10, still in flight). An RPUSH C that reads list k at 11 misses A's element and
// stages its own element at the same position; A then applies at 10, and C applies at 12 with
// StartTS 11: every key A wrote (item, fence, delta) has its newest version at 10 ≤ 11, so OCC
// sees no conflict and C's item overwrites A's. Both deltas count: LLEN is one more than LRANGE's
// length, and A's acknowledged element is gone. `fixed` refuses (as a write conflict) an entry
// whose commitTS is not above LastCommitTS, and the adapter retries it with a fresh commitTS.
// Expected from the history: lost-append.
//
// This is the scenario F2 was first found in, under leader churn, before the model had scheduling
// points; the committed repro `finding-out-of-order-apply-churn.json` replays it. With scheduling
// points the reordering also happens on one steady leader (the waiters of one VerifyLeader round
// race to propose), and the variant's regression test now uses `steady-leader-two-lists`, with no
// leader change and no fault (docs/findings.md, F2). Pushes to two lists from clients on every
// node, with frequent leader transfers under the demo cluster's Raft timing.
import { DEMO_TIMING_KNOBS, generate, random, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description:
    "concurrent RPUSHes to two lists with readers, under leader churn: do applies follow commitTS order?",
  bug: { id: "F2", expect: ["lost-append"] },
  cluster: { nodes: 3, knobs: { ...DEMO_TIMING_KNOBS } },
  clients: [
    // One spec per client, so that a shrink can drop clients and cut each one's ops separately.
    ...["p0", "p1", "p2", "p3"].map((p) =>
      generate(p, { mix: { rpush: 1 }, keys: ["a", "b"], thinkUs: [0, 1_000] }),
    ),
    ...["p4", "p5"].map((p) => generate(p, { mix: { lrange: 1 }, keys: ["a", "b"], thinkUs: [0, 2_000] })),
  ],
  faults: [random({ "transfer-leader": 8 })],
  runFor: "2s",
  swarm: false,
  expect: "strict-serializable",
});
