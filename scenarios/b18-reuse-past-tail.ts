// b18-reuse-past-tail — B18 (docs/catalogue.md; the codex P1 on 65daa3a2): a push computes item(T) and a delta
// (0,+1) from its snapshot; a leader change cuts that attempt off (VerifyLeader fails, the request is
// forwarded to the new leader, which refuses it as a write conflict because an RPOP has meanwhile
// committed at a later commitTS). The dedup path then reuses the identical write set at a fresh
// commitTS (docs/model.md). The RPOP moved Tail to T−1, so the replayed element lands at T, past the
// tail, while the slot T−1 the pop emptied is what LLEN still counts: the element is never readable
// and the next push overwrites it. Without the push boundary read keys (item(Head), item(Tail−1))
// and the list fence, nothing in the reused write set conflicts with the pop. Expected from the
// history: lost-element.
//
// Every op starts at a fixed time (one short-lived client each), so the schedule never drifts: an
// RPUSH at the start of each 50 ms round and an RPOP 15 ms later — long after a normal push has
// finished but inside the time a cut-off push needs to reach the new leader — and a leader transfer
// at a slightly different point of each push (0 to 1.6 ms after it is sent). Without the transfers
// the push and the pop never overlap, so the plain same-snapshot race (B10(b)) does not arise.
//
// The stores serve reads unfenced and from the local store on every node (`readCallFence: false`,
// `readProxyToLeader: false`). With the shipped servers' read path (each read fenced, a deposed
// node's reads served by the new leader) the cut-off push and the pop rarely meet: 1 of seeds
// 1–150 fails, against every one of seeds 1–60 without it (docs/catalogue.md).
import {
  at,
  llen,
  lrange,
  rpop,
  rpush,
  scenario,
  script,
  sleep,
  transferLeader,
  txn,
} from "../src/workload/scenario.ts";

const ROUNDS = 20;
const PERIOD_MS = 50;

const pushes = Array.from({ length: ROUNDS }, (_, i) =>
  script(`w${i}`, [rpush("q", 11 + i)], { startAt: `${30 + i * PERIOD_MS}ms` }),
);
const pops = Array.from({ length: ROUNDS }, (_, i) =>
  script(`c${i}`, [rpop("q")], { startAt: `${45 + i * PERIOD_MS}ms` }),
);
/** LLEN and LRANGE in one MULTI/EXEC, every 10 ms. */
const reader = Array.from({ length: 5 * ROUNDS }, () => [txn(llen("q"), lrange("q")), sleep("10ms")]).flat();

export default scenario({
  description: "an RPUSH replayed after a leader change lands past a tail an RPOP shrank meanwhile",
  bug: { id: "B18", expect: ["lost-element"] },
  // Reads unfenced and from the local store (see the header): the shipped read path hides B18.
  cluster: { nodes: 3, delayUs: [200, 1_000], knobs: { readCallFence: false, readProxyToLeader: false } },
  clients: [
    // A few elements first, so that every RPOP has a tail to take.
    script("seed", [rpush("q", 1), rpush("q", 2), rpush("q", 3), rpush("q", 4)]),
    ...pushes,
    ...pops,
    script("r0", reader, { startAt: "5ms" }),
  ],
  faults: Array.from({ length: ROUNDS }, (_, i) =>
    at(`${30 + (i % 9) * 0.2 + i * PERIOD_MS}ms`, transferLeader()),
  ),
  runFor: "1.1s",
  // Fixed message delays keep each op well inside its slot, so only a replayed push overlaps a pop.
  swarm: false,
  expect: "strict-serializable",
});
