// b15-hlc-no-observe — docs/catalogue.md B15(a): commit timestamps must stay unique across a leader change.
// Before the Raft-agreed HLC ceiling (`0bb5311e`), observe-on-apply (`dafd2152`) and NextFenced
// (`d23fe64c`), a new leader with a lagging wall clock could re-issue a commitTS already embedded
// in an old-term entry: the same (userKey, commitTS, seq) is the same delta key and, for a push
// computed from the same snapshot, the same item key. If that second write lands anyway, one
// acknowledged push is lost (lost-append; G-single-item around the list it corrupts).
// The schedule: pushes and reads on two lists under constant leader churn (cut-off and crashed
// leaders, transfers) with the demo's 100 ms elections, and clock skew within the lease's drift
// bound, so that new leaders keep taking over while old-term pushes are still unapplied on them.
// In this model the variant does not reach the bug: every allocation first observes the snapshot
// it read (`NextTimestampAfterThrough(LastCommitTS)`), so a node only re-issues the timestamp of
// an entry it has not applied yet, and the fixed design refuses such a duplicate at apply
// (`applyInCommitOrder`; the stale-apply fast path compares values). The collisions themselves
// are more frequent with the ceiling on than off (leaders issue consecutive logical counters at
// the shared ceiling), so the HLC knobs are not what keeps `fixed` clean here.
import { DEMO_TIMING_KNOBS, generate, random, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description:
    "RPUSH, LRANGE and MULTI/EXEC on two lists under leader churn and bounded clock skew (demo timing)",
  bug: { id: "B15", expect: ["lost-append", "G-single-item"] },
  cluster: { nodes: 3, knobs: { ...DEMO_TIMING_KNOBS } },
  clients: [generate("p0..p5", { mix: { rpush: 4, lrange: 2, txn: 2 }, keys: [1, 2], thinkUs: [0, 1000] })],
  faults: [random({ "isolate-leader": 4, "transfer-leader": 4, "clock-skew": 4, "crash-leader": 1 })],
  runFor: "3s",
  expect: "strict-serializable",
});
