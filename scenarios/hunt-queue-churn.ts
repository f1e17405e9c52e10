// hunt-queue-churn — a hunting workload, not a catalogue entry: the queue paths (RPUSH/LPUSH,
// LPOP/RPOP, claims, the compactor's Len-0 fold) under the demo cluster's Raft timing (heartbeat 1
// tick, election 10 ticks: 100 ms, lease off) with every fault kind on, so that leadership changes
// dozens of times in a few simulated seconds, as on elastickv's CI cluster. elastickv's own Jepsen
// test runs none of these commands. Short lists drain to Len 0 often, and a low compaction
// threshold folds them often, so pushes race folds of empty lists.
import { DEMO_HUNT_KNOBS, everyFaultWithChurn, generate, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description: "queue traffic on two short lists under demo Raft timing and every fault kind (hunting)",
  cluster: {
    nodes: 3,
    knobs: { ...DEMO_HUNT_KNOBS },
  },
  clients: [
    generate("p0..p1", { mix: { rpush: 4, lpush: 2 }, keys: ["q1", "q2"], thinkUs: [0, 3_000] }),
    generate("p2..p3", { mix: { lpop: 3, rpop: 2 }, keys: ["q1", "q2"], thinkUs: [0, 3_000] }),
    generate("p4", { mix: { lrange: 2, llen: 2, exists: 1 }, keys: ["q1", "q2"], thinkUs: [0, 3_000] }),
  ],
  faults: [everyFaultWithChurn()],
  runFor: "3s",
  expect: "strict-serializable",
});
