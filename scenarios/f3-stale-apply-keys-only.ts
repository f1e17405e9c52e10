// f3-stale-apply-keys-only — finding F3 (HEAD; docs/findings.md). The Redis handler checks
// leadership once, at entry; its `retryRedisWrite` loop then keeps re-running the command on the
// same node. When that node has just been deposed, each retry re-reads its own (lagging) store,
// pre-allocates a commitTS from its own HLC, and the coordinator forwards the dispatch with that
// commitTS to the new leader (`kv/leader_proxy.go`). Every node's HLC runs at the Raft-agreed
// ceiling and observes every applied commitTS (`kv/fsm_observer.go`), so the deposed node can draw
// exactly the commitTS the new leader just used for a push to the same list, from the same
// snapshot: the same seq, so identical item, fence and delta keys (the delta key embeds commitTS
// and seqInTxn 0). At apply, Pebble's stale-apply fast path (`store/lsm_store.go`
// `staleRaftApplyFastPathLocked`) sees a version at exactly commitTS on every key and answers
// success without writing — it tests keys only, not values — and the dedup probe on a reuse
// (PrevCommitTS, primary key only) can be fooled the same way. The client gets OK for a push that
// never happened. `fixed` also compares values, so a different write set at the same commitTS goes
// on to the OCC check and conflicts. Expected from the history: lost-append.
//
// Pushes to one list from clients on every node, readers, and frequent leader transfers under
// the demo cluster's Raft timing.
import { DEMO_TIMING_KNOBS, generate, random, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description:
    "concurrent RPUSHes to one list from every node under leader churn: can a deposed leader's retry be swallowed?",
  bug: { id: "F3", expect: ["lost-append"] },
  cluster: { nodes: 3, knobs: { ...DEMO_TIMING_KNOBS } },
  clients: [
    // One spec per client, so that a shrink can drop clients and cut each one's ops separately.
    ...["p0", "p1", "p2", "p3"].map((p) =>
      generate(p, { mix: { rpush: 1 }, keys: ["k"], thinkUs: [0, 1_000] }),
    ),
    generate("p4", { mix: { lrange: 1 }, keys: ["k"], thinkUs: [0, 2_000] }),
  ],
  faults: [random({ "transfer-leader": 8 })],
  runFor: "2s",
  swarm: false,
  expect: "strict-serializable",
});
