import { describe, expect, it } from "vitest";
import { Nemesis } from "../engine/nemesis.ts";
import { RandomSource } from "../engine/rng.ts";
import { NO_PAUSES, Scheduler } from "../engine/schedule.ts";
import { Simulation } from "../engine/sim.ts";
import { LEASE_TEST_TIMING, runRegister, swarmConfig } from "./harness.ts";
import type { RaftProposeOutcome } from "./host.ts";
import {
  DEMO_TIMING,
  PRODUCTION_TIMING,
  RaftCluster,
  type RaftClusterOptions,
  registerRaftFaults,
} from "./host.ts";

type Opts = Partial<RaftClusterOptions<number>>;

/** A cluster whose state machines record what they apply. */
function setup(opts: Opts = {}, seed = 1) {
  const sim = new Simulation();
  const applied: number[][] = [];
  const restarts: number[] = [];
  const n = opts.nodes ?? 3;
  for (let i = 0; i < n; i++) applied.push([]);
  const c = new RaftCluster<number>({
    sim,
    rng: new RandomSource({ seed }),
    nodes: n,
    timing: DEMO_TIMING,
    net: { minDelayUs: 1_000, maxDelayUs: 1_000 },
    onApply: (node, index, data) => {
      applied[node].push(data);
      return { ok: true, commitTS: index };
    },
    onRestart: (node) => {
      restarts.push(node);
      applied[node] = [];
    },
    ...opts,
  });
  const leader = () => {
    sim.run({ until: () => c.leader() !== undefined, untilUs: sim.now + 10_000_000 });
    const l = c.leader();
    if (l === undefined) throw new Error("no leader");
    return l;
  };
  const runFor = (us: number) => sim.run({ untilUs: sim.now + us });
  const propose = (node: number, v: number) => {
    const box: { o?: RaftProposeOutcome<unknown> } = {};
    c.propose(node, v, (o) => {
      box.o = o;
    });
    return box;
  };
  const read = (kind: "readIndex" | "leaseRead" | "verifyLeader", node: number) => {
    const box: { ok?: boolean } = {};
    c[kind](node, (ok) => {
      box.ok = ok;
    });
    return box;
  };
  return { sim, c, applied, restarts, leader, runFor, propose, read };
}

const others = (l: number, n = 3) => Array.from({ length: n }, (_, i) => i).filter((i) => i !== l);

describe("RaftCluster proposals", () => {
  it("applies on every node; the proposer gets `applied` with the state machine's result", () => {
    const t = setup();
    const l = t.leader();
    const p = t.propose(l, 7);
    t.runFor(50_000);
    expect(p.o).toMatchObject({ status: "applied", result: { ok: true } });
    for (const a of t.applied) expect(a).toEqual([7]);
    expect(t.c.counters.elections).toBe(1);
  });

  it("fails at once on a follower (no forwarding) and answers after the call returns", () => {
    const t = setup();
    const l = t.leader();
    const f = others(l)[0];
    const p = t.propose(f, 1);
    expect(p.o).toBeUndefined();
    t.runFor(0);
    expect(p.o).toMatchObject({ status: "failed" });
  });

  it("a forwarded proposal is `unknown` to its proposer but commits", () => {
    const t = setup({ forwardProposals: true });
    const l = t.leader();
    t.runFor(50_000);
    const p = t.propose(others(l)[0], 5);
    t.runFor(50_000);
    expect(p.o?.status).toBe("unknown");
    expect(t.applied[l]).toEqual([5]);
  });

  it("failPending: proposals of a deposed leader end `unknown`", () => {
    const t = setup();
    const l = t.leader();
    t.c.network.isolate(l);
    const p = t.propose(l, 1);
    t.runFor(1_000_000);
    expect(t.c.isLeader(l)).toBe(false);
    expect(p.o).toMatchObject({ status: "unknown" });
  });

  it("without failPending an overwritten proposal ends `failed`", () => {
    const t = setup({ failPendingOnLeaderLoss: false });
    const l = t.leader();
    t.c.network.isolate(l);
    const p = t.propose(l, 1);
    t.runFor(1_000_000);
    const l2 = t.c.leader()!;
    expect(l2).not.toBe(l);
    t.propose(l2, 2);
    t.runFor(100_000);
    t.c.heal();
    t.runFor(500_000);
    expect(p.o).toMatchObject({ status: "failed" });
    expect(t.applied[l]).toEqual([2]);
  });

  it("a proposal during a leadership transfer is dropped", () => {
    const t = setup();
    const l = t.leader();
    t.c.network.isolate(others(l)[0]);
    t.c.transferLeader(others(l)[0]);
    const p = t.propose(l, 1);
    t.runFor(0);
    expect(p.o).toMatchObject({ status: "failed", message: expect.stringMatching(/transfer/) });
  });
});

describe("RaftCluster crashes and persistence", () => {
  it("a crash ends pending requests; a restart replays the log into a fresh state machine", () => {
    const t = setup();
    const l = t.leader();
    t.propose(l, 1);
    t.runFor(50_000);
    const f = others(l)[0];
    t.c.crash(f);
    const p = t.propose(l, 2);
    t.runFor(50_000);
    expect(p.o?.status).toBe("applied");
    t.c.network.isolate(l);
    const q = t.propose(l, 3);
    const r = t.read("readIndex", l);
    t.c.crash(l);
    expect(q.o?.status).toBe("unknown");
    expect(r.ok).toBe(false);
    t.c.healAll();
    t.runFor(2_000_000);
    expect(t.restarts.sort()).toEqual([f, l].sort());
    const final = t.applied[t.c.leader()!];
    for (const a of t.applied) expect(a).toEqual(final);
    expect(final.slice(0, 2)).toEqual([1, 2]);
    expect(t.c.violation).toBeUndefined();
  });

  it("term, vote and log survive a crash", () => {
    const t = setup();
    const l = t.leader();
    t.propose(l, 1);
    t.runFor(50_000);
    const before = t.c.raft(l);
    const term = before.term;
    t.c.crash(l);
    t.c.restart(l);
    const after = t.c.raft(l);
    expect(after).not.toBe(before);
    expect(after.term).toBe(term);
    expect(after.vote).toBe(before.vote);
    expect(after.log).toEqual(before.log);
    expect(after.role).toBe("follower");
  });

  it("lossUnpersistedOnCrash loses entries whose fsync had not completed", () => {
    for (const loss of [false, true]) {
      const t = setup({ persistDelayUs: 5_000, lossUnpersistedOnCrash: loss });
      const l = t.leader();
      t.runFor(50_000);
      const last = t.c.raft(l).lastIndex;
      t.propose(l, 9);
      t.runFor(1_000); // appended, fsync still running
      t.c.crash(l);
      expect(t.c.durable(l).entries.length).toBe(loss ? last : last + 1);
    }
  });

  it("messages of a ready wait for its fsync", () => {
    const t = setup({ persistDelayUs: 20_000 });
    const l = t.leader();
    t.runFor(100_000);
    const f = others(l)[0];
    const before = t.c.raft(f).lastIndex;
    t.propose(l, 1);
    t.runFor(15_000);
    expect(t.c.raft(f).lastIndex).toBe(before);
    t.runFor(50_000);
    expect(t.c.raft(f).lastIndex).toBe(before + 1);
  });
});

describe("RaftCluster reads", () => {
  it("ReadIndex succeeds on the leader and through a follower, and fails on an isolated leader", () => {
    const t = setup();
    const l = t.leader();
    t.propose(l, 1);
    t.runFor(50_000);
    const a = t.read("readIndex", l);
    const b = t.read("readIndex", others(l)[0]);
    t.runFor(50_000);
    expect(a.ok).toBe(true);
    expect(b.ok).toBe(true);
    t.c.network.isolate(l);
    const c = t.read("readIndex", l);
    t.runFor(1_000_000);
    expect(c.ok).toBe(false);
  });

  it("VerifyLeader confirms a healthy leader and refuses a follower", () => {
    const t = setup();
    const l = t.leader();
    t.runFor(50_000);
    const a = t.read("verifyLeader", l);
    const b = t.read("verifyLeader", others(l)[0]);
    t.runFor(50_000);
    expect(a.ok).toBe(true);
    expect(b.ok).toBe(false);
  });

  it("the lease fast path serves a healthy leader; the demo timing disables the lease", () => {
    const t = setup({ timing: LEASE_TEST_TIMING });
    const l = t.leader();
    t.runFor(500_000);
    expect(t.c.leaseDurationUs).toBe(80_000);
    expect(t.c.driftBoundUs).toBe(20_000);
    expect(t.c.leaseRemainingUs(l)).toBeGreaterThan(0);
    const r = t.read("leaseRead", l);
    t.runFor(0);
    expect(r.ok).toBe(true);
    expect(t.c.counters.leaseFastReads).toBe(1);

    const d = setup();
    const dl = d.leader();
    d.runFor(100_000);
    expect(d.c.leaseDurationUs).toBeLessThanOrEqual(0);
    const s = d.read("leaseRead", dl);
    d.runFor(50_000);
    expect(s.ok).toBe(true);
    expect(d.c.counters.leaseFastReads).toBe(0);
    expect(d.c.counters.leaseSlowReads).toBe(1);
  });

  it("the production timing gives the spec's 1 700 ms lease", () => {
    const t = setup({ timing: PRODUCTION_TIMING });
    expect(t.c.leaseDurationUs).toBe(1_700_000);
  });

  it("no lease while a transfer is under way", () => {
    const t = setup({ timing: LEASE_TEST_TIMING });
    const l = t.leader();
    t.runFor(300_000);
    t.c.network.isolate(others(l)[0]);
    t.c.transferLeader(others(l)[0]);
    expect(t.c.leaseRemainingUs(l)).toBe(0);
  });

  it("a backward clock jump on an isolated leader stretches its lease past a new leader's commit", () => {
    const t = setup({ timing: LEASE_TEST_TIMING });
    const l = t.leader();
    t.runFor(500_000);
    t.c.network.isolate(l);
    t.c.clocks.setSkew(l, -1_000_000);
    t.sim.run({ until: () => others(l).some((i) => t.c.isLeader(i)), untilUs: t.sim.now + 5_000_000 });
    const l2 = others(l).find((i) => t.c.isLeader(i))!;
    const w = t.propose(l2, 42);
    t.sim.run({ until: () => w.o !== undefined });
    expect(w.o?.status).toBe("applied");
    // The old leader still trusts its lease and answers from its stale state machine.
    const r = t.read("leaseRead", l);
    t.runFor(0);
    expect(r.ok).toBe(true);
    expect(t.applied[l]).not.toContain(42);
  });
});

describe("RaftCluster timers, transfer and faults", () => {
  it("transfers leadership to the requested node", () => {
    const t = setup();
    const l = t.leader();
    const to = others(l)[1];
    t.c.transferLeader(to);
    t.runFor(200_000);
    expect(t.c.leader()).toBe(to);
    expect(t.c.counters.leaderChanges).toBe(1);
  });

  it("a forward clock jump fires the missed ticks at once; a backward one stalls the node", () => {
    const t = setup();
    const l = t.leader();
    t.runFor(100_000);
    const f = others(l)[0];
    t.c.network.isolate(f);
    t.c.clocks.jump(f, 10_000_000);
    t.runFor(15_000);
    expect(t.c.raft(f).role).not.toBe("follower");
    const g = others(l)[1];
    const before = t.c.raft(g).electionElapsed;
    t.c.network.isolate(g);
    t.c.clocks.jump(g, -10_000_000);
    t.runFor(1_000_000);
    expect(t.c.raft(g).electionElapsed).toBe(before);
  });

  it("leader(), leaderOf() and isLeader() agree", () => {
    const t = setup({ nodes: 5 });
    const l = t.leader();
    t.runFor(50_000);
    for (let i = 0; i < 5; i++) {
      expect(t.c.leaderOf(i)).toBe(l);
      expect(t.c.isLeader(i)).toBe(i === l);
    }
    t.c.crash(l);
    expect(t.c.leader()).toBeUndefined();
    expect(t.c.leaderOf(l)).toBeUndefined();
  });

  it("registers the Raft fault kinds; leader-aimed faults find the leader", () => {
    const t = setup();
    const nem = new Nemesis(t.sim, new RandomSource({ seed: 3 }).stream("nemesis"));
    registerRaftFaults(nem, t.c, new RandomSource({ seed: 4 }).stream("args"));
    for (const k of [
      "isolate-leader",
      "crash-leader",
      "crash-new-leader",
      "isolate-new-leader",
      "transfer-leader",
    ]) {
      expect(nem.kinds()).toContain(k);
    }
    expect(nem.kinds()).toContain("partition-halves");
    const l = t.leader();
    nem.inject({ kind: "crash-leader", durationUs: 500_000 });
    expect(t.c.isUp(l)).toBe(false);
    t.runFor(600_000);
    expect(t.c.isUp(l)).toBe(true);
    nem.inject({ kind: "isolate-new-leader", durationUs: 2_000_000, args: { delayUs: 0 } });
    let elected = -1;
    t.c.onNextElection((node) => {
      elected = node;
    });
    nem.inject({ kind: "crash-leader", durationUs: 100_000 });
    t.sim.run({ until: () => elected >= 0 });
    t.runFor(0);
    expect(t.c.network.canDeliver(elected, others(elected)[0])).toBe(false);
    t.runFor(3_000_000);
    expect(t.c.network.canDeliver(elected, others(elected)[0])).toBe(true);
  });

  it("is deterministic: the same seed gives the same run", () => {
    const a = runRegister(swarmConfig(17));
    const b = runRegister(swarmConfig(17));
    expect(b).toEqual(a);
    const go = (seed: number) => {
      const t = setup({}, seed);
      t.leader();
      t.runFor(1_000_000);
      return t.sim.traceHash();
    };
    expect(go(5)).toBe(go(5));
    expect(go(5)).not.toBe(go(6));
  });

  it("records invariant violations instead of throwing, unless asked to throw", () => {
    const t = setup();
    t.c.invariants.violate("invariant:election-safety", "test");
    expect(t.c.violation?.name).toBe("invariant:election-safety");
    const u = setup({ throwOnViolation: true });
    expect(() => u.c.invariants.violate("invariant:log-matching", "test")).toThrow(/test/);
  });
});

describe("RaftCluster release order of a read batch", () => {
  /** Starts rounds of `kind` on the leader 100 µs apart; returns the order they complete in. */
  function completionOrder(kind: "verifyLeader" | "readIndex", orderSeed: number | undefined): number[] {
    const sched =
      orderSeed === undefined
        ? undefined
        : new Scheduler(
            { ...NO_PAUSES, strategy: "random" },
            new RandomSource({ seed: orderSeed }).stream("sched"),
          );
    // Jittered links: a later round's acknowledgement can overtake an earlier one's and release
    // several rounds in one batch, as etcd/raft's ReadIndex batches do.
    const net = { minDelayUs: 200, maxDelayUs: 5_000, reorder: true };
    const t = setup(
      sched === undefined ? { net } : { net, orderReleased: (_node, batch) => void sched.order(batch) },
    );
    const l = t.leader();
    t.runFor(50_000);
    const done: number[] = [];
    for (let i = 0; i < 8; i++) {
      t.c[kind](l, (ok) => ok && done.push(i));
      t.runFor(100);
    }
    t.runFor(200_000);
    expect([...done].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    return done;
  }

  it("without an order, rounds complete in the order they started", () => {
    expect(completionOrder("verifyLeader", undefined)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(completionOrder("readIndex", undefined)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("with a seeded order, the waiters of one round are released out of order for some seed", () => {
    for (const kind of ["verifyLeader", "readIndex"] as const) {
      const orders = [1, 2, 3, 4, 5].map((seed) => completionOrder(kind, seed).join());
      expect(orders.some((o) => o !== "0,1,2,3,4,5,6,7")).toBe(true);
      // Same seed, same order.
      expect(completionOrder(kind, 3).join()).toBe(orders[2]);
    }
  });
});

describe("RaftCluster batched appends (appendBatchWindowUs)", () => {
  /** Counts MsgApps carrying entries, and accepting MsgAppResps, sent while `fn` runs. */
  function traffic(window: number) {
    const t = setup({ appendBatchWindowUs: window, persistDelayUs: 100 });
    const l = t.leader();
    t.runFor(50_000);
    let apps = 0;
    let entries = 0;
    let acks = 0;
    t.c.network.observe({
      sent: (_from, _to, m) => {
        if (m.type === "app" && m.entries.length > 0) {
          apps++;
          entries += m.entries.length;
        }
        if (m.type === "appResp" && !m.reject) acks++;
      },
    });
    const ps = [1, 2, 3, 4, 5].map((v) => t.propose(l, v));
    t.runFor(200_000);
    return { t, ps, apps, entries, acks };
  }

  it("off: one MsgApp per proposal and follower", () => {
    const r = traffic(0);
    expect(r.apps).toBe(10);
    for (const a of r.t.applied) expect(a).toEqual([1, 2, 3, 4, 5]);
  });

  it("on: proposals of one window share one MsgApp per follower and one ack each, and all apply in order", () => {
    const r = traffic(1_000);
    expect(r.apps).toBe(2);
    expect(r.entries).toBe(10);
    for (const p of r.ps) expect(p.o?.status).toBe("applied");
    for (const a of r.t.applied) expect(a).toEqual([1, 2, 3, 4, 5]);
    const off = traffic(0);
    expect(r.acks).toBeLessThan(off.acks);
  });

  it("on: a crash of the leader within the window leaves its proposals unknown", () => {
    const t = setup({ appendBatchWindowUs: 100_000, persistDelayUs: 100 });
    const l = t.leader();
    const p = t.propose(l, 9);
    t.c.crash(l);
    t.runFor(3_000_000);
    expect(p.o?.status).toBe("unknown");
    for (const i of others(l)) expect(t.applied[i]).not.toContain(9);
  });
});
