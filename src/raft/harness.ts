/**
 * A small end-to-end run of `RaftCluster` with a register state machine, for the property tests
 * and the benchmark: clients write and read one register while the nemesis injects faults, then
 * everything heals and the cluster must converge.
 *
 * Stale-read detection: the log order is the register's linearization order, so each value is
 * named by the log index that wrote it. A read that began after a write at index i was
 * acknowledged must observe a value written at index ≥ i; anything older is a stale read (a
 * real-time order violation).
 *
 * Liveness is reported apart from safety: after the fault phase the cluster is healed (network,
 * crashed nodes, clocks) and must elect a leader and bring every node to the same applied log
 * within `settleUs`.
 */
import { Nemesis, type RandomFaultRates } from "../engine/nemesis.ts";
import type { NetConfig } from "../engine/network.ts";
import { RandomSource, type Stream } from "../engine/rng.ts";
import { Simulation } from "../engine/sim.ts";
import {
  DEMO_TIMING,
  RaftCluster,
  type RaftClusterOptions,
  type RaftTiming,
  registerRaftFaults,
} from "./host.ts";
import type { InvariantViolation } from "./invariants.ts";

export interface RegisterCmd {
  /** Unique value of this write. */
  v: number;
}

export interface RegisterRunConfig {
  seed: number;
  nodes: number;
  timing?: Partial<RaftTiming>;
  net?: Partial<NetConfig>;
  /** Concurrent clients, each with one operation in flight. */
  clients: number;
  /** Think time between a client's operations. */
  thinkUs: [number, number];
  /** A client waits this long after an error before its next operation (default 10 ms). */
  backoffUs?: number;
  /** A client abandons an operation after this long (default 100 ms). */
  opTimeoutUs?: number;
  /** Fraction of operations that are reads. */
  readRatio: number;
  readMode: "lease" | "read-index";
  /** Length of the fault phase (clients run during it). */
  faultUs: number;
  /**
   * Expected faults per simulated second, per kind (see registerRaftFaults), with durations in
   * faultDurUs; or several such plans, each with its own duration range.
   */
  faults: RandomFaultRates | Array<{ rates: RandomFaultRates; durUs?: [number, number] }>;
  faultDurUs?: [number, number];
  /** Largest clock skew (and clock jump) a fault sets (µs); default as registerRaftFaults. */
  maxSkewUs?: number;
  /** Liveness bound after healing. */
  settleUs: number;
  /** Extra cluster options: bugs, persistence, failPending, lease knobs. */
  cluster?: Partial<RaftClusterOptions<RegisterCmd>>;
  /** Event cap (a run that hits it reports liveness). */
  maxEvents?: number;
  /** Sees the cluster before the run starts (tests: probes, extra checks). */
  inspect?: (cluster: RaftCluster<RegisterCmd>, sim: Simulation) => void;
}

export interface RegisterRunResult {
  violation: InvariantViolation | undefined;
  staleRead: string | undefined;
  /** Why the cluster did not converge after healing, or undefined. */
  liveness: string | undefined;
  writes: { acked: number; failed: number; unknown: number };
  reads: { ok: number; failed: number; leaseFast: number };
  /** Entries committed (the highest commit index seen). */
  committed: number;
  elections: number;
  leaderChanges: number;
  faults: number;
  events: number;
  simUs: number;
  /** Time from healing to convergence (µs), when it converged. */
  convergeUs: number | undefined;
}

interface Reg {
  v: number;
  index: number;
}

/** Everything one register run shares between its phases. */
interface RegisterRun {
  readonly cfg: RegisterRunConfig;
  readonly sim: Simulation;
  readonly cluster: RaftCluster<RegisterCmd>;
  readonly nemesis: Nemesis;
  /** Per node: the register its state machine holds. */
  readonly regs: Reg[];
  /** The clients' random choices. */
  readonly work: Stream;
  /** Clients start operations only while this holds (the fault phase). */
  running: boolean;
  /** Highest log index of an acknowledged write: later reads must see at least it. */
  ackedIndex: number;
  staleRead: string | undefined;
  nextValue: number;
  readonly writes: RegisterRunResult["writes"];
  readonly reads: RegisterRunResult["reads"];
}

export function runRegister(cfg: RegisterRunConfig): RegisterRunResult {
  const run = setUp(cfg);
  for (let c = 0; c < cfg.clients; c++) startClient(run, c);
  const maxEvents = cfg.maxEvents ?? Number.POSITIVE_INFINITY;
  run.sim.run({ untilUs: cfg.faultUs, maxEvents });
  run.running = false;
  const healAt = run.sim.now;
  run.cluster.healAll();
  const ok = settle(run, healAt, maxEvents);
  return summarize(run, healAt, ok);
}

/** Builds the cluster, registers the faults and plans them over the fault phase. */
function setUp(cfg: RegisterRunConfig): RegisterRun {
  const sim = new Simulation();
  const rng = new RandomSource({ seed: cfg.seed, record: false });
  const regs: Reg[] = Array.from({ length: cfg.nodes }, () => ({ v: 0, index: 0 }));
  const cluster = new RaftCluster<RegisterCmd>({
    sim,
    rng,
    nodes: cfg.nodes,
    timing: cfg.timing,
    net: cfg.net,
    ...cfg.cluster,
    onApply: (node, index, cmd) => {
      const r = regs[node];
      r.v = cmd.v;
      r.index = index;
      return { ok: true, commitTS: index };
    },
    onRestart: (node) => {
      regs[node] = { v: 0, index: 0 };
    },
  });
  cfg.inspect?.(cluster, sim);
  const nemesis = new Nemesis(sim, rng.stream("nemesis"));
  registerRaftFaults(nemesis, cluster, rng.stream("nemesis/args"), {
    maxSkewUs: cfg.maxSkewUs,
    maxJumpUs: cfg.maxSkewUs,
  });
  const plans = Array.isArray(cfg.faults) ? cfg.faults : [{ rates: cfg.faults, durUs: cfg.faultDurUs }];
  for (const p of plans) {
    const [minDurUs, maxDurUs] = p.durUs ?? [100_000, 1_000_000];
    nemesis.randomPlan(p.rates, 0, cfg.faultUs, { minDurUs, maxDurUs });
  }
  return {
    cfg,
    sim,
    cluster,
    nemesis,
    regs,
    work: rng.stream("workload"),
    running: true,
    ackedIndex: 0,
    staleRead: undefined,
    nextValue: 1,
    writes: { acked: 0, failed: 0, unknown: 0 },
    reads: { ok: 0, failed: 0, leaseFast: 0 },
  };
}

/**
 * Client c: one operation at a time, with think time between them. Like Jepsen's clients, each is
 * bound to one node, which proxies to the leader it knows of (elastickv's followers proxy Redis
 * commands to the leader).
 */
function startClient(run: RegisterRun, c: number): void {
  const { cfg, sim, cluster, work, regs, writes, reads } = run;
  const home = c % cfg.nodes;
  const opTimeoutUs = cfg.opTimeoutUs ?? 100_000;
  const backoffUs = cfg.backoffUs ?? 10_000;
  let seq = 0;
  const next = (failed?: boolean) => {
    if (!run.running) return;
    // After an error a client backs off, as a real one would, instead of spinning.
    sim.schedule(work.range(cfg.thinkUs[0], cfg.thinkUs[1]) + (failed ? backoffUs : 0), op);
  };
  // A client gives up on an operation after opTimeoutUs (a write's outcome is then unknown to
  // it) and moves on; a late answer is ignored. One watchdog per client, re-armed only when it
  // fires, keeps the event queue small (a timer per operation would dominate it).
  let deadline = Number.POSITIVE_INFINITY;
  let onTimeout: () => void = () => {};
  let watchdog = false;
  const watch = () => {
    watchdog = false;
    if (deadline === Number.POSITIVE_INFINITY) return;
    if (sim.now >= deadline) {
      deadline = Number.POSITIVE_INFINITY;
      seq++;
      onTimeout();
      next(true);
      return;
    }
    watchdog = true;
    sim.at(deadline, watch);
  };
  const begin = (timeout: () => void): number => {
    deadline = sim.now + opTimeoutUs;
    onTimeout = timeout;
    if (!watchdog) {
      watchdog = true;
      sim.at(deadline, watch);
    }
    return ++seq;
  };
  const end = (token: number): boolean => {
    if (seq !== token) return false;
    seq++;
    deadline = Number.POSITIVE_INFINITY;
    return true;
  };
  const op = () => {
    if (!run.running) return;
    const target = cluster.leaderOf(home) ?? home;
    if (work.chance(cfg.readRatio)) {
      const floor = run.ackedIndex;
      const before = cluster.counters.leaseFastReads;
      const token = begin(() => reads.failed++);
      const done = (ok: boolean) => {
        if (!end(token)) return;
        if (!ok) {
          reads.failed++;
          next(true);
          return;
        }
        reads.ok++;
        const seen = regs[target].index;
        if (seen < floor && run.staleRead === undefined) {
          run.staleRead = `client ${c} read on node ${target} at ${sim.now}µs saw the write at index ${seen}, but the write at index ${floor} was acknowledged before the read began`;
        }
        next();
      };
      if (cfg.readMode === "lease") cluster.leaseRead(target, done);
      else cluster.readIndex(target, done);
      if (cluster.counters.leaseFastReads !== before) reads.leaseFast++;
      return;
    }
    const token = begin(() => writes.unknown++);
    cluster.propose(target, { v: run.nextValue++ }, (o) => {
      if (!end(token)) return;
      if (o.status === "applied") {
        writes.acked++;
        if (o.index > run.ackedIndex) run.ackedIndex = o.index;
        next();
        return;
      }
      if (o.status === "failed") writes.failed++;
      else writes.unknown++;
      next(true);
    });
  };
  next();
}

/** Runs the healed cluster until it converges or `settleUs` passes; returns whether it converged. */
function settle(run: RegisterRun, healAt: number, maxEvents: number): boolean {
  const { sim, cluster } = run;
  const n = run.cfg.nodes;
  const converged = () => {
    const l = cluster.leader();
    if (l === undefined) return false;
    const lr = cluster.raft(l);
    if (lr.commit !== lr.lastIndex || !lr.committedInCurrentTerm) return false;
    for (let i = 0; i < n; i++) {
      if (!cluster.isUp(i) || cluster.appliedIndex(i) !== lr.lastIndex) return false;
    }
    return true;
  };
  let ok = false;
  // Check convergence on a timer rather than before every event: cheaper, and exact enough.
  const poll = () => {
    if (converged()) {
      ok = true;
      return;
    }
    sim.schedule(5_000, poll);
  };
  sim.schedule(0, poll);
  const left = maxEvents - sim.eventCount;
  if (left > 0) sim.run({ untilUs: healAt + run.cfg.settleUs, maxEvents: left, until: () => ok });
  return ok;
}

function summarize(run: RegisterRun, healAt: number, ok: boolean): RegisterRunResult {
  const { sim, cluster, regs } = run;
  const n = run.cfg.nodes;
  let liveness: string | undefined;
  if (!ok) {
    const l = cluster.leader();
    const applied = Array.from({ length: n }, (_, i) => cluster.appliedIndex(i)).join(",");
    liveness =
      l === undefined
        ? `no leader ${(sim.now - healAt) / 1000} ms after healing (applied ${applied})`
        : `nodes did not converge ${(sim.now - healAt) / 1000} ms after healing: leader ${l} at ${cluster.raft(l).lastIndex}, applied ${applied}`;
  } else {
    // Every node applied the same log: compare the register each ended with.
    const v = regs[0];
    for (let i = 1; i < n; i++) {
      if (regs[i].index !== v.index || regs[i].v !== v.v)
        liveness = `node ${i} ended with a different register`;
    }
  }
  return {
    violation: cluster.violation,
    staleRead: run.staleRead,
    liveness,
    writes: run.writes,
    reads: run.reads,
    committed: cluster.invariants.committedIndex,
    elections: cluster.counters.elections,
    leaderChanges: cluster.counters.leaderChanges,
    faults: run.nemesis.log.filter((e) => e.phase === "start").length,
    events: sim.eventCount,
    simUs: sim.now,
    convergeUs: ok ? sim.now - healAt : undefined,
  };
}

/** Lease on, coarse ticks: elections in 200–360 ms, lease 80 ms, drift bound 20 ms. */
export const LEASE_TEST_TIMING: RaftTiming = {
  tickUs: 40_000,
  heartbeatTicks: 1,
  electionTicks: 5,
  leaseMarginUs: 120_000,
};

const FAULT_KINDS = [
  "partition-halves",
  "isolate-leader",
  "isolate-new-leader",
  "majority-ring",
  "bridge",
  "crash",
  "crash-leader",
  "crash-new-leader",
  "transfer-leader",
  "clock-skew",
  "skew-leader",
  "clog-node",
];

/**
 * Swarm testing (docs/model.md): the seed draws its own configuration — cluster size, timing (lease
 * on or off), which fault kinds are on and how often, message loss and delays, flow control,
 * persistence — for the fuzz property and any campaign over this harness.
 */
export function swarmConfig(seed: number): RegisterRunConfig {
  const s = new RandomSource({ seed, record: false }).stream("swarm");
  const lease = s.chance(0.5);
  const timing = lease ? LEASE_TEST_TIMING : DEMO_TIMING;
  const election = timing.electionTicks * timing.tickUs;
  const faults: RandomFaultRates = {};
  for (const k of FAULT_KINDS) if (s.chance(0.5)) faults[k] = 0.5 + s.int(5) * 0.5;
  if (!lease && s.chance(0.3)) faults["clock-jump"] = 1;
  const maxDelay = s.pick([1_000, 5_000, 20_000]);
  return {
    seed,
    nodes: s.pick([3, 3, 5]),
    timing,
    net: {
      minDelayUs: 200,
      maxDelayUs: maxDelay,
      dropRate: s.pick([0, 0.01, 0.05]),
      dupRate: s.pick([0, 0.01]),
      reorder: s.chance(0.5),
    },
    clients: s.range(2, 6),
    thinkUs: [1_000, 10_000],
    readRatio: 0.4,
    readMode: lease && s.chance(0.8) ? "lease" : "read-index",
    opTimeoutUs: 2 * election,
    faultUs: 2_000_000,
    faults,
    faultDurUs: [50_000, 600_000],
    // Without a lease, skew only moves timers; with one, skew stays within the lease's drift bound.
    maxSkewUs: lease ? undefined : 100_000,
    settleUs: 20 * election,
    cluster: {
      // The lease depends on both; elsewhere they are free.
      preVote: lease || s.chance(0.7),
      checkQuorum: lease || s.chance(0.7),
      maxEntriesPerMsg: s.pick([1, 4, 64]),
      maxInflightMsgs: s.pick([1, 4, 256]),
      persistDelayUs: s.pick([0, 200, 2_000]),
      lossUnpersistedOnCrash: s.chance(0.5),
      failPendingOnLeaderLoss: s.chance(0.7),
      // Drawn last, so that every draw above stays what it was before batched appends existed.
      appendBatchWindowUs: s.pick([0, 0, 1_000]),
    },
  };
}
