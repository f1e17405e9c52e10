// hunt-hash-churn — a hunting workload, not a catalogue entry: HSET/HDEL/DEL on hashes (field keys,
// LenDelta deltas, the wide hash fence, the compactor's hash fold to Len 0) with HGET/HGETALL/HLEN
// readers, under the demo cluster's Raft timing (100 ms elections, lease off) and every fault
// kind. elastickv's Jepsen test has no hash workload at all.
import { DEMO_HUNT_KNOBS, everyFaultWithChurn, generate, scenario } from "../src/workload/scenario.ts";

const fields = ["a", "b", "c"];

export default scenario({
  description: "HSET/HDEL/DEL on two small hashes under demo Raft timing and every fault kind (hunting)",
  cluster: {
    nodes: 3,
    knobs: { ...DEMO_HUNT_KNOBS },
  },
  clients: [
    generate("p0..p2", {
      mix: { hset: 4, hdel: 2, del: 1 },
      keys: ["h1", "h2"],
      fields,
      thinkUs: [0, 3_000],
    }),
    generate("p3..p4", {
      mix: { hget: 1, hgetall: 2, hlen: 2, exists: 1 },
      keys: ["h1", "h2"],
      fields,
      thinkUs: [0, 3_000],
    }),
  ],
  faults: [everyFaultWithChurn()],
  runFor: "3s",
  expect: "strict-serializable",
});
