// hash — HSET/HDEL with unique values per write, readers HGET/HGETALL/HLEN: the hash delta path
// (field keys + LenDelta deltas + the wide hash fence) under faults.
import { generate, random, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description: "HSET/HDEL writers and HGET/HGETALL/HLEN readers on two hashes, with faults",
  cluster: { nodes: 3, knobs: { compactionThreshold: 8, compactorIntervalUs: 200_000 } },
  clients: [
    generate("p0..p2", { mix: { hset: 4, hdel: 1 }, keys: ["h1", "h2"], fields: ["a", "b", "c", "d"] }),
    generate("p3..p4", {
      mix: { hget: 1, hgetall: 2, hlen: 2 },
      keys: ["h1", "h2"],
      fields: ["a", "b", "c", "d"],
    }),
  ],
  faults: [random({ "isolate-leader": 0.2, "transfer-leader": 0.3, crash: 0.1, "compactor-burst": 0.5 })],
  runFor: "4s",
  expect: "strict-serializable",
});
