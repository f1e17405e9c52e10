// b6-read-set-pre-raft — docs/catalogue.md B6 (`17cbfbd7`, fixed by `bf8c9e71`): a transaction's read keys
// were validated by the coordinator before proposing and never again at apply, so a write that
// commits between that validation and the apply goes unnoticed (time-of-check to time-of-use).
// Two MULTI/EXECs that each read one list and push to the other, EXEC[LRANGE k, RPUSH j] and
// EXEC[LRANGE j, RPUSH k], write disjoint keys: only their read keys (the list fences and boundary
// items) can order them. When both pass validation before either applies, both commit and each
// misses the other's push — write skew.
// Expected from the history alone: G2-item (each read misses the other's append), or G-single-item
// where a third transaction closes the cycle. The two scripted EXECs are sent at once through one
// node; more clients run such cross-key EXECs back to back, so validations and applies interleave
// within a round trip.
import { generate, lrange, rpush, scenario, script, sleep, txn } from "../src/workload/scenario.ts";

/** Three rounds of the catalogue schedule: each EXEC reads one list and pushes to the other. */
const skew = (read: string, write: string) =>
  [1, 2, 3].flatMap((i) => [txn(lrange(read), rpush(write, i)), sleep("20ms")]);

export default scenario({
  description: "MULTI[LRANGE k, RPUSH j] against MULTI[LRANGE j, RPUSH k]: are read keys checked at apply?",
  bug: { id: "B6", expect: ["G-single-item", "G2-item"] },
  cluster: { nodes: 3, delayUs: [500, 3_000] },
  clients: [
    // The catalogue schedule, both EXECs sent at once through the same node.
    script("p0", skew("k", "j"), { node: 0, startAt: "300ms" }),
    script("p1", skew("j", "k"), { node: 0, startAt: "300ms" }),
    // More cross-key EXECs, so that validations and applies interleave in many ways.
    generate(
      "p2..p5",
      { mix: { txn: 1 }, keys: ["k", "j"], txnLength: [2, 2], thinkUs: [0, 500] },
      { startAt: "300ms" },
    ),
  ],
  runFor: "1s",
  expect: "strict-serializable",
});
