// steady-leader-two-lists — one leader for the whole run, no faults: writers on every node push to
// two lists while readers read them. Nothing in the run moves leadership (the production Raft
// timing, no fault), so every anomaly here comes from how commands interleave inside the nodes:
// commitTS drawn before VerifyLeader, the waiters of one ReadIndex/VerifyLeader round released in
// any order and racing to propose, store reads that are separate calls (docs/model.md, S2 and S3).
// Under `head` two pushes to one list can reach the log out of commitTS order (finding F2): the
// later one read at a LastCommitTS that did not yet include the earlier, staged its element at the
// same position, and overwrote it without an OCC conflict. Expected from the history: lost-append.
// The regression test also checks that the failing run had no leader change.
import { generate, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description: "RPUSHes to two lists from every node with readers, one steady leader, no faults",
  bug: { id: "F2", expect: ["lost-append"] },
  cluster: { nodes: 3 },
  clients: [
    // One spec per client, so that a shrink can drop clients and cut each one's ops separately.
    ...["p0", "p1", "p2", "p3", "p4", "p5"].map((p) =>
      generate(p, { mix: { rpush: 1 }, keys: ["a", "b"], thinkUs: [0, 1_000] }),
    ),
    ...["p6", "p7", "p8"].map((p) =>
      generate(p, { mix: { lrange: 1 }, keys: ["a", "b"], thinkUs: [0, 2_000] }),
    ),
  ],
  runFor: "2s",
  swarm: false,
  expect: "strict-serializable",
});
