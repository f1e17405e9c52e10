// f4-stale-apply-same-shape — finding F4 (HEAD; also `fixed` until `staleApplyTxnId`;
// docs/findings.md). F3's mechanism — a deposed leader's retry draws, from its own HLC, the very commitTS
// the new leader just used, and reads the same lagging snapshot — applied to LPOP. Two LPOPs of
// one list from one snapshot write byte-identical mutations: claim(seq) = "", Del item(seq), fence
// = "" and delta(k, commitTS, 0) = (+1, −1), whose key embeds the shared commitTS. When the second
// copy reaches the FSM, every key already has a version at exactly commitTS with exactly these
// values, so the stale-apply fast path (`store/lsm_store.go` `staleRaftApplyFastPathLocked`) takes
// it for a re-send of the first and answers success; comparing values (F3's fix) cannot tell them
// apart either. Both clients get the same element: it is popped twice. `fixed` records the txn id
// carried in the entry with each commit and takes the fast path only for the same txn; the other
// pop goes on to the OCC check, conflicts on the claim, and retries.
// Expected from the history: duplicate-pop.
// The stores serve reads unfenced and from the local store on every node (`readCallFence: false`,
// `readProxyToLeader: false`): with the shipped servers' read path — every store call fenced, a
// node that no longer leads reading from the leader (docs/model.md, S3 and S5) — the deposed
// node's pop sees the new leader's store and no collision was found in seeds 1–60
// (docs/catalogue.md). The fast-path flaw itself does not depend on the read path.
//
// Producers push and consumers pop one list from every node, with frequent leader transfers under
// the demo cluster's Raft timing.
import { DEMO_TIMING_KNOBS, generate, random, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description: "LPOPs of one list from every node under leader churn: can one element be popped twice?",
  bug: { id: "F4", expect: ["duplicate-pop"] },
  cluster: {
    nodes: 3,
    knobs: {
      ...DEMO_TIMING_KNOBS,
      readCallFence: false,
      readProxyToLeader: false,
    },
  },
  clients: [
    // One spec per client, so that a shrink can drop clients and cut each one's ops separately.
    ...["p0", "p1"].map((p) => generate(p, { mix: { rpush: 1 }, keys: ["q"], thinkUs: [0, 1_000] })),
    ...["c0", "c1", "c2", "c3"].map((c) =>
      generate(c, { mix: { lpop: 1 }, keys: ["q"], thinkUs: [0, 1_000] }),
    ),
  ],
  faults: [random({ "transfer-leader": 16 })],
  runFor: "2s",
  swarm: false,
  expect: "strict-serializable",
});
