// hunt-del-churn — a hunting workload, not a catalogue entry: standalone DEL racing pushes and pops
// on short lists (B12's ground), with compactor folds of drained lists (B13's ground), under the
// demo cluster's Raft timing and every fault kind. elastickv's Jepsen test uses DEL only in setup.
import { DEMO_HUNT_KNOBS, everyFaultWithChurn, generate, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description:
    "DEL racing RPUSH/LPUSH/LPOP/RPOP on two short lists under churn and every fault kind (hunting)",
  cluster: {
    nodes: 3,
    knobs: { ...DEMO_HUNT_KNOBS },
  },
  clients: [
    generate("p0..p1", {
      mix: { rpush: 3, lpush: 1, lpop: 2, rpop: 1 },
      keys: ["k1", "k2"],
      thinkUs: [0, 3_000],
    }),
    generate("p2", { mix: { del: 2, rpush: 1, exists: 1 }, keys: ["k1", "k2"], thinkUs: [0, 3_000] }),
    generate("p3", { mix: { lrange: 2, llen: 2, exists: 1 }, keys: ["k1", "k2"], thinkUs: [0, 3_000] }),
  ],
  faults: [everyFaultWithChurn()],
  runFor: "3s",
  expect: "strict-serializable",
});
