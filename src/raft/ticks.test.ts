/**
 * Lazy ticks: a node's timer wakes only for a tick that can act, and the quiet ticks before it are
 * fired in one go. These tests hold it to per-tick firing: `skipTicks` against repeated `tick()`
 * on a bare RaftNode, and whole fault-injected cluster runs, lazy against one event per tick, with
 * clock skew and forward and backward jumps among the faults.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RandomSource } from "../engine/rng.ts";
import { Simulation } from "../engine/sim.ts";
import { runRegister, swarmConfig } from "./harness.ts";
import { DEMO_TIMING, PRODUCTION_TIMING, RaftCluster } from "./host.ts";
import { mkMsg, NONE, RaftNode } from "./raft.ts";

/** Node 0 of 3, as a follower or (after winning a vote) a leader; its timeouts drawn from `seed`. */
function node(seed: number, leader: boolean, checkQuorum: boolean): RaftNode<number> {
  const rand = new RandomSource({ seed, record: false }).stream("raft");
  const r = new RaftNode<number>(0, 3, {
    electionTicks: 20,
    heartbeatTicks: 3,
    rand: (k) => rand.int(k),
    preVote: false,
    checkQuorum,
  });
  if (leader) {
    r.campaign();
    r.step(mkMsg<number>("voteResp", 1, 0, r.term));
  }
  return r;
}

/** What a tick can change, and what it hands out. */
function snapshot(r: RaftNode<number>) {
  const rd = r.hasReady() ? r.ready() : undefined;
  if (rd !== undefined) r.advance();
  return {
    role: r.role,
    term: r.term,
    lead: r.lead,
    electionElapsed: r.electionElapsed,
    heartbeatElapsed: r.heartbeatElapsed,
    timeout: r.randomizedElectionTimeout,
    transferee: r.leadTransferee,
    messages: rd?.messages.map((m) => `${m.type} ${m.to} t${m.term} r${m.round}`) ?? [],
  };
}

describe("RaftNode.quietTicks / skipTicks", () => {
  it("skipping the quiet ticks leaves the node as ticking one by one does", () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("ticks" as const), n: fc.integer({ min: 1, max: 60 }) }),
      fc.record({ kind: fc.constant("heartbeat" as const), n: fc.constant(0) }),
      fc.record({ kind: fc.constant("transfer" as const), n: fc.constant(0) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(step, { minLength: 1, maxLength: 25 }),
        (seed, leader, checkQuorum, steps) => {
          const a = node(seed, leader, checkQuorum);
          const b = node(seed, leader, checkQuorum);
          expect(snapshot(b)).toEqual(snapshot(a));
          for (const s of steps) {
            if (s.kind === "ticks") {
              for (let i = 0; i < s.n; i++) a.tick();
              b.fireTicks(s.n);
            } else if (s.kind === "heartbeat") {
              // A leader of the current term (node 1) heartbeats: followers reset their timer.
              if (a.role !== "leader") {
                a.step(mkMsg<number>("heartbeat", 1, 0, a.term));
                b.step(mkMsg<number>("heartbeat", 1, 0, b.term));
              }
            } else {
              a.transferLeader(2);
              b.transferLeader(2);
            }
            expect(snapshot(b)).toEqual(snapshot(a));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("counts down to the next tick that acts, and refuses to skip it", () => {
    const f = node(7, false, true);
    const q = f.quietTicks();
    expect(q).toBe(f.randomizedElectionTimeout - 1);
    f.skipTicks(q);
    expect(f.quietTicks()).toBe(0);
    expect(() => f.skipTicks(1)).toThrow(RangeError);
    f.tick();
    expect(f.role).toBe("candidate");

    const l = node(7, true, true);
    expect(l.role).toBe("leader");
    expect(l.lead).not.toBe(NONE);
    // Heartbeat every 3 ticks: two quiet ones, then the one that sends.
    expect(l.quietTicks()).toBe(2);
  });
});

/** A swarm run's Raft traffic and events, under lazy or per-tick firing. */
function traced(seed: number, lazyTicks: boolean) {
  const lines: string[] = [];
  let ticks = 0;
  const counts = new Map<string, number>();
  Simulation.countKindsInto = counts;
  try {
    const cfg = swarmConfig(seed);
    const result = runRegister({
      ...cfg,
      cluster: {
        ...cfg.cluster,
        lazyTicks,
        onEvent: (e) => lines.push(`${e.atUs} ${e.node} ${e.kind} ${e.term} ${e.detail ?? ""}`),
      },
      inspect: (cluster, sim) =>
        cluster.network.observe({
          sent: (from, to, m, dropped) =>
            lines.push(`${sim.now} ${from}>${to} ${m.type} t${m.term} i${m.index} c${m.commit} ${dropped}`),
        }),
    });
    ticks = counts.get("raft.tick") ?? 0;
    return { lines, ticks, result: { ...result, events: 0 }, faults: cfg.faults };
  } finally {
    Simulation.countKindsInto = undefined;
  }
}

describe("RaftCluster with lazy ticks", () => {
  it("sends the same messages at the same instants as a timer event per tick, under faults and clock jumps", () => {
    let jumps = 0;
    let saved = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const eager = traced(seed, false);
      const lazy = traced(seed, true);
      expect(lazy.lines, `seed ${seed}`).toEqual(eager.lines);
      expect(lazy.result, `seed ${seed}`).toEqual(eager.result);
      const kinds = JSON.stringify(eager.faults);
      if (kinds.includes("clock-jump") || kinds.includes("skew")) jumps++;
      saved += eager.ticks - lazy.ticks;
      expect(lazy.ticks).toBeLessThan(eager.ticks);
    }
    // The seeds did move clocks, and most tick events went.
    expect(jumps).toBeGreaterThan(5);
    expect(saved).toBeGreaterThan(0);
  });

  it("with production timing a steady cluster wakes for heartbeats, not for every tick", () => {
    const run = (lazyTicks: boolean) => {
      const counts = new Map<string, number>();
      Simulation.countKindsInto = counts;
      try {
        const sim = new Simulation();
        const c = new RaftCluster<number>({
          sim,
          rng: new RandomSource({ seed: 3 }),
          nodes: 3,
          timing: PRODUCTION_TIMING,
          lazyTicks,
        });
        sim.run({ untilUs: 20_000_000 });
        return { ticks: counts.get("raft.tick") ?? 0, leader: c.leader(), elections: c.counters.elections };
      } finally {
        Simulation.countKindsInto = undefined;
      }
    };
    const eager = run(false);
    const lazy = run(true);
    expect(lazy.leader).toBe(eager.leader);
    expect(lazy.elections).toBe(eager.elections);
    // 3 nodes × 100 ticks/s × 20 s per tick; one wake per heartbeat (20 ticks) and a few more.
    expect(eager.ticks).toBeGreaterThan(5_900);
    expect(lazy.ticks).toBeLessThan(eager.ticks / 10);
  });

  it("a forward jump fires the missed ticks at the node's next firing; a backward one stalls it", () => {
    const setup = (lazyTicks: boolean) => {
      const sim = new Simulation();
      const c = new RaftCluster<number>({
        sim,
        rng: new RandomSource({ seed: 5 }),
        nodes: 3,
        timing: DEMO_TIMING,
        net: { minDelayUs: 1_000, maxDelayUs: 1_000 },
        lazyTicks,
      });
      sim.run({ until: () => c.leader() !== undefined });
      // Every node hears of the leader.
      sim.run({ untilUs: sim.now + 50_000 });
      return { sim, c };
    };
    for (const lazyTicks of [true, false]) {
      const { sim, c } = setup(lazyTicks);
      const l = c.leader()!;
      const f = (l + 1) % 3;
      expect(c.raft(f).role).toBe("follower");
      c.network.isolate(f);
      const elapsed = c.raft(f).electionElapsed;
      // Back 1 s: no tick for 1 s of simulated time, whatever the node's timeout.
      c.clocks.jump(f, -1_000_000);
      sim.run({ untilUs: sim.now + 900_000 });
      expect(c.raft(f).electionElapsed).toBe(elapsed);
      expect(c.raft(f).role).toBe("follower");
      // Forward 10 s: the next firing (still a stalled period away, at about 1 s after the first
      // jump) runs the missed ticks, capped, enough to campaign.
      c.clocks.jump(f, 10_000_000);
      sim.run({ untilUs: sim.now + 200_000 });
      expect(c.raft(f).role).not.toBe("follower");
    }
  });
});
