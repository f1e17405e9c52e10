// mixed — the standard scenario: list transactions, queue traffic, DEL and hashes at once, with
// every fault kind on (swarm testing turns families off per seed).
import { generate, random, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description: "lists (MULTI/EXEC appends and reads, pops, LLEN, DEL) and hashes together, all fault kinds",
  cluster: { nodes: 3, knobs: { compactionThreshold: 8, compactorIntervalUs: 200_000 } },
  clients: [
    generate("p0..p1", { mix: { txn: 3, rpush: 3, lrange: 1 }, keys: [1, 2, 3] }),
    generate("p2", { mix: { lpop: 2, llen: 1, lrange: 1, rpush: 2 }, keys: ["q"] }),
    generate("p3", { mix: { hset: 3, hdel: 1, hgetall: 1, hlen: 1 }, keys: ["h"] }),
    generate("p4", { mix: { rpush: 4, del: 1, exists: 1, lrange: 2 }, keys: ["d"] }),
  ],
  faults: [
    random({
      "partition-halves": 0.2,
      "isolate-leader": 0.2,
      "transfer-leader": 0.3,
      crash: 0.1,
      "clock-skew": 0.2,
      "compactor-burst": 0.3,
    }),
  ],
  runFor: "4s",
  expect: "strict-serializable",
});
