// b7-multi-lrange-phantom — docs/catalogue.md B7 (fixed by #520 `5be1b5ce`, then the list fence `c4b8d91a`):
// an EXEC's LRANGE registered no read key for the list, and a concurrent push only creates new
// keys (the next item and a delta), so point validation cannot see it: a phantom. Without the
// boundary read keys item(Head+Len) / item(Head−1) and without the list fence, EXEC[LRANGE k,
// RPUSH j] and EXEC[LRANGE j, RPUSH k] running concurrently both commit, each having read the
// list the other appends to — an rw anti-dependency cycle.
// Expected from the history alone: G2-item. Several clients run small cross-key EXECs.
import { generate, lrange, rpush, scenario, script, sleep, txn } from "../src/workload/scenario.ts";

/** Three rounds of the catalogue schedule: each EXEC reads one list and pushes to the other. */
const skew = (read: string, write: string) =>
  [1, 2, 3].flatMap((i) => [txn(lrange(read), rpush(write, i)), sleep("20ms")]);

export default scenario({
  description:
    "concurrent MULTI[LRANGE k, RPUSH j] and MULTI[LRANGE j, RPUSH k]: does LRANGE register a read key?",
  bug: { id: "B7", expect: ["G2-item"] },
  cluster: { nodes: 3 },
  clients: [
    // The catalogue schedule, both EXECs sent at once through the same node.
    script("p0", skew("k", "j"), { node: 0, startAt: "300ms" }),
    script("p1", skew("j", "k"), { node: 0, startAt: "300ms" }),
    // More cross-key EXECs, so that validations and applies interleave in many ways.
    generate(
      "p2..p4",
      { mix: { txn: 1 }, keys: ["k", "j"], txnLength: [2, 2], thinkUs: [0, 1_000] },
      { startAt: "300ms" },
    ),
  ],
  runFor: "1s",
  expect: "strict-serializable",
});
