// list-append — elastickv's own Jepsen workload: transactions of RPUSH and LRANGE, one micro-op sent
// as a plain command and several wrapped in MULTI/EXEC, checked for strict serializability.
import { generate, random, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description: "RPUSH + LRANGE transactions (MULTI/EXEC) over a few keys, with partitions and leader churn",
  cluster: { nodes: 3 },
  clients: [
    generate("p0..p4", {
      mix: { txn: 4, rpush: 3, lrange: 2 },
      keys: [1, 2, 3, 4],
      txnLength: [2, 4],
    }),
  ],
  faults: [random({ "partition-halves": 0.3, "isolate-leader": 0.2, "transfer-leader": 0.3, crash: 0.1 })],
  runFor: "4s",
  expect: "strict-serializable",
});
