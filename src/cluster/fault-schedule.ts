/**
 * A run's faults: the nemesis with a handler for every kind of the fault vocabulary
 * (src/workload/faults.ts), the scenario's scripted faults at their times, and the arrivals of its
 * random fault families drawn up front from the `nemesis` stream.
 */
import type { Fault } from "../engine/nemesis.ts";
import { Nemesis } from "../engine/nemesis.ts";
import type { Stream } from "../engine/rng.ts";
import type { Simulation } from "../engine/sim.ts";
import type { ApplyResult, FsmRequest } from "../kv/types.ts";
import { type RaftCluster, registerRaftFaults } from "../raft/host.ts";
import {
  type FaultKind,
  isLasting,
  RANDOM_FAULTS,
  type RandomFaultKind,
  scriptedFaultKind,
} from "../workload/faults.ts";
import type { HistoryRecorder } from "../workload/recorder.ts";
import { type Scenario, toMicros } from "../workload/scenario.ts";
import type { AllKnobs } from "./knobs.ts";
import type { SimNode } from "./node.ts";
import type { RunFailure, TimelineEvent } from "./types.ts";

export interface FaultScheduleDeps {
  sim: Simulation;
  /** Random arrivals are drawn from it up front. */
  rng: Stream;
  /**
   * Args a fault leaves out (which node, which groups) are drawn from this when it is injected
   * (default `rng`). A stream keyed by the instant leaves every other fault's args as they were
   * when one fault is not injected.
   */
  argRng?: Stream;
  raft: RaftCluster<FsmRequest, ApplyResult>;
  nodes: readonly SimNode[];
  knobs: AllKnobs;
  rec: HistoryRecorder;
  events: TimelineEvent[];
  failures: RunFailure[];
  emit: (kind: string, data: Record<string, unknown>) => void;
}

export class FaultSchedule {
  /** False from the liveness phase on: faults still scheduled are not injected. */
  on = true;
  count = 0;
  /** Which fault spec (and arrival) each injected fault came from, so a shrinker can remove it. */
  readonly ids: string[] = [];
  /** When each of those faults was injected (µs after the clients started), in the same order. */
  readonly atUs: number[] = [];
  private t0 = 0;
  private readonly nemesis: Nemesis;

  constructor(private readonly d: FaultScheduleDeps) {
    const { sim, rng, raft, nodes, knobs, rec, events, emit } = d;
    this.nemesis = new Nemesis(sim, rng, {
      onFault: (f: Fault, atUs: number, phase: "start" | "stop") => {
        const name = phase === "start" ? f.kind : `stop-${f.kind}`;
        rec.nemesis(name, f.args ?? null, atUs);
        events.push({ timeUs: atUs, kind: phase === "start" ? "fault-start" : "fault-stop", detail: f.kind });
        emit("fault", { fault: name, args: f.args ?? null });
      },
    });
    // Clock faults stay within the lease's drift bound unless a scenario asks for more: skew beyond
    // it breaks lease reads by design (a separate fault knob, see docs/model.md).
    const maxSkewUs = knobs.clockSkewBeyondBound ? knobs.leaseMarginMs * 1000 * 4 : raft.driftBoundUs;
    registerRaftFaults(this.nemesis, raft, d.argRng ?? rng, { maxSkewUs, maxJumpUs: maxSkewUs });
    this.nemesis.register(
      "compactor-pause",
      () => {
        for (const nd of nodes) nd.pauseCompactor(true);
      },
      () => {
        for (const nd of nodes) nd.pauseCompactor(false);
      },
    );
    this.nemesis.register("compactor-burst", () => {
      for (const nd of nodes) nd.compactorBurst();
    });
  }

  /** Schedules the scenario's scripted faults, then draws and schedules its random ones. */
  plan(s: Scenario, t0: number, faultKinds: Record<string, number>): void {
    const { sim } = this.d;
    this.t0 = t0;
    (s.faults ?? []).forEach((f, fi) => {
      if (f.kind !== "scripted") return;
      const kind = scriptedFaultKind(f.fault.name);
      const dur = f.fault.for ? toMicros(f.fault.for) : undefined;
      sim.at(t0 + toMicros(f.at), () => this.inject(kind, f.fault.args, dur, `s${fi}`));
    });
    // Random faults: arrivals drawn per kind (rate = expected faults per simulated second).
    (s.faults ?? []).forEach((f, fi) => {
      if (f.kind !== "random") return;
      const from = t0 + (f.from !== undefined ? toMicros(f.from) : 0);
      const to = t0 + (f.to !== undefined ? toMicros(f.to) : s.runForUs);
      for (const kind of Object.keys(f.rates).sort() as RandomFaultKind[]) {
        const rate = faultKinds[kind];
        if (!rate || rate <= 0) continue;
        this.drawArrivals(kind, rate, from, to, f.skip?.[kind] ?? [], f.durationDivisor ?? 1, fi);
      }
    });
  }

  /** Arrivals of one random family in [from, to), exponential gaps; `skip` ones are drawn only. */
  private drawArrivals(
    family: RandomFaultKind,
    rate: number,
    from: number,
    to: number,
    skipped: number[],
    divisor: number,
    fi: number,
  ): void {
    const { sim, rng, knobs } = this.d;
    const meanGapUs = 1_000_000 / rate;
    const skip = new Set(skipped);
    const kind = RANDOM_FAULTS[family];
    let t = from;
    for (let nth = 0; ; nth++) {
      // Exponential gaps from a uniform choice; choice 0 = the longest gap (the least eventful).
      const u = (rng.int(1_000_000) + 1) / 1_000_001;
      t += Math.max(knobs.faultFloorUs, Math.round(-Math.log(u) * meanGapUs));
      if (t >= to) break;
      const drawn = isLasting(kind) ? knobs.faultMinUs + rng.int(knobs.faultSpanUs) : undefined;
      const dur = drawn !== undefined ? Math.max(knobs.faultFloorUs, Math.round(drawn / divisor)) : undefined;
      if (!skip.has(nth)) sim.at(t, () => this.inject(kind, undefined, dur, `r${fi}/${family}#${nth}`));
    }
  }

  /** Injects one fault now, unless faults are off; a handler's error is a `sim-error` failure. */
  private inject(
    kind: FaultKind,
    args: Record<string, unknown> | undefined,
    durationUs: number | undefined,
    id: string,
  ): void {
    if (!this.on) return;
    this.count++;
    this.ids.push(id);
    this.atUs.push(this.d.sim.now - this.t0);
    const fault: Fault = { kind, args: args ? { ...args } : undefined, durationUs };
    try {
      this.nemesis.inject(fault);
    } catch (e) {
      this.d.failures.push({
        type: "sim-error",
        message: `fault ${kind}: ${(e as Error).message}`,
        stack: (e as Error).stack,
      });
    }
  }
}
