// del-vs-push — "can a DEL racing an RPUSH orphan the pushed element?" (README's example, and the
// scenario `sim variants` names for `head`: it asks whether B12 is real in elastickv as it stands).
// Standalone DEL writes no fence and carries no read keys (docs/model.md); a push that commits after
// DEL's snapshot but before DEL applies survives with its item at the old Tail and a delta whose
// Head rebases to 0 once DEL removed the base meta (spec B12). Expect lost-element, len-mismatch or
// resurrected-key under `head` if the race is real; nothing under `fixed`.
import {
  at,
  del,
  generate,
  heal,
  isolateLeader,
  lrange,
  random,
  rpush,
  scenario,
  script,
} from "../src/workload/scenario.ts";

export default scenario({
  description: "DEL and RPUSH race on one list while leaders change (is B12 real at HEAD?)",
  bug: { id: "B12", expect: ["lost-element", "len-mismatch", "resurrected-key"] },
  cluster: { nodes: 3, knobs: { compactionThreshold: 8 } },
  clients: [
    script("p0", [rpush("k", 1), del("k"), lrange("k")]),
    generate("p1..p3", { mix: { rpush: 3, lpop: 2, lrange: 1, llen: 1, del: 1 }, keys: ["k"] }),
  ],
  faults: [at("2s", isolateLeader("1s")), at("4s", heal()), random({ "transfer-leader": 0.2 })],
  runFor: "6s",
  expect: "strict-serializable",
});
