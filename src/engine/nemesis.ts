/**
 * Fault injection. Fault kinds are plain strings with handlers, so the engine stays generic: the
 * network faults below are registered by `registerNetworkFaults`, and the cluster layer registers
 * its own (crash, leader transfer, compactor bursts, leader-aware partitions).
 *
 * A fault with `durationUs` and a registered stop handler is stopped (e.g. healed) that long after
 * it starts. Handlers may fill in `fault.args` with what they resolved at run time (say, which
 * halves a random partition chose), so the log and `onFault` show what actually happened.
 */
import type { Clocks } from "./clock.ts";
import type { Network } from "./network.ts";
import type { Stream } from "./rng.ts";
import { bridge, majorityRing, nodeRange, randomHalves } from "./shapes.ts";
import type { Simulation } from "./sim.ts";

export interface Fault {
  kind: string;
  args?: Record<string, unknown>;
  durationUs?: number;
}

export type FaultHandler = (fault: Fault) => void;

/** Expected faults per simulated second, per kind. */
export interface RandomFaultRates {
  [kind: string]: number;
}

export type FaultPhase = "start" | "stop";

export interface NemesisOptions {
  /** Called after each fault starts or stops, so the host can record nemesis ops in its history. */
  onFault?: (f: Fault, atUs: number, phase: FaultPhase) => void;
}

export interface RandomPlanOptions {
  /** Shortest fault duration (default 500 ms). */
  minDurUs?: number;
  /** Longest fault duration (default 5 s). */
  maxDurUs?: number;
  /** Draws a fault's args at plan time. */
  argsFor?: (kind: string, s: Stream) => Record<string, unknown>;
}

export type FaultPlan = Array<{ atUs: number; fault: Fault }>;

const TWO32 = 4294967296;
/** Poisson counts are drawn in chunks of at most this mean, so exp(-lambda) never underflows. */
const MAX_CHUNK_MEAN = 50;

export class Nemesis {
  readonly log: Array<{ atUs: number; fault: Fault; phase: FaultPhase }> = [];
  private readonly handlers = new Map<string, { start: FaultHandler; stop?: FaultHandler }>();
  private readonly onFault: NemesisOptions["onFault"];

  constructor(
    private readonly sim: Simulation,
    private readonly rng: Stream,
    opts?: NemesisOptions,
  ) {
    this.onFault = opts?.onFault;
  }

  /** Registers a fault kind; registering a kind again replaces its handlers. */
  register(kind: string, start: FaultHandler, stop?: FaultHandler): void {
    this.handlers.set(kind, { start, stop });
  }

  /** Kinds registered so far, in registration order. */
  kinds(): string[] {
    return [...this.handlers.keys()];
  }

  /** Scripted: injects the fault at simulated time timeUs. */
  at(timeUs: number, fault: Fault): void {
    this.sim.at(timeUs, () => this.inject(fault));
  }

  /** Injects the fault now (its stop, if any, follows after durationUs). */
  inject(fault: Fault): void {
    const h = this.handlers.get(fault.kind);
    if (h === undefined) throw new Error(`Nemesis: no handler registered for fault kind "${fault.kind}"`);
    const f: Fault = { kind: fault.kind };
    if (fault.args !== undefined) f.args = { ...fault.args };
    if (fault.durationUs !== undefined) f.durationUs = fault.durationUs;
    h.start(f);
    this.record(f, "start");
    const stop = h.stop;
    if (stop !== undefined && f.durationUs !== undefined) {
      this.sim.schedule(Math.max(0, f.durationUs), () => {
        stop(f);
        this.record(f, "stop");
      });
    }
  }

  /**
   * Draws a random plan from the stream and schedules it. For each kind with rate r > 0 (kinds in
   * sorted order): a Poisson count with mean r × window, uniform start times, durations in
   * [minDurUs, maxDurUs], then args from argsFor. Faults of one kind never overlap (a start that
   * falls inside the previous one is pushed after it, or dropped past toUs) and every fault ends
   * by toUs. The all-zero tape draws no faults; lower choices mean fewer, earlier, shorter faults.
   */
  randomPlan(rates: RandomFaultRates, fromUs: number, toUs: number, opts?: RandomPlanOptions): FaultPlan {
    const s = this.rng;
    const from = Math.round(fromUs);
    const to = Math.round(toUs);
    if (!(Number.isFinite(from) && Number.isFinite(to) && from >= this.sim.now)) {
      throw new RangeError(`Nemesis.randomPlan: bad window [${fromUs}, ${toUs})`);
    }
    const minDur = Math.round(opts?.minDurUs ?? 500_000);
    const maxDur = Math.max(minDur, Math.round(opts?.maxDurUs ?? 5_000_000));
    const plan: FaultPlan = [];
    if (to <= from) return plan;
    const window = to - from;
    for (const kind of Object.keys(rates).sort()) {
      const rate = rates[kind];
      if (!(rate > 0)) continue;
      const count = poisson(s, (rate * window) / 1e6);
      const drawn: Array<{ offset: number; dur: number; args?: Record<string, unknown> }> = [];
      for (let i = 0; i < count; i++) {
        const offset = s.int(window);
        const dur = s.range(minDur, maxDur);
        const args = opts?.argsFor?.(kind, s);
        drawn.push(args === undefined ? { offset, dur } : { offset, dur, args });
      }
      drawn.sort((a, b) => a.offset - b.offset);
      let free = from;
      for (const d of drawn) {
        const atUs = Math.max(from + d.offset, free);
        if (atUs >= to) break;
        const durationUs = Math.min(d.dur, to - atUs);
        const fault: Fault = { kind, durationUs };
        if (d.args !== undefined) fault.args = d.args;
        plan.push({ atUs, fault });
        free = atUs + durationUs;
      }
    }
    plan.sort((a, b) => a.atUs - b.atUs);
    for (const p of plan) this.at(p.atUs, p.fault);
    return plan;
  }

  private record(f: Fault, phase: FaultPhase): void {
    const atUs = this.sim.now;
    this.log.push({ atUs, fault: f, phase });
    this.onFault?.(f, atUs, phase);
  }
}

/**
 * A Poisson-distributed count with the given mean, by inverting the CDF at one recorded choice per
 * chunk of mean; choice 0 gives 0.
 */
function poisson(s: Stream, mean: number): number {
  let total = 0;
  let left = mean;
  while (left > 0) {
    const lambda = Math.min(left, MAX_CHUNK_MEAN);
    left -= lambda;
    const u = s.int(TWO32) / TWO32;
    let k = 0;
    let p = Math.exp(-lambda);
    let cdf = p;
    while (u >= cdf && k < 10 * MAX_CHUNK_MEAN) {
      k++;
      p *= lambda / k;
      cdf += p;
    }
    total += k;
  }
  return total;
}

export interface NetworkFaultOptions {
  /** Largest |skew| drawn by clock-skew without args.skewUs (default 2 s). */
  maxSkewUs?: number;
  /** Largest |jump| drawn by clock-jump without args.deltaUs (default 2 s). */
  maxJumpUs?: number;
  /** Clog duration when the fault has none (default 1 s). */
  defaultClogUs?: number;
}

/**
 * Registers the network and clock fault kinds. Args left out are drawn from `rng` when the fault
 * starts and written back into `fault.args`:
 * - `partition-halves` (args.groups optional) / `partition` (args.groups) / `isolate` (args.node),
 *   `majority-ring`, `bridge`, `block-links` (args.pairs, args.directed): stopped by healing;
 * - `heal`: removes partitions and blocked links;
 * - `clog-node` (args.node), `clog-link` (args.a, args.b): for durationUs (the clog ends by itself);
 * - `clock-skew` (args.node, args.skewUs): stop restores the previous skew;
 * - `clock-jump` (args.node, args.deltaUs): permanent.
 * Partitions and blocked links share one network state, so any heal (a `heal` fault or the stop of
 * an overlapping partition of another kind) ends all of them.
 */
export function registerNetworkFaults<M>(
  nemesis: Nemesis,
  network: Network<M>,
  clocks: Clocks,
  rng: Stream,
  opts?: NetworkFaultOptions,
): void {
  const maxSkew = Math.round(opts?.maxSkewUs ?? 2_000_000);
  const maxJump = Math.round(opts?.maxJumpUs ?? 2_000_000);
  const defaultClog = Math.round(opts?.defaultClogUs ?? 1_000_000);
  // Registration order is what `Nemesis.kinds()` lists, so the families are registered in a fixed order.
  registerPartitionFaults(nemesis, network, rng);
  registerClogFaults(nemesis, network, rng, defaultClog);
  registerClockFaults(nemesis, clocks, network.nodeCount, rng, maxSkew, maxJump);
}

/**
 * A fault's args, created empty when absent: a handler draws the args left out and writes them
 * back, so that the fault log (and a repro) names what actually happened.
 */
export function faultArgs(f: Fault): NonNullable<Fault["args"]> {
  f.args ??= {};
  return f.args;
}

/** The node named by `args[key]`, drawn among `n` nodes and written back when absent. */
function nodeArg(f: Fault, key: string, rng: Stream, n: number): number {
  const a = faultArgs(f);
  if (typeof a[key] !== "number") a[key] = rng.int(n);
  return a[key] as number;
}

/** The partition and blocked-link kinds, and `heal`, which ends them all. */
function registerPartitionFaults<M>(nemesis: Nemesis, network: Network<M>, rng: Stream): void {
  const n = network.nodeCount;
  const heal = () => network.heal();
  nemesis.register(
    "partition-halves",
    (f) => {
      const a = faultArgs(f);
      if (!Array.isArray(a.groups)) a.groups = randomHalves(nodeRange(n), rng);
      network.partition(a.groups as number[][]);
    },
    heal,
  );
  nemesis.register(
    "partition",
    (f) => {
      const groups = faultArgs(f).groups;
      if (!Array.isArray(groups)) throw new Error('Nemesis "partition": args.groups is required');
      network.partition(groups as number[][]);
    },
    heal,
  );
  nemesis.register("isolate", (f) => network.isolate(nodeArg(f, "node", rng, n)), heal);
  nemesis.register(
    "majority-ring",
    (f) => {
      const shape = majorityRing(n, rng);
      faultArgs(f).pairs = shape.pairs;
      network.blockLinks(shape.pairs, shape);
    },
    heal,
  );
  nemesis.register(
    "bridge",
    (f) => {
      const shape = bridge(n, rng);
      const a = faultArgs(f);
      a.pairs = shape.pairs;
      a.bridge = shape.bridge;
      network.blockLinks(shape.pairs, shape);
    },
    heal,
  );
  nemesis.register(
    "block-links",
    (f) => {
      const a = faultArgs(f);
      if (!Array.isArray(a.pairs)) throw new Error('Nemesis "block-links": args.pairs is required');
      network.blockLinks(a.pairs as Array<[number, number]>, { directed: a.directed === true });
    },
    heal,
  );
  nemesis.register("heal", heal);
}

/** `clog-node` and `clog-link`: each clog ends by itself after the fault's duration. */
function registerClogFaults<M>(
  nemesis: Nemesis,
  network: Network<M>,
  rng: Stream,
  defaultClog: number,
): void {
  const n = network.nodeCount;
  nemesis.register("clog-node", (f) => {
    network.clogNode(nodeArg(f, "node", rng, n), f.durationUs ?? defaultClog);
  });
  nemesis.register("clog-link", (f) => {
    const a = faultArgs(f);
    if (typeof a.a !== "number" || typeof a.b !== "number") {
      if (n < 2) return;
      const x = rng.int(n);
      // Second endpoint drawn among the others, so choice 0 is the next node.
      a.a = x;
      a.b = (x + 1 + rng.int(n - 1)) % n;
    }
    network.clogLink(a.a as number, a.b as number, f.durationUs ?? defaultClog);
  });
}

/** `clock-skew` (stop restores the previous skew) and `clock-jump` (permanent). */
function registerClockFaults(
  nemesis: Nemesis,
  clocks: Clocks,
  n: number,
  rng: Stream,
  maxSkew: number,
  maxJump: number,
): void {
  // Magnitude then sign, so choice 0 is "no change".
  const signed = (max: number) => {
    const v = rng.int(max + 1);
    return rng.chance(0.5) ? -v : v;
  };
  nemesis.register(
    "clock-skew",
    (f) => {
      const node = nodeArg(f, "node", rng, n);
      const a = faultArgs(f);
      if (typeof a.skewUs !== "number") a.skewUs = signed(maxSkew);
      a.prevSkewUs = clocks.skew(node);
      clocks.setSkew(node, a.skewUs as number);
    },
    (f) => clocks.setSkew(f.args!.node as number, f.args!.prevSkewUs as number),
  );
  nemesis.register("clock-jump", (f) => {
    const node = nodeArg(f, "node", rng, n);
    const a = faultArgs(f);
    if (typeof a.deltaUs !== "number") a.deltaUs = signed(maxJump);
    clocks.jump(node, a.deltaUs as number);
  });
}
