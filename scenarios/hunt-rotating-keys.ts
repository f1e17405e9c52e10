// hunt-rotating-keys — a hunting workload, not a catalogue entry: Elle's list-append key rotation
// (each key takes a few pushes, then a fresh key takes its place for every client), with MULTI/EXEC
// transactions that mix absence checks (EXISTS, DEL) with LRANGE and RPUSH over two live keys.
// Reads, EXISTS and DEL of keys that nothing has written yet are then common, and every key's
// history is short: a DEL that empties one key leaves the checker's absence reasoning about the
// keys after it intact (an element nothing can remove proves that an observation without it came
// first).
import { generate, random, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description:
    "MULTI/EXEC of EXISTS, DEL, LRANGE and RPUSH over rotating fresh keys, as Elle rotates keys (hunting)",
  cluster: { nodes: 3 },
  clients: [
    generate("p0..p3", {
      mix: { txn: 8, rpush: 2, lrange: 1, exists: 1, del: 1 },
      keys: ["r0", "r1"],
      txnLength: [2, 3],
      // Drawn uniformly: pushes and absence checks weigh most, DEL least (a DEL that empties a key
      // takes it out of the absence reasoning).
      txnKinds: ["exists", "exists", "del", "lrange", "lrange", "rpush", "rpush", "rpush"],
      rotateAfterWrites: 3,
      thinkUs: [0, 1_000],
    }),
  ],
  faults: [random({ "partition-halves": 0.2, "isolate-leader": 0.2, "transfer-leader": 0.3, crash: 0.1 })],
  runFor: "3s",
  expect: "strict-serializable",
});
