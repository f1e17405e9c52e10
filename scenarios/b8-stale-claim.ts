// b8-stale-claim — B8 (docs/catalogue.md): with the design doc's claims (logical-delete markers that POP and
// LRANGE skip), a sequence is reused after an RPOP (RPOP then RPUSH writes the old Tail−1 again),
// but the push leaves the RPOP's claim on that sequence in place. The new element is then treated
// as already popped: LPOP/RPOP skip it, LRANGE filters it out, yet LLEN still counts it.
// Expected from the history: lost-element (an acknowledged push never popped nor read again) and
// len-mismatch (LLEN 1 beside LRANGE [] in the same snapshot).
//
// The schedule needs no concurrency: p0 runs the spec's minimal schedule (RPUSH, RPOP, RPUSH,
// LPOP, then LLEN and LRANGE in one MULTI/EXEC); p1 and p2 treat two more lists as stacks (pushes and
// pops at the tail), which reuses sequences all the time.
import {
  generate,
  llen,
  lpop,
  lrange,
  rpop,
  rpush,
  scenario,
  script,
  sleep,
  txn,
} from "../src/workload/scenario.ts";

export default scenario({
  description: "RPOP then RPUSH reuses a sequence whose claim survives (design-doc claim markers)",
  bug: { id: "B8", expect: ["lost-element", "len-mismatch"] },
  cluster: { nodes: 3 },
  clients: [
    script("p0", [
      rpush("s", 1),
      rpop("s"),
      rpush("s", 2), // reuses seq 0, still claimed by the RPOP
      lpop("s"),
      txn(llen("s"), lrange("s")),
      sleep("50ms"),
      lrange("s"),
    ]),
    generate("p1..p2", {
      mix: { rpush: 3, rpop: 2, lpop: 1, lrange: 1, llen: 1 },
      keys: ["q1", "q2"],
      thinkUs: [0, 5_000],
    }),
  ],
  runFor: "600ms",
  expect: "strict-serializable",
});
