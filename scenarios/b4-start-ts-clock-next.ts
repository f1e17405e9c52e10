// b4-start-ts-clock-next — docs/catalogue.md B4 (fixed by `13008e3f`): EXEC's startTS was HLC.Next(), which
// is ahead of every commitTS the leader has handed out, including those of writes allocated but
// not yet applied. An RPUSH that allocated t9 and is still on its way through Raft is invisible to
// an EXEC with startTS t10: the EXEC reads the list without it, stages its own element at the
// same position, and at apply the RPUSH's item version (t9) is not newer than t10, so no conflict
// is seen — the EXEC's item overwrites the RPUSH's and the acknowledged append is gone.
// Expected from the history alone: lost-append, and G1c (the Jepsen report) where reads observe
// both writers; two EXECs that read the same list version and both append also show lost-update.
// Needs a write in flight between commitTS allocation and apply: several clients push to one list
// while others run MULTI[LRANGE, RPUSH] on it; slower links widen the window.
import { generate, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description:
    "standalone RPUSH racing MULTI[LRANGE, RPUSH] on one list: is the EXEC snapshot ahead of applied state?",
  bug: { id: "B4", expect: ["lost-append", "G1c"] },
  cluster: { nodes: 3, delayUs: [500, 3_000] },
  clients: [
    generate("p0..p2", { mix: { rpush: 1 }, keys: ["k"], thinkUs: [0, 500] }, { startAt: "300ms" }),
    generate(
      "p3..p4",
      { mix: { txn: 1 }, keys: ["k"], txnLength: [2, 2], thinkUs: [0, 500] },
      { startAt: "300ms" },
    ),
    generate("p5", { mix: { lrange: 1 }, keys: ["k"], thinkUs: [0, 2_000] }, { startAt: "300ms" }),
  ],
  runFor: "1s",
  expect: "strict-serializable",
});
