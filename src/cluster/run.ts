/**
 * One simulated run: a pure function of (scenario, knobs, seed or tape).
 *
 * It wires N nodes (Raft host + FSM + MVCC store + HLC + Redis adapter + compactor) and the
 * scenario's clients into one discrete-event simulation, injects the scenario's faults, then runs
 * a liveness phase (heal everything, let every client finish, read every key once more) and
 * returns the recorded history with the run's own failures (invariants, liveness, sim errors).
 */
import type { History, MicroOp } from "../check/history.ts";
import type { Fault } from "../engine/nemesis.ts";
import { Nemesis } from "../engine/nemesis.ts";
import { Network } from "../engine/network.ts";
import { RandomSource, type Stream } from "../engine/rng.ts";
import { type ScheduleParams, Scheduler } from "../engine/schedule.ts";
import { Simulation } from "../engine/sim.ts";
import type { FsmRequest } from "../kv/types.ts";
import { RaftCluster, type RaftEvent, registerRaftFaults } from "../raft/host.ts";
import type { Message } from "../raft/raft.ts";
import { ClientProgram, ValueAllocator } from "../workload/client.ts";
import { HistoryRecorder, historyHash } from "../workload/recorder.ts";
import { type RandomFaultKind, type Scenario, toMicros } from "../workload/scenario.ts";
import { applyBuggify } from "./buggify.ts";
import { completeStep, stepToCommand } from "./commands.ts";
import type { AllKnobs } from "./knobs.ts";
import { type AppMessage, SimNode } from "./node.ts";
import { drawScheduleParams } from "./sched-knobs.ts";
import type { RunFailure, RunInput, RunOutcome, TimelineEvent } from "./types.ts";

/** Scenario fault kinds → the nemesis kinds that carry them out. */
const FAULT_KIND: Record<RandomFaultKind, string> = {
  "partition-halves": "partition-halves",
  "isolate-leader": "isolate-leader",
  "majority-ring": "majority-ring",
  bridge: "bridge",
  crash: "crash",
  "crash-leader": "crash-leader",
  "transfer-leader": "transfer-leader",
  "clock-skew": "clock-skew",
  "clock-jump": "clock-jump",
  clog: "clog-node",
  "compactor-pause": "compactor-pause",
  "compactor-burst": "compactor-burst",
};

/** Faults whose effect lasts until undone; the others are instantaneous. */
const LASTING = new Set([
  "partition-halves",
  "isolate-leader",
  "majority-ring",
  "bridge",
  "crash",
  "crash-leader",
  "clock-skew",
  "compactor-pause",
  "clog-node",
]);

/** A short name of a network message for traces: Raft message type or node RPC kind. */
function messageLabel(m: unknown): string {
  const x = m as { app?: boolean; t?: string; type?: string; term?: number; index?: number };
  if (x.app === true) return `rpc:${x.t}`;
  return `raft:${x.type}${x.term !== undefined ? `@${x.term}` : ""}${x.index !== undefined ? `#${x.index}` : ""}`;
}

/** Pause after a failed or indeterminate op before the client's next one. */
const FAIL_BACKOFF_US = 100_000;

interface ClientState {
  name: string;
  index: number;
  process: number;
  node: number;
  program: ClientProgram;
  busy: boolean;
  done: boolean;
  /** Generation of the current request, so a late reply after a timeout is ignored. */
  req: number;
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

export function runScenario(input: RunInput): RunOutcome {
  const rs = input.tape
    ? new RandomSource({ tape: input.tape })
    : new RandomSource({ seed: input.seed ?? 1 });
  // BUGGIFY (src/cluster/buggify.ts): per-seed constants and shapes, drawn before anything else.
  const bug = applyBuggify(
    input.scenario,
    input.knobs,
    rs.stream("buggify"),
    input.swarm ?? input.scenario.swarm ?? true,
  );
  const s = bug.scenario;
  const knobs = bug.knobs as unknown as AllKnobs;
  const swarm = drawSwarm(s, rs.stream("swarm"), input.swarm ?? s.swarm ?? true, knobs);
  const sim = new Simulation();
  const n = s.cluster.nodes;
  const failures: RunFailure[] = [];
  const events: TimelineEvent[] = [];
  const probes: Record<string, number> = {};
  const trace: string[] | undefined = input.trace ? [] : undefined;
  const emit = (kind: string, data: Record<string, unknown>) => {
    if (trace) trace.push(JSON.stringify({ t: sim.now, kind, ...data }));
  };
  const probe = (name: string) => {
    probes[name] = (probes[name] ?? 0) + 1;
  };

  // One network carries Raft traffic and the nodes' own RPCs (command proxying, forwarded
  // dispatches), so partitions and clogs cut both alike.
  const network = new Network<unknown>(sim, rs.stream("network"), n, {
    minDelayUs: swarm.delayUs[0],
    maxDelayUs: swarm.delayUs[1],
    dropRate: swarm.dropRate,
    dupRate: swarm.dupRate,
    reorder: swarm.reorder,
  });
  const appHandlers: Array<(from: number, m: AppMessage) => void> = [];
  const register = network.register.bind(network);
  network.register = (node, raftHandler) => {
    register(node, (from, m) => {
      if (trace) emit("deliver", { from, to: node, msg: messageLabel(m) });
      if ((m as AppMessage).app === true) appHandlers[node]?.(from, m as AppMessage);
      else raftHandler(from, m);
    });
  };
  if (trace) {
    // Sends (and, by their absence from the deliveries, drops) are traced only when asked for:
    // building the labels costs time on the hot path.
    const send = network.send.bind(network);
    network.send = (from, to, m) => {
      const before = network.stats.dropped;
      send(from, to, m);
      emit(network.stats.dropped > before ? "drop" : "send", { from, to, msg: messageLabel(m) });
    };
  }

  const nodes: SimNode[] = [];
  // Each node schedules its own tasks; with scheduling off nothing is drawn.
  const schedulers = Array.from(
    { length: n },
    (_, i) => new Scheduler(swarm.schedule, rs.stream(`sched/n${i}`)),
  );
  let leaderChanges = 0;
  let lastLeader: number | undefined;
  const raft: RaftCluster<FsmRequest> = new RaftCluster<FsmRequest>({
    sim,
    rng: rs,
    nodes: n,
    network: network as unknown as Network<Message<FsmRequest>>,
    timing: {
      tickUs: knobs.raftTickUs,
      heartbeatTicks: knobs.heartbeatTicks,
      electionTicks: knobs.electionTicks,
      leaseMarginUs: knobs.leaseMarginMs * 1000,
    },
    preVote: knobs.preVote,
    checkQuorum: knobs.checkQuorum,
    persistDelayUs: knobs.persistDelayUs,
    lossUnpersistedOnCrash: true,
    leaseReadWaitsForApply: knobs.pointReadFence === "before",
    readsFailDuringTransfer: knobs.leaderProxy === "elastickv",
    ...(swarm.schedule.strategy === "off"
      ? {}
      : { orderReleased: (node: number, batch: unknown[]) => void schedulers[node]!.order(batch) }),
    onApply: (node, index, data) => nodes[node]!.apply(index, data),
    onRestart: (node) => nodes[node]!.restart(),
    onRoleChange: (node, role, term, lead) => {
      emit("role", { node, role, term, lead });
      nodes[node]?.onRoleChange(role === "leader", role);
      const l = raft.leader();
      if (l !== undefined && l !== lastLeader) {
        if (lastLeader !== undefined) leaderChanges++;
        lastLeader = l;
        events.push({ timeUs: sim.now, kind: "leader-change", detail: `n${l} leads (term ${term})` });
      }
    },
    onEvent: (e: RaftEvent) => {
      emit(`raft.${e.kind}`, { node: e.node, term: e.term, detail: e.detail });
      if (e.kind === "crash") nodes[e.node]?.crashed();
      if (e.kind === "crash" || e.kind === "restart") {
        events.push({ timeUs: e.atUs, kind: e.kind, detail: `n${e.node}` });
      }
    },
  });
  const clocks = raft.clocks;
  const reuseLog = new Set<string>();
  for (let i = 0; i < n; i++) {
    const node = new SimNode(i, {
      sim,
      raft,
      clocks,
      network,
      knobs,
      rng: rs.stream(`node${i}`),
      sched: schedulers[i]!,
      probe,
      emit,
      tracing: trace !== undefined,
      reuseLog,
      onInvariant: (name, detail) => {
        if (!failures.some((f) => f.type === name))
          failures.push({ type: name, message: detail, atUs: sim.now });
      },
    });
    nodes.push(node);
    appHandlers[i] = (from, m) => node.onAppMessage(from, m);
  }

  // ---- setup: like a Jepsen test, the workload starts on a cluster that has a leader ----
  const everyoneKnowsLeader = () => {
    const l = raft.leader();
    if (l === undefined) return false;
    for (let i = 0; i < n; i++) if (raft.leaderOf(i) !== l) return false;
    return true;
  };
  sim.run({ untilUs: 60_000_000, until: everyoneKnowsLeader });
  const t0 = sim.now;

  // ---- history and clients ----
  const rec = new HistoryRecorder();
  const values = new ValueAllocator();
  const clients: ClientState[] = [];
  let clientIndex = 0;
  let processCount = 0;
  for (const spec of s.clients) {
    for (const name of spec.names) {
      const index = clientIndex++;
      clients.push({
        name,
        index,
        process: processCount++,
        node: spec.node ?? index % n,
        program: new ClientProgram(spec, rs.stream(`client/${name}`), values),
        busy: false,
        done: false,
        req: 0,
      });
    }
  }
  let acceptingOps = true;
  const opsTouched = new Map<string, { key: number | string; hash: boolean }>();
  const noteKeys = (mops: MicroOp[]) => {
    for (const [f, k] of mops) {
      const hash = typeof f === "string" && f.startsWith("h");
      const id = `${typeof k}:${k}`;
      const prev = opsTouched.get(id);
      // A key first touched by a type-neutral op (DEL, EXISTS) is a hash as soon as any hash op
      // names it, so that its final read is HGETALL and not an LRANGE the checker cannot place.
      if (!prev) opsTouched.set(id, { key: k, hash });
      else if (hash && !prev.hash) prev.hash = true;
    }
  };

  const sendStep = (c: ClientState, mops: MicroOp[], then: (type: "ok" | "fail" | "info") => void) => {
    c.busy = true;
    const req = ++c.req;
    rec.invoke(c.process, mops, sim.now);
    noteKeys(mops);
    let cmd: ReturnType<typeof stepToCommand>;
    try {
      cmd = stepToCommand(mops);
    } catch (e) {
      rec.complete(c.process, "fail", mops, sim.now, String((e as Error).message));
      c.busy = false;
      then("fail");
      return;
    }
    const finish = (type: "ok" | "fail" | "info", out: MicroOp[], error?: string) => {
      if (req !== c.req || !c.busy) return;
      c.busy = false;
      rec.complete(c.process, type, out, sim.now, error);
      if (type === "info") {
        // As in Jepsen: a process whose outcome is unknown is retired; a fresh one takes its place.
        c.process = processCount++;
      }
      then(type);
    };
    const timeout = sim.schedule(knobs.clientTimeoutUs, () => finish("info", mops, "timeout"));
    sim.schedule(knobs.clientDelayUs, () => {
      nodes[c.node]!.handleClient(cmd, (reply) => {
        sim.schedule(knobs.clientDelayUs, () => {
          sim.cancel(timeout);
          const o = completeStep(mops, reply);
          if (o.type === "ok") finish("ok", o.mops);
          else finish(o.type, o.mops, o.error);
        });
      });
    });
  };

  const nextOp = (c: ClientState) => {
    if (!acceptingOps) {
      c.done = true;
      return;
    }
    const a = c.program.next();
    if (a.kind === "done") {
      c.done = true;
      return;
    }
    if (a.kind === "pause") {
      sim.schedule(a.us, () => nextOp(c));
      return;
    }
    // After an error a client backs off (as a reconnecting client does) instead of hammering a dead node.
    sendStep(c, a.mops, (type) =>
      sim.schedule(c.program.thinkUs() + (type === "ok" ? 0 : FAIL_BACKOFF_US), () => nextOp(c)),
    );
  };
  for (const c of clients) {
    const spec = s.clients.find((x) => x.names.includes(c.name))!;
    sim.at(t0 + (spec.startAt !== undefined ? toMicros(spec.startAt) : 0), () => nextOp(c));
  }

  // ---- faults ----
  const nemesisRng = rs.stream("nemesis");
  let faultsOn = true;
  let faultCount = 0;
  // Which fault spec (and arrival) each injected fault came from, so a shrinker can remove it.
  const faultIds: string[] = [];
  const nemesis = new Nemesis(sim, nemesisRng, {
    onFault: (f: Fault, atUs: number, phase: "start" | "stop") => {
      const name = phase === "start" ? f.kind : `stop-${f.kind}`;
      rec.nemesis(name, f.args ?? null, atUs);
      events.push({ timeUs: atUs, kind: phase === "start" ? "fault-start" : "fault-stop", detail: f.kind });
      emit("fault", { fault: name, args: f.args ?? null });
    },
  });
  // Clock faults stay within the lease's drift bound unless a scenario asks for more: skew beyond
  // it breaks lease reads by design (a separate fault knob, design §10 `fixed`).
  const maxSkewUs = knobs.clockSkewBeyondBound ? knobs.leaseMarginMs * 1000 * 4 : raft.driftBoundUs;
  registerRaftFaults(nemesis, raft, nemesisRng, { maxSkewUs, maxJumpUs: maxSkewUs });
  nemesis.register(
    "compactor-pause",
    () => {
      for (const nd of nodes) nd.pauseCompactor(true);
    },
    () => {
      for (const nd of nodes) nd.pauseCompactor(false);
    },
  );
  nemesis.register("compactor-burst", () => {
    for (const nd of nodes) nd.compactorBurst();
  });
  const inject = (
    kind: string,
    args: Record<string, unknown> | undefined,
    durationUs: number | undefined,
    id: string,
  ) => {
    if (!faultsOn) return;
    faultCount++;
    faultIds.push(id);
    const fault: Fault = { kind, args: args ? { ...args } : undefined, durationUs };
    try {
      nemesis.inject(fault);
    } catch (e) {
      failures.push({
        type: "sim-error",
        message: `fault ${kind}: ${(e as Error).message}`,
        stack: (e as Error).stack,
      });
    }
  };
  (s.faults ?? []).forEach((f, fi) => {
    if (f.kind !== "scripted") return;
    const kind = f.fault.name;
    sim.at(t0 + toMicros(f.at), () =>
      inject(
        kind === "heal" ? "heal-all" : kind,
        f.fault.args,
        f.fault.for ? toMicros(f.fault.for) : undefined,
        `s${fi}`,
      ),
    );
  });
  // Random faults: arrivals drawn per kind (rate = expected faults per simulated second).
  (s.faults ?? []).forEach((f, fi) => {
    if (f.kind !== "random") return;
    const from = t0 + (f.from !== undefined ? toMicros(f.from) : 0);
    const to = t0 + (f.to !== undefined ? toMicros(f.to) : s.runForUs);
    for (const kind of Object.keys(f.rates).sort() as RandomFaultKind[]) {
      const rate = swarm.faultKinds[kind];
      if (!rate || rate <= 0) continue;
      const meanGapUs = 1_000_000 / rate;
      const skip = new Set(f.skip?.[kind] ?? []);
      const divisor = f.durationDivisor ?? 1;
      let t = from;
      for (let nth = 0; ; nth++) {
        // Exponential gaps from a uniform choice; choice 0 = the longest gap (the least eventful).
        const u = (nemesisRng.int(1_000_000) + 1) / 1_000_001;
        t += Math.max(1_000, Math.round(-Math.log(u) * meanGapUs));
        if (t >= to) break;
        const nk = FAULT_KIND[kind];
        const drawn = LASTING.has(nk) ? 200_000 + nemesisRng.int(2_000_000) : undefined;
        const dur = drawn !== undefined ? Math.max(1_000, Math.round(drawn / divisor)) : undefined;
        if (!skip.has(nth)) sim.at(t, () => inject(nk, undefined, dur, `r${fi}/${kind}#${nth}`));
      }
    }
  });

  // ---- run: fault phase ----
  const capEvents = s.caps?.events ?? 20_000_000;
  // Every phase below is bounded in simulated time; a scenario may also cap the whole run.
  const capUs = s.caps?.simTimeMs !== undefined ? s.caps.simTimeMs * 1000 : Number.POSITIVE_INFINITY;
  const guard = (fn: () => void): boolean => {
    try {
      fn();
      return true;
    } catch (e) {
      const err = e as Error;
      if (err?.name?.startsWith("invariant:"))
        failures.push({ type: err.name, message: err.message, atUs: sim.now });
      else
        failures.push({
          type: "sim-error",
          message: String(err?.message ?? e),
          stack: err?.stack,
          atUs: sim.now,
        });
      return false;
    }
  };
  let ok = guard(() => {
    const r = sim.run({ untilUs: t0 + s.runForUs, maxEvents: capEvents });
    if (r === "events") throw new Error(`event cap ${capEvents} reached during the fault phase`);
  });

  // ---- liveness phase: heal everything, stop new ops, let everything settle ----
  const livenessStart = sim.now;
  if (ok) {
    acceptingOps = false;
    faultsOn = false;
    ok = guard(() => {
      raft.healAll();
      for (const nd of nodes) nd.pauseCompactor(false);
      events.push({ timeUs: sim.now, kind: "fault-stop", detail: "heal all (liveness phase)" });
      rec.nemesis("heal-all", null, sim.now);
      const deadline = livenessStart + knobs.livenessUs;
      const settled = () =>
        clients.every((c) => !c.busy) && raft.leader() !== undefined && nodes.every((nd) => nd.caughtUp());
      const r = sim.run({ untilUs: deadline, maxEvents: capEvents, until: settled });
      if (r === "events") throw new Error(`event cap ${capEvents} reached during the liveness phase`);
      if (!settled()) {
        const busy = clients.filter((c) => c.busy).map((c) => c.name);
        failures.push({
          type: "liveness",
          message: `cluster did not settle within ${knobs.livenessUs / 1e6} s after healing: leader=${raft.leader() ?? "none"}, busy clients=[${busy.join(", ")}]`,
          atUs: sim.now,
        });
      }
    });
  }

  // ---- final reads: one fresh process reads every key once, as Jepsen's final generator does ----
  if (ok && (s.finalReads ?? true) && !failures.some((f) => f.type === "liveness")) {
    const keys = [...opsTouched.values()];
    const finalClient: ClientState = {
      name: "final",
      index: clients.length,
      process: processCount++,
      node: raft.leader() ?? 0,
      program: new ClientProgram({ names: ["final"] }, rs.stream("client/final"), values),
      busy: false,
      done: false,
      req: 0,
    };
    let pos = 0;
    const readNext = () => {
      if (pos >= keys.length) {
        finalClient.done = true;
        return;
      }
      const k = keys[pos++]!;
      finalClient.node = raft.leader() ?? finalClient.node;
      sendStep(finalClient, [k.hash ? ["hgetall", k.key, null] : ["r", k.key, null]], readNext);
    };
    readNext();
    ok = guard(() => {
      const deadline = sim.now + knobs.livenessUs;
      sim.run({
        untilUs: deadline,
        maxEvents: capEvents,
        until: () => finalClient.done && !finalClient.busy,
      });
      if (!finalClient.done) {
        failures.push({ type: "liveness", message: "final reads did not complete", atUs: sim.now });
      }
    });
  }

  if (sim.now > capUs) {
    failures.push({
      type: "sim-error",
      message: `simulated-time cap ${s.caps?.simTimeMs} ms exceeded`,
      atUs: sim.now,
    });
  }
  const v = raft.invariants.first;
  if (v && !failures.some((f) => f.type === v.name)) {
    failures.push({ type: v.name, message: v.message, atUs: v.atUs });
  }

  const history: History = rec.ops;
  let okCount = 0;
  let failCount = 0;
  let infoCount = 0;
  let opCount = 0;
  for (const op of history) {
    if (op.process === "nemesis") continue;
    if (op.type === "invoke") opCount++;
    else if (op.type === "ok") okCount++;
    else if (op.type === "fail") failCount++;
    else infoCount++;
  }
  return {
    history,
    historyHash: historyHash(history),
    failures,
    stats: {
      ops: opCount,
      ok: okCount,
      fail: failCount,
      info: infoCount,
      simTimeMs: Math.round(sim.now / 1000),
      leaderChanges,
      faults: faultCount,
      events: sim.eventCount,
    },
    config: {
      nodes: n,
      clients: clients.length,
      swarm,
      knobs: input.knobs,
      ...(bug.draw ? { buggify: bug.draw } : {}),
    },
    probes,
    events,
    faultIds,
    tape: rs.tape.slice(),
    trace,
  };
}
