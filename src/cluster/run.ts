/**
 * One simulated run: a pure function of (scenario, knobs, seed or tape).
 *
 * It wires N nodes (Raft host + FSM + MVCC store + HLC + Redis adapter + compactor) and the
 * scenario's clients into one discrete-event simulation, injects the scenario's faults, then runs
 * a liveness phase (heal everything, let every client finish, read every key once more) and
 * returns the recorded history with the run's own failures (invariants, liveness, sim errors).
 */
import type { History } from "../check/history.ts";
import { Network } from "../engine/network.ts";
import { RandomSource, type Stream } from "../engine/rng.ts";
import { type ScheduleParams, Scheduler } from "../engine/schedule.ts";
import { Simulation } from "../engine/sim.ts";
import type { ApplyResult, FsmRequest } from "../kv/types.ts";
import { RaftCluster, type RaftEvent } from "../raft/host.ts";
import { historyHash } from "../workload/recorder.ts";
import type { Scenario } from "../workload/scenario.ts";
import { applyBuggify } from "./buggify.ts";
import { ClientDriver } from "./client-driver.ts";
import { FaultSchedule } from "./fault-schedule.ts";
import type { AllKnobs } from "./knobs.ts";
import { type ClusterWire, isAppMessage, raftWire, SimNode } from "./node.ts";
import { drawScheduleParams } from "./sched-knobs.ts";
import type { RunFailure, RunInput, RunOutcome, TimelineEvent } from "./types.ts";

/** Default cap on simulator events per phase, when the scenario sets none. */
const DEFAULT_EVENT_CAP = 20_000_000;

/** A short name of a network message for traces: Raft message type or node RPC kind. */
function messageLabel(m: ClusterWire): string {
  if (isAppMessage(m)) return `rpc:${m.t}`;
  const x = m as { type?: string; term?: number; index?: number };
  return `raft:${x.type}${x.term !== undefined ? `@${x.term}` : ""}${x.index !== undefined ? `#${x.index}` : ""}`;
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`ClusterRun: ${what}`);
}

interface SwarmConfig {
  /** Scheduling inside the nodes (drawn last, and only when scheduling is on). */
  schedule: ScheduleParams;
  faultKinds: Record<string, number>;
  delayUs: [number, number];
  dropRate: number;
  dupRate: number;
  reorder: boolean;
}

function drawSwarm(s: Scenario, rng: Stream, swarm: boolean, knobs: AllKnobs): SwarmConfig {
  const c = drawSwarmNetwork(s, rng, swarm);
  return { ...c, schedule: drawScheduleParams(knobs, rng, swarm) };
}

function drawSwarmNetwork(s: Scenario, rng: Stream, swarm: boolean): Omit<SwarmConfig, "schedule"> {
  const rates: Record<string, number> = {};
  for (const f of s.faults ?? []) {
    if (f.kind !== "random") continue;
    for (const [k, r] of Object.entries(f.rates)) rates[k] = (rates[k] ?? 0) + (r ?? 0);
  }
  const base: Omit<SwarmConfig, "schedule"> = {
    faultKinds: rates,
    delayUs: s.cluster.delayUs ?? [500, 2_000],
    dropRate: s.cluster.dropRate ?? 0,
    dupRate: s.cluster.dupRate ?? 0,
    reorder: s.cluster.reorder ?? false,
  };
  if (!swarm) return base;
  // Swarm testing: each seed switches whole fault families on or off and scales their rates, so
  // that a campaign explores configurations no single tuned default would.
  const kinds: Record<string, number> = {};
  for (const k of Object.keys(rates).sort()) {
    const off = rng.chance(0.3);
    const scale = [1, 0.5, 2, 4][rng.int(4)]!;
    if (!off) kinds[k] = rates[k]! * scale;
  }
  const [lo, hi] = base.delayUs;
  const widen = [1, 2, 5][rng.int(3)]!;
  return {
    faultKinds: kinds,
    delayUs: [lo, hi * widen],
    dropRate: base.dropRate,
    dupRate: base.dupRate,
    reorder: base.reorder || (rng.chance(0.25) && hi > lo),
  };
}

/**
 * One run in named phases, each entered and left with its assertions checked, as TigerBeetle's
 * VOPR drives its cluster: build the network, build the cluster, wait for a leader, start the
 * clients and the fault schedule, the fault phase, the liveness phase (heal, stop new ops, settle),
 * the final reads, and the summary.
 */
export class ClusterRun {
  private readonly s: Scenario;
  private readonly knobs: AllKnobs;
  private readonly buggify: ReturnType<typeof applyBuggify>;
  private readonly rs: RandomSource;
  private readonly swarm: SwarmConfig;
  private readonly sim = new Simulation();
  private readonly n: number;
  private readonly failures: RunFailure[] = [];
  private readonly events: TimelineEvent[] = [];
  private readonly probes: Record<string, number> = {};
  private readonly trace: string[] | undefined;
  private readonly capEvents: number;
  private readonly network: Network<ClusterWire>;
  private readonly nodes: SimNode[] = [];
  private readonly raft: RaftCluster<FsmRequest, ApplyResult>;
  private leaderChanges = 0;
  private lastLeader: number | undefined;
  /** Simulated time the workload starts (a leader is known everywhere). */
  private t0 = 0;
  private driver: ClientDriver | undefined;
  private faults: FaultSchedule | undefined;

  constructor(private readonly input: RunInput) {
    this.rs = input.tape
      ? new RandomSource({ tape: input.tape })
      : new RandomSource({ seed: input.seed ?? 1 });
    // BUGGIFY (src/cluster/buggify.ts): per-seed constants and shapes, drawn before anything else.
    this.buggify = applyBuggify(
      input.scenario,
      input.knobs,
      this.rs.stream("buggify"),
      input.swarm ?? input.scenario.swarm ?? true,
    );
    this.s = this.buggify.scenario;
    this.knobs = this.buggify.knobs;
    input.onScenario?.(this.s);
    this.swarm = drawSwarm(this.s, this.rs.stream("swarm"), input.swarm ?? this.s.swarm ?? true, this.knobs);
    this.n = this.s.cluster.nodes;
    this.trace = input.trace ? [] : undefined;
    this.capEvents = this.s.caps?.events ?? DEFAULT_EVENT_CAP;
    this.network = this.buildNetwork();
    this.raft = this.buildCluster();
  }

  run(): RunOutcome {
    this.awaitLeader();
    this.startClients();
    this.scheduleFaults();
    let ok = this.faultPhase();
    // A run an incremental checker stopped (RunInput.onOp) ends there: no liveness, no final reads.
    const stopped = () => this.driver?.rec.stopped === true;
    if (ok && !stopped()) ok = this.livenessPhase();
    if (ok && !stopped() && (this.s.finalReads ?? true) && !this.failures.some((f) => f.type === "liveness"))
      this.finalReads();
    return this.summary();
  }

  private readonly emit = (kind: string, data: Record<string, unknown>): void => {
    if (this.trace) this.trace.push(JSON.stringify({ t: this.sim.now, kind, ...data }));
  };

  private readonly probe = (name: string): void => {
    this.probes[name] = (this.probes[name] ?? 0) + 1;
  };

  /**
   * One network carries Raft traffic and the nodes' own RPCs (command proxying, forwarded
   * dispatches, reads at the leader), so partitions and clogs cut both alike. Node RPCs are routed
   * to their node; everything else reaches the handler Raft registers.
   */
  private buildNetwork(): Network<ClusterWire> {
    const { swarm } = this;
    const network = new Network<ClusterWire>(
      this.sim,
      this.knobs.keyedDraws ? (from, to) => this.timed(`network/${from}-${to}`) : this.rs.stream("network"),
      this.n,
      {
        minDelayUs: swarm.delayUs[0],
        maxDelayUs: swarm.delayUs[1],
        dropRate: swarm.dropRate,
        dupRate: swarm.dupRate,
        reorder: swarm.reorder,
      },
    );
    network.route(isAppMessage, (to, from, m) => {
      if (isAppMessage(m)) this.nodes[to]?.onAppMessage(from, m);
    });
    // Sends, drops and deliveries are traced only when asked for: labels cost time on the hot path.
    if (this.trace) {
      network.observe({
        sent: (from, to, m, dropped) =>
          this.emit(dropped ? "drop" : "send", { from, to, msg: messageLabel(m) }),
        delivered: (from, to, m) => this.emit("deliver", { from, to, msg: messageLabel(m) }),
      });
    }
    return network;
  }

  /** A stream keyed by the simulated instant (see `keyedDraws`). */
  private timed(name: string): Stream {
    return this.rs.timedStream(name, () => this.sim.now);
  }

  /** A node's or scheduler's draws: keyed by the instant under `keyedDraws`, else sequential. */
  private drawsOf(name: string): Stream {
    return this.knobs.keyedDraws ? this.timed(name) : this.rs.stream(name);
  }

  /** Under `taskKeyedDraws`: the own stream of a keyed task drawing on `name` (keyed by the instant too). */
  private taskDrawsOf(name: string): ((key: string) => Stream) | undefined {
    if (!this.knobs.keyedDraws || !this.knobs.taskKeyedDraws) return undefined;
    return (key) => this.rs.keyedTimedStream(name, () => this.sim.now, key);
  }

  /** The Raft hosts and, on each, a node (FSM, store, HLC, Redis adapter, compactor). */
  private buildCluster(): RaftCluster<FsmRequest, ApplyResult> {
    check(this.nodes.length === 0, "the cluster is built once");
    const { sim, rs, knobs, swarm, nodes, n } = this;
    // Each node schedules its own tasks; with scheduling off nothing is drawn.
    const schedulers = Array.from({ length: n }, (_, i) => {
      const name = `sched/n${i}`;
      return new Scheduler(swarm.schedule, this.drawsOf(name), this.taskDrawsOf(name));
    });
    const raft = new RaftCluster<FsmRequest, ApplyResult>({
      sim,
      rng: rs,
      nodes: n,
      network: raftWire(this.network),
      timing: {
        tickUs: knobs.raftTickUs,
        heartbeatTicks: knobs.heartbeatTicks,
        electionTicks: knobs.electionTicks,
        leaseMarginUs: knobs.leaseMarginMs * 1000,
      },
      preVote: knobs.preVote,
      checkQuorum: knobs.checkQuorum,
      batchReads: knobs.readBatching,
      persistDelayUs: knobs.persistDelayUs,
      appendBatchWindowUs: knobs.appendBatchWindowUs,
      lazyTicks: knobs.lazyTicks,
      lossUnpersistedOnCrash: true,
      leaseReadWaitsForApply: knobs.pointReadFence === "before",
      readsFailDuringTransfer: knobs.leaderProxy === "elastickv",
      ...(swarm.schedule.strategy === "off"
        ? {}
        : {
            orderReleased: (node: number, batch: Array<{ cb: unknown }>) =>
              void schedulers[node]!.order(batch, (r) => nodes[node]?.releasedTask(r.cb)),
          }),
      onApply: (node, index, data) => nodes[node]!.apply(index, data),
      onRestart: (node) => nodes[node]!.restart(),
      onRoleChange: (node, role, term, lead) => this.onRoleChange(node, role, term, lead),
      onEvent: (e: RaftEvent) => {
        this.emit(`raft.${e.kind}`, { node: e.node, term: e.term, detail: e.detail });
        if (e.kind === "crash") nodes[e.node]?.crashed();
        if (e.kind === "crash" || e.kind === "restart") {
          this.events.push({ timeUs: e.atUs, kind: e.kind, detail: `n${e.node}` });
        }
      },
    });
    const reuseLog = new Set<string>();
    for (let i = 0; i < n; i++) {
      nodes.push(
        new SimNode(i, {
          sim,
          raft,
          clocks: raft.clocks,
          network: this.network,
          knobs,
          rng: this.drawsOf(`node${i}`),
          taskRng: this.taskDrawsOf(`node${i}`),
          sched: schedulers[i]!,
          probe: this.probe,
          emit: this.emit,
          tracing: this.trace !== undefined,
          reuseLog,
          onInvariant: (name, detail) => {
            if (!this.failures.some((f) => f.type === name))
              this.failures.push({ type: name, message: detail, atUs: sim.now });
          },
        }),
      );
    }
    check(nodes.length === n, "one node per Raft host");
    return raft;
  }

  private onRoleChange(node: number, role: string, term: number, lead: number): void {
    this.emit("role", { node, role, term, lead });
    this.nodes[node]?.onRoleChange(role === "leader", role);
    const l = this.raft.leader();
    if (l !== undefined && l !== this.lastLeader) {
      if (this.lastLeader !== undefined) this.leaderChanges++;
      this.lastLeader = l;
      this.events.push({ timeUs: this.sim.now, kind: "leader-change", detail: `n${l} leads (term ${term})` });
    }
  }

  /** Setup: like a Jepsen test, the workload starts on a cluster that has a leader everyone knows. */
  private awaitLeader(): void {
    check(this.sim.now === 0, "setup starts at time 0");
    const { raft, n } = this;
    const everyoneKnowsLeader = () => {
      const l = raft.leader();
      if (l === undefined) return false;
      for (let i = 0; i < n; i++) if (raft.leaderOf(i) !== l) return false;
      return true;
    };
    this.sim.run({ untilUs: this.knobs.setupCapUs, until: everyoneKnowsLeader });
    this.t0 = this.sim.now;
  }

  private startClients(): void {
    check(this.driver === undefined, "clients start once");
    const driver = new ClientDriver(this.sim, this.rs, this.knobs, this.nodes, this.input.onOp);
    driver.createClients(this.s);
    driver.start(this.s, this.t0);
    this.driver = driver;
  }

  private scheduleFaults(): void {
    check(
      this.driver !== undefined && this.faults === undefined,
      "faults are scheduled once, after the clients",
    );
    const faults = new FaultSchedule({
      sim: this.sim,
      rng: this.rs.stream("nemesis"),
      ...(this.knobs.keyedDraws ? { argRng: this.timed("nemesis/args") } : {}),
      raft: this.raft,
      nodes: this.nodes,
      knobs: this.knobs,
      rec: this.driver!.rec,
      events: this.events,
      failures: this.failures,
      emit: this.emit,
    });
    faults.plan(this.s, this.t0, this.swarm.faultKinds);
    this.faults = faults;
  }

  /** Runs `fn`; an invariant violation or any other error it throws becomes a failure (false). */
  private guard(fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (e) {
      const err = e as Error;
      if (err?.name?.startsWith("invariant:"))
        this.failures.push({ type: err.name, message: err.message, atUs: this.sim.now });
      else
        this.failures.push({
          type: "sim-error",
          message: String(err?.message ?? e),
          stack: err?.stack,
          atUs: this.sim.now,
        });
      return false;
    }
  }

  /** The workload under faults, for the scenario's `runForUs` after t0. */
  private faultPhase(): boolean {
    check(
      this.faults?.on === true && this.driver?.acceptingOps === true,
      "the fault phase starts with faults and ops on",
    );
    const { capEvents } = this;
    return this.guard(() => {
      const r = this.sim.run({
        untilUs: this.t0 + this.s.runForUs,
        maxEvents: capEvents,
        // Only a run with an op observer can be stopped early; the others skip a check per event.
        until: this.input.onOp !== undefined ? () => this.driver!.rec.stopped : undefined,
      });
      if (r === "events") throw new Error(`event cap ${capEvents} reached during the fault phase`);
    });
  }

  /** Heal everything, stop new ops and faults, and let every client and node settle. */
  private livenessPhase(): boolean {
    const { sim, raft, nodes, knobs, capEvents } = this;
    const driver = this.driver!;
    driver.acceptingOps = false;
    this.faults!.on = false;
    const start = sim.now;
    const ok = this.guard(() => {
      raft.healAll();
      for (const nd of nodes) nd.pauseCompactor(false);
      this.events.push({ timeUs: sim.now, kind: "fault-stop", detail: "heal all (liveness phase)" });
      driver.rec.nemesis("heal-all", null, sim.now);
      const settled = () =>
        driver.idle() && raft.leader() !== undefined && nodes.every((nd) => nd.caughtUp());
      const r = sim.run({ untilUs: start + knobs.livenessUs, maxEvents: capEvents, until: settled });
      if (r === "events") throw new Error(`event cap ${capEvents} reached during the liveness phase`);
      if (!settled()) {
        this.failures.push({
          type: "liveness",
          message: `cluster did not settle within ${knobs.livenessUs / 1e6} s after healing: leader=${raft.leader() ?? "none"}, busy clients=[${driver.busyNames().join(", ")}]`,
          atUs: sim.now,
        });
      }
    });
    check(!driver.acceptingOps && !this.faults!.on, "no ops or faults begin after the liveness phase");
    return ok;
  }

  /** One fresh process reads every key once, as Jepsen's final generator does. */
  private finalReads(): void {
    const { sim, raft } = this;
    check(!this.faults!.on, "final reads run on a healed cluster");
    const reader = this.driver!.startFinalReads(() => raft.leader());
    this.guard(() => {
      sim.run({
        untilUs: sim.now + this.knobs.livenessUs,
        maxEvents: this.capEvents,
        until: () => reader.done && !reader.busy,
      });
      if (!reader.done) {
        this.failures.push({ type: "liveness", message: "final reads did not complete", atUs: sim.now });
      }
    });
  }

  /** The run's own last checks (time cap, Raft invariants), then its history, counts and config. */
  private summary(): RunOutcome {
    const { sim, s, failures } = this;
    const driver = this.driver!;
    const faults = this.faults!;
    if (s.caps?.simTimeMs !== undefined && sim.now > s.caps.simTimeMs * 1000) {
      failures.push({
        type: "sim-error",
        message: `simulated-time cap ${s.caps.simTimeMs} ms exceeded`,
        atUs: sim.now,
      });
    }
    const v = this.raft.invariants.first;
    if (v && !failures.some((f) => f.type === v.name))
      failures.push({ type: v.name, message: v.message, atUs: v.atUs });
    const history: History = driver.rec.ops;
    const counts = { ops: 0, ok: 0, fail: 0, info: 0 };
    for (const op of history) {
      if (op.process === "nemesis") continue;
      if (op.type === "invoke") counts.ops++;
      else counts[op.type]++;
    }
    const rs = this.rs;
    let tape: number[] | undefined;
    return {
      history,
      historyHash: historyHash(history),
      failures,
      stats: {
        ...counts,
        simTimeMs: Math.round(sim.now / 1000),
        leaderChanges: this.leaderChanges,
        faults: faults.count,
        events: sim.eventCount,
      },
      config: {
        nodes: this.n,
        clients: driver.clients.length,
        swarm: this.swarm,
        knobs: this.input.knobs,
        ...(this.buggify.draw ? { buggify: this.buggify.draw } : {}),
      },
      probes: this.probes,
      events: this.events,
      faultIds: faults.ids,
      faultTimesUs: faults.atUs,
      opHoldsUs: driver.opHoldsUs,
      opStartsUs: driver.opStartsUs,
      stepStartsUs: driver.stepStartsUs,
      stepHoldsUs: driver.stepHoldsUs,
      // Copied only when asked for: most runs of a campaign pass, and their tapes (tens of
      // thousands of choices) are never read.
      get tape(): number[] {
        tape ??= rs.tape.slice();
        return tape;
      },
      trace: this.trace,
    };
  }
}

export function runScenario(input: RunInput): RunOutcome {
  return new ClusterRun(input).run();
}
