// queue — producers RPUSH, consumers LPOP (and RPOP), readers LRANGE and LLEN: the delta + claim
// paths that elastickv's Jepsen test never runs. Checks for lost, duplicated and phantom elements
// and LLEN/LRANGE disagreement, as well as dependency cycles.
import { generate, random, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description: "producers RPUSH/LPUSH, consumers LPOP/RPOP, readers LRANGE/LLEN on two lists, with faults",
  cluster: { nodes: 3, knobs: { compactionThreshold: 8, compactorIntervalUs: 200_000 } },
  clients: [
    generate("p0..p1", { mix: { rpush: 4, lpush: 1 }, keys: ["q1", "q2"] }),
    generate("p2..p3", { mix: { lpop: 3, rpop: 1 }, keys: ["q1", "q2"] }),
    generate("p4", { mix: { lrange: 2, llen: 2 }, keys: ["q1", "q2"] }),
  ],
  faults: [random({ "isolate-leader": 0.2, "transfer-leader": 0.3, crash: 0.1, "compactor-burst": 0.5 })],
  runFor: "4s",
  expect: "strict-serializable",
});
