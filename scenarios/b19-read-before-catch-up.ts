// b19-read-before-catch-up — docs/catalogue.md B19 (#1167, `c7331bea`, "strict-serializability anomaly during
// leader churn"): LRANGE and EXEC picked `readTS = LastCommitTS` on whichever node believed it led,
// with no quorum-backed fence around that choice. Leadership changes open two windows in which
// that snapshot is stale: a freshly elected leader that has not yet applied the previous term's
// committed tail, and — wider in practice — an old leader cut off from the others, which keeps
// believing it leads until CheckQuorum steps it down (up to two election timeouts later) while the
// majority has already elected a successor that acknowledges new pushes. An LRANGE served in that
// window misses a push acknowledged before it was invoked: a stale read, G-single-item-realtime
// (later reads still show the element, so the checker does not call it lost).
// Production Raft timing with leases (tick 10 ms, heartbeat 200 ms, election 2 s, lease 1.7 s), as
// the per-push Jepsen CI runs; point reads keep their lease fence and fail once the lease runs out.
// The fix fences before and after picking readTS (ReadIndex), so a deposed leader cannot serve.
// Clients give up on a command after 500 ms (instead of 5 s) so that they move on to the new
// leader as soon as it exists; they start once the old leader is cut off.
// The store's reads are left unfenced (`readCallFence: false`), as the store of that time served
// them. With the shipped servers' per-call fences (docs/model.md, S3) the deposed leader's window
// is closed — its lease runs out before a successor exists, and every read call's ReadIndex then
// fails — and no stale read was found in seeds 1–60 (docs/catalogue.md).
import { at, generate, isolateLeader, scenario } from "../src/workload/scenario.ts";

const KEYS = [1, 2, 3];

export default scenario({
  description: "RPUSH writers and LRANGE/LLEN readers on every node while the leader is cut off and replaced",
  bug: { id: "B19", expect: ["G-single-item-realtime"] },
  cluster: { nodes: 3, knobs: { clientTimeoutUs: 500_000, readCallFence: false } },
  clients: [
    generate("w0..w2", { mix: { rpush: 1 }, keys: KEYS, thinkUs: [30_000, 80_000] }, { startAt: "2s" }),
    generate(
      "r0..r2",
      { mix: { lrange: 3, llen: 1 }, keys: KEYS, thinkUs: [10_000, 30_000] },
      { startAt: "2s" },
    ),
  ],
  faults: [at("300ms", isolateLeader("5s"))],
  runFor: "5.5s",
  expect: "strict-serializable",
  // The schedule is the fault plan above; swarm draws would only widen message delays.
  swarm: false,
});
