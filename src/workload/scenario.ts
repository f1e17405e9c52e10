/**
 * The scenario authoring API: plain data plus small typed helpers, so that a protocol designer can
 * read or write a scenario in a minute. A scenario says what cluster to build, what each client
 * does, which faults happen when, how long to run, and which consistency model to check.
 *
 * Nothing here runs anything: `src/cluster` interprets a Scenario under a seed and a variant.
 */
import type { MicroF, MicroOp } from "../check/history.ts";
import type { RandomFaultKind, ScriptedFaultName } from "./faults.ts";

export type { RandomFaultKind } from "./faults.ts";

/**
 * A span of simulated time, always with its unit: "500ms", "2s", "1m". (A bare number once meant
 * milliseconds, beside fields such as `thinkUs` that count microseconds; it is refused now, with a
 * message that says which unit to add.)
 */
export type Duration = `${number}ms` | `${number}s` | `${number}m`;

/** One client step: a transaction of micro-ops in invoke form (values not yet known are null). */
export type Step = MicroOp[];
/** A pause in a script: no op is recorded. */
export interface Pause {
  pauseUs: number;
  /**
   * Also waits out a think time, drawn as after a step: a removed step held in its place (a shrink
   * sets it), so that the steps after it start when they did and draw the same think times.
   */
  think?: true;
}
export type ScriptItem = Step | Pause;

/**
 * One name per operation, in generators (`mix`, `txnKinds`) as in the step helpers below: the
 * Redis command, in lower case, and `txn` for MULTI/EXEC (the `txn(...)` helper).
 */
export type OpKind =
  | "rpush" // RPUSH k v
  | "lpush" // LPUSH k v
  | "lrange" // LRANGE k 0 -1
  | "lpop" // LPOP k
  | "rpop" // RPOP k
  | "llen" // LLEN k
  | "del" // DEL k
  | "exists" // EXISTS k
  | "hset" // HSET k f v
  | "hdel" // HDEL k f
  | "hget" // HGET k f
  | "hgetall" // HGETALL k
  | "hlen" // HLEN k
  | "txn"; // MULTI/EXEC of 2..n micro-ops (RPUSH or LRANGE by default), as elastickv's Jepsen test

/**
 * The names generators took before they used the Redis commands' (they are the history's micro-op
 * names). Scenario files written with them, which may live outside this repository, keep working:
 * each is read as the operation it always meant.
 */
export type LegacyOpKind = "append" | "r" | "pop" | "len";
const LEGACY_OP_KINDS: Readonly<Record<LegacyOpKind, OpKind>> = Object.freeze({
  append: "rpush",
  r: "lrange",
  pop: "lpop",
  len: "llen",
});

/** The micro-op each single-command operation records in the history (src/check/history.ts). */
const MICRO_OP: Readonly<Record<Exclude<OpKind, "txn">, MicroF>> = Object.freeze({
  rpush: "append",
  lpush: "lpush",
  lrange: "r",
  lpop: "pop",
  rpop: "rpop",
  llen: "len",
  del: "del",
  exists: "exists",
  hset: "hset",
  hdel: "hdel",
  hget: "hget",
  hgetall: "hgetall",
  hlen: "hlen",
});

/** Every operation name a generator accepts, in the order they are listed to users. */
export const OP_KINDS: readonly OpKind[] = Object.freeze([...(Object.keys(MICRO_OP) as OpKind[]), "txn"]);

/** The operation a generator's name stands for (a legacy spelling included); undefined if none. */
export function opKind(name: string): OpKind | undefined {
  if ((OP_KINDS as readonly string[]).includes(name)) return name as OpKind;
  return Object.hasOwn(LEGACY_OP_KINDS, name) ? LEGACY_OP_KINDS[name as LegacyOpKind] : undefined;
}

/** The history's micro-op name for a generator's operation name, or `txn`; undefined if unknown. */
export function microOpOf(name: string): MicroF | "txn" | undefined {
  const op = opKind(name);
  return op === undefined || op === "txn" ? op : MICRO_OP[op];
}

export interface GeneratorSpec {
  /** Relative weights of operations (`LegacyOpKind` spellings are accepted for older files). */
  mix: Partial<Record<OpKind | LegacyOpKind, number>>;
  /** User keys to draw from (list/hash keys; strings may hold any byte). */
  keys: Array<number | string>;
  /** Micro-ops per "txn" op, inclusive range. Default [2, 4]. */
  txnLength?: [number, number];
  /**
   * Operations a "txn" op's micro-ops are drawn from (uniformly). Default: rpush or lrange, as
   * elastickv's Jepsen test does.
   */
  txnKinds?: Array<Exclude<OpKind | LegacyOpKind, "txn">>;
  /**
   * Key rotation, as Elle's list-append generator does it: `keys` are the active slots, and a
   * slot's key takes at most this many pushes or HSETs before a fresh key (`<key>~1`, `<key>~2`, …)
   * takes its place for every client of the run. Reads, EXISTS and DEL of a key that nothing has
   * written yet are then common, and each key's history stays short. Default: no rotation.
   */
  rotateAfterWrites?: number;
  /** Hash fields to draw from for hset/hdel/hget. Default ["f0".."f3"]. */
  fields?: string[];
  /** Think time between a completion and the next invoke, µs range. Default [0, 2000]. */
  thinkUs?: [number, number];
  /** Stop after this many ops per client (default: until the run ends). */
  maxOps?: number;
  /**
   * Draw the first this many ops (and their think times) but do not issue them; they count
   * towards `maxOps`. Later ops are drawn exactly as without it, so a shrink can cut an op
   * sequence from the front as well as from the back.
   */
  skipOps?: number;
  /**
   * Indices (0-based, per process, counting skipped ops) of generated ops that are drawn with
   * their think times but not issued: the process waits instead. Like `skipOps` it leaves every
   * later op unchanged, so a shrink can cut ops from the middle of a sequence, keeping the time
   * that passed between the ops around them.
   */
  dropOps?: number[];
  /**
   * Only ops that touch one of these keys are issued; the others are drawn with their think times
   * and waited out, like `dropOps`, so the ops kept are exactly those of the full sequence.
   */
  onlyKeys?: Array<number | string>;
  /**
   * An op drawn but not issued (`dropOps`, `onlyKeys`) is waited out for this long on top of its
   * think time (µs; default 0), standing in for the time it would have taken, so that the ops
   * after it keep their place relative to other clients and to faults.
   */
  holdUs?: number;
  /**
   * Per process name and op index: how long that op, drawn but not issued, is waited out instead
   * of `holdUs` (µs): the time it took in the run it was removed from, so that the process's later
   * ops start at the very instants they did there. Skipped ops (`skipOps`) are waited out only for
   * a hold listed here (`holdUs` does not apply to them).
   */
  holdOpsUs?: Record<string, Record<string, number>>;
}

export interface ClientSpec {
  /** Process names; "p1..p3" expands to p1, p2, p3. */
  names: string[];
  /** Scripted steps, run in order (before the generator, if both are given). */
  script?: ScriptItem[];
  generator?: GeneratorSpec;
  /** Node each client talks to (default: process index modulo node count). */
  node?: number;
  /** Delay before the first op. */
  startAt?: Duration;
}

export type FaultSpec =
  | { kind: "scripted"; at: Duration; fault: FaultAction }
  | {
      kind: "random";
      rates: Partial<Record<RandomFaultKind, number>>;
      from?: Duration;
      to?: Duration;
      /**
       * Per kind: arrivals (0-based, in time order) drawn but not injected. Every arrival is still
       * drawn, so removing one leaves the others where they were.
       */
      skip?: Partial<Record<RandomFaultKind, number[]>>;
      /** Lasting faults last this many times shorter than drawn (default 1). */
      durationDivisor?: number;
    };

export interface FaultAction {
  name: ScriptedFaultName;
  args?: Record<string, unknown>;
  /** How long it lasts before it is undone (heal, restart, resume), when it has an undo. */
  for?: Duration;
}

export interface ScenarioSpec {
  name?: string;
  description: string;
  /**
   * Which catalogued bug (if any) this scenario was written for and what the checker should report.
   * Which variants it exposes is stated in the variants table (src/redis/variants.ts), not here (an
   * older file's `bug.variant` is ignored).
   */
  bug?: { id: string; expect: string[] };
  cluster: {
    nodes: number;
    knobs?: Record<string, number | boolean | string>;
    /** Network delay range per message, µs. */
    delayUs?: [number, number];
    dropRate?: number;
    dupRate?: number;
    reorder?: boolean;
  };
  clients: ClientSpec[];
  faults?: FaultSpec[];
  runFor: Duration;
  /** Consistency model to check against (default strict-serializable). */
  expect?: string;
  /** In a fuzz run, let each seed draw its own configuration (swarm testing). Default true. */
  swarm?: boolean;
  /** Hard caps: a run hitting one is a `sim-error`. */
  caps?: { simTimeMs?: number; events?: number };
  /** Enable white-box store invariants after every applied entry (slower). */
  storeInvariants?: boolean;
  /** Final full reads of every key after the liveness phase (default true). */
  finalReads?: boolean;
}

export interface Scenario extends ScenarioSpec {
  name: string;
  runForUs: number;
}

export function toMicros(d: Duration): number {
  if (typeof d === "number") {
    throw new Error(
      `bad duration ${d}: a duration carries its unit, e.g. "${d}ms" (a bare number used to mean milliseconds)`,
    );
  }
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(d);
  if (!m) throw new Error(`bad duration ${JSON.stringify(d)}: expected e.g. 500ms, 2s, 1m`);
  const n = Number(m[1]);
  const unit = m[2] === "ms" ? 1_000 : m[2] === "s" ? 1_000_000 : 60_000_000;
  return Math.round(n * unit);
}

export function scenario(spec: ScenarioSpec): ScenarioSpec {
  return spec;
}

/** Expand "p1..p3" into ["p1", "p2", "p3"]; a plain name stays as is. */
export function expandNames(pattern: string): string[] {
  const m = /^([a-zA-Z_-]*)(\d+)\.\.(?:[a-zA-Z_-]*)(\d+)$/.exec(pattern);
  if (!m) return [pattern];
  const out: string[] = [];
  for (let i = Number(m[2]); i <= Number(m[3]); i++) out.push(`${m[1]}${i}`);
  return out;
}

export function script(
  names: string,
  steps: ScriptItem[],
  opts: { node?: number; startAt?: Duration } = {},
): ClientSpec {
  return { names: expandNames(names), script: steps, ...opts };
}

export function generate(
  names: string,
  gen: GeneratorSpec,
  opts: { node?: number; startAt?: Duration } = {},
): ClientSpec {
  return { names: expandNames(names), generator: gen, ...opts };
}

// ---- step helpers (each returns one transaction; pass several micro-ops to txn()) ----
export const rpush = (k: number | string, v: number): Step => [["append", k, v]];
export const lpush = (k: number | string, v: number): Step => [["lpush", k, v]];
export const lrange = (k: number | string): Step => [["r", k, null]];
export const lpop = (k: number | string): Step => [["pop", k, null]];
export const rpop = (k: number | string): Step => [["rpop", k, null]];
export const llen = (k: number | string): Step => [["len", k, null]];
export const del = (k: number | string): Step => [["del", k, null]];
export const exists = (k: number | string): Step => [["exists", k, null]];
export const hset = (k: number | string, field: string, v: number): Step => [["hset", k, [field, v, null]]];
export const hdel = (k: number | string, field: string): Step => [["hdel", k, [field, null]]];
export const hget = (k: number | string, field: string): Step => [["hget", k, [field, null]]];
export const hgetall = (k: number | string): Step => [["hgetall", k, null]];
export const hlen = (k: number | string): Step => [["hlen", k, null]];
/** MULTI … EXEC of several steps. */
export const txn = (...steps: Step[]): Step => steps.flat();
/** A pause in a script (no op is recorded). */
export const sleep = (d: Duration): Pause => ({ pauseUs: toMicros(d) });

/**
 * The demo binary's Raft timing (elastickv's scheduled Jepsen cluster): heartbeat 1 tick, election
 * 10 ticks (100 ms), so the lease is off and leadership moves often. Defined once here, for every
 * scenario (and BUGGIFY's coordinator draw) that runs under it.
 */
export const DEMO_RAFT_TICKS = Object.freeze({ heartbeatTicks: 1, electionTicks: 10 });

/** The demo timing with a client timeout to match (1 s instead of 5 s). */
export const DEMO_TIMING_KNOBS = Object.freeze({ ...DEMO_RAFT_TICKS, clientTimeoutUs: 1_000_000 });

/** The demo timing and an eager compactor: the knob block every hunting scenario runs under. */
export const DEMO_HUNT_KNOBS = Object.freeze({
  ...DEMO_TIMING_KNOBS,
  compactionThreshold: 4,
  compactorIntervalUs: 50_000,
});

// ---- fault helpers ----
export const at = (t: Duration, fault: FaultAction): FaultSpec => ({ kind: "scripted", at: t, fault });
export const random = (
  rates: Partial<Record<RandomFaultKind, number>>,
  window: { from?: Duration; to?: Duration } = {},
): FaultSpec => ({ kind: "random", rates, ...window });
/**
 * Every fault kind at once, leader churn dominant: about six leadership transfers a simulated
 * second plus isolations, partitions of every shape, crashes, clock skew and jumps within the
 * lease's drift bound, clogs, and compactor bursts and pauses (the hunting workloads' mix).
 */
export const everyFaultWithChurn = (): FaultSpec =>
  random({
    "transfer-leader": 6,
    "isolate-leader": 0.5,
    "partition-halves": 0.3,
    "majority-ring": 0.1,
    bridge: 0.1,
    crash: 0.2,
    "crash-leader": 0.2,
    "clock-skew": 1,
    "clock-jump": 0.5,
    clog: 0.2,
    "compactor-burst": 3,
    "compactor-pause": 0.3,
  });
export const isolateLeader = (d?: Duration): FaultAction => ({ name: "isolate-leader", for: d });
export const partitionHalves = (d?: Duration): FaultAction => ({ name: "partition-halves", for: d });
export const heal = (): FaultAction => ({ name: "heal" });
export const crash = (node: number, d?: Duration): FaultAction => ({ name: "crash", args: { node }, for: d });
export const crashLeader = (d?: Duration): FaultAction => ({ name: "crash-leader", for: d });
export const transferLeader = (): FaultAction => ({ name: "transfer-leader" });
export const clockSkew = (node: number, skewMs: number, d?: Duration): FaultAction => ({
  name: "clock-skew",
  args: { node, skewUs: skewMs * 1000 },
  for: d,
});
export const pauseCompactor = (d?: Duration): FaultAction => ({ name: "compactor-pause", for: d });
export const compactorBurst = (): FaultAction => ({ name: "compactor-burst" });
