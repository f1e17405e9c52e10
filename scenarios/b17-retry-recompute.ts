// b17-retry-recompute — docs/catalogue.md B17 (Jepsen runs 26198185540, 26340084100): under leadership churn
// a push's first attempt lands, but its proposer only sees "leadership lost". The demo
// coordinator's Dispatch loop (docs/model.md) polls IsLeader() and re-sends the identical write set;
// with no stale-apply fast path (`a57e6dd1`) the copy conflicts with the versions its own first
// attempt wrote, and with no write-set reuse/dedup (`d3e97050`, `a6af333f`) `retryRedisWrite`
// recomputes from a fresh snapshot: a new sequence, a new delta, the same value appended twice
// (duplicate-elements in every later read; G-single-item-realtime can follow).
// The cluster runs the CI demo's Raft timing (tick 10 ms, heartbeat 1, election 10 ticks: 100 ms
// elections, no lease). Each cycle cuts the leader off while pushes are in flight (those already
// replicated commit under the next leader) and, as it heals, transfers leadership to a random
// other node, which is the old leader half of the time: its Dispatch loop then re-proposes
// locally and gets the typed self-conflict. (A re-send forwarded to another leader gets the
// conflict as a wire error, which is not retried, and the client records `info`.) Ten cycles in
// three simulated seconds: 20+ leader changes, as in the CI demo's election storms.
import type { FaultSpec } from "../src/workload/scenario.ts";
import {
  at,
  DEMO_RAFT_TICKS,
  generate,
  isolateLeader,
  scenario,
  transferLeader,
} from "../src/workload/scenario.ts";

const CYCLES = 10;
const churn: FaultSpec[] = [];
for (let i = 0; i < CYCLES; i++) {
  const t = 200 + i * 300;
  churn.push(at(`${t}ms`, isolateLeader("200ms")), at(`${t + 201}ms`, transferLeader()));
}

export default scenario({
  description:
    "RPUSH and LRANGE on the demo cluster while the leader is cut off and leadership moves, ten times",
  bug: { id: "B17", expect: ["duplicate-elements"] },
  cluster: { nodes: 3, knobs: { ...DEMO_RAFT_TICKS } },
  clients: [generate("p0..p4", { mix: { rpush: 5, lrange: 1 }, keys: [1, 2, 3], thinkUs: [0, 1000] })],
  faults: churn,
  runFor: "3s",
  expect: "strict-serializable",
  // The fault plan is the schedule; swarm draws (wider delays, reordering) only dilute it.
  swarm: false,
});
