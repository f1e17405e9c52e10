/**
 * What value each knob accepts, and the checks that turn a loose record of knobs into the typed
 * options of a run. A run's knobs are checked once, where they enter (`--knob`, a repro file, a
 * scenario's `cluster.knobs`), so that a bad value is an input error naming the knob instead of a
 * run that crashes or hangs deep inside the simulator. Defaults and descriptions live in
 * src/cluster/knobs.ts; this module imports nothing at run time, so BUGGIFY can use it too.
 */
import type { AllKnobs } from "./knobs.ts";
import type { KnobSet, KnobValue } from "./types.ts";

export interface NumberSpec {
  kind: "number";
  /** Whole numbers only (counts, ticks, simulated µs: the scheduler's clock is an integer). */
  integer: boolean;
  min: number;
  /** `min` itself is refused (an interval of 0 would repeat at the same instant for ever). */
  exclusiveMin?: boolean;
  max?: number;
}

export interface OneOfSpec<T extends string> {
  kind: "one-of";
  values: readonly T[];
}

/** The spec that fits a knob's type: a flag, a number with its range, or one of a few words. */
export type KnobSpec<T> = [T] extends [boolean]
  ? { kind: "boolean" }
  : [T] extends [number]
    ? NumberSpec
    : [T] extends [string]
      ? OneOfSpec<T>
      : never;

export type KnobSpecs = { readonly [K in keyof AllKnobs]: KnobSpec<AllKnobs[K]> };

const flag = { kind: "boolean" } as const;
/** An integer ≥ min. */
const int = (min: number): NumberSpec => ({ kind: "number", integer: true, min });
/** Any number > 0 (milliseconds may be fractional: they become whole µs). */
const positiveMs: NumberSpec = { kind: "number", integer: false, min: 0, exclusiveMin: true };
const nonNegativeMs: NumberSpec = { kind: "number", integer: false, min: 0 };
const chance: NumberSpec = { kind: "number", integer: false, min: 0, max: 1 };
const oneOf = <T extends string>(...values: T[]): OneOfSpec<T> => ({ kind: "one-of", values });

export const knobSpecs: KnobSpecs = {
  // Cluster: Raft timing, clients, the run's phases and faults.
  raftTickUs: int(1),
  heartbeatTicks: int(1),
  electionTicks: int(2),
  leaseMarginMs: nonNegativeMs,
  preVote: flag,
  checkQuorum: flag,
  clientTimeoutUs: int(1),
  clientDelayUs: int(0),
  livenessUs: int(0),
  storeInvariants: flag,
  persistDelayUs: int(0),
  clockSkewBeyondBound: flag,
  readBatching: flag,
  // 0 = off; otherwise the longest a leader holds proposals for one MsgApp.
  appendBatchWindowUs: int(0),
  failBackoffUs: int(0),
  setupCapUs: int(0),
  faultMinUs: int(0),
  // The draw is uniform below this bound, so it needs at least one value.
  faultSpanUs: int(1),
  // At least 1 µs, so that arrivals always move on in time.
  faultFloorUs: int(1),
  proxyTimeoutUs: int(1),
  keyedDraws: flag,
  taskKeyedDraws: flag,
  lazyTicks: flag,
  // Scheduling points inside a node.
  schedStrategy: oneOf("mixed", "random", "pct", "pos", "off"),
  schedPauseChance: chance,
  schedPreemptMinUs: int(0),
  schedPreemptMaxUs: int(0),
  schedLongPauseChance: chance,
  schedLongPauseMinMs: nonNegativeMs,
  schedLongPauseMaxMs: nonNegativeMs,
  schedPctDepth: int(1),
  schedPctSteps: int(1),
  schedPctQuantumUs: int(0),
  schedPosSlots: int(1),
  schedPosQuantumUs: int(0),
  readCallFence: flag,
  readProxyToLeader: flag,
  // BUGGIFY.
  buggify: flag,
  buggifyWider: flag,
  // Transaction layer.
  snapshotTS: oneOf("last-commit", "hlc-current-max"),
  execStartTS: oneOf("last-commit", "clock-next"),
  readSetInRaft: flag,
  hlcCeiling: flag,
  hlcObserveOnApply: flag,
  hlcFenced: flag,
  hlcLeaderFloor: flag,
  hlcWindowMs: nonNegativeMs,
  hlcRenewalIntervalMs: positiveMs,
  staleApplyFastPath: flag,
  staleApplyCompareValues: flag,
  staleApplyTxnId: flag,
  dedupTxnId: flag,
  dedupProbe: flag,
  coordinator: oneOf("production", "demo"),
  leaderProxy: oneOf("elastickv", "coarse"),
  ensureValidStartTS: flag,
  applyInCommitOrder: flag,
  emptySnapshotStartTS: oneOf("clock", "floor"),
  catalogBootstrap: flag,
  leaderRetryBudgetMs: nonNegativeMs,
  leaderRetryIntervalMs: positiveMs,
  // Redis adapter.
  keyLayout: oneOf("length-prefixed", "null-separator"),
  listFence: flag,
  hashFence: flag,
  pushBoundaryReadKeys: flag,
  execListBoundaryReadKeys: flag,
  execTypeProbeReadKeys: flag,
  execAbsenceFences: flag,
  delFence: flag,
  execAbsentHashFences: flag,
  execListMeta: oneOf("resolved", "base-only"),
  execListWrite: oneOf("delta", "base-meta", "base-meta-delete-deltas"),
  execCommands: oneOf("head", "all"),
  execValidateReadSet: flag,
  claimSemantics: oneOf("token", "marker"),
  pushClearsStaleClaim: flag,
  claimScanWindow: int(1),
  popClaimsHoles: flag,
  lenClamp: flag,
  hdelDedupFields: flag,
  delDedupKeys: flag,
  delScan: oneOf("paginated", "single-page"),
  rangeReadFence: oneOf("before-after", "none"),
  pointReadFence: oneOf("after", "before"),
  readFenceKind: oneOf("lease-read", "read-index"),
  onePhaseDedup: flag,
  retryMaxAttempts: int(0),
  retryInitialBackoffUs: int(0),
  retryMaxBackoffUs: int(0),
  compactorEnabled: flag,
  compactionThreshold: int(1),
  compactorIntervalUs: int(1),
  compactorTickScanLimit: int(1),
  claimGcScanLimit: int(1),
  compactorClaimGc: flag,
  compactorTimeoutUs: int(1),
  compactorBackoffUs: int(0),
  compactorPollUs: int(1),
  urgentQueueSize: int(0),
  compactorEmptyMeta: oneOf("delete", "delete-fenced", "keep"),
  partialFoldKeepsMeta: flag,
  resumedFoldKeepsMeta: flag,
  lazyReaper: oneOf("off", "unfenced", "fenced"),
  maxDeltaScanLimit: int(1),
  maxWideColumnItems: int(1),
  testFailWrites: flag,
};

/** What a spec accepts, in words, for error messages and `sim knobs --json`. */
export function describeSpec(spec: KnobSpecs[keyof KnobSpecs]): string {
  switch (spec.kind) {
    case "boolean":
      return "true or false";
    case "one-of":
      return `one of ${spec.values.join(", ")}`;
    case "number": {
      const what = spec.integer ? "an integer" : "a number";
      const low = `${spec.exclusiveMin ? ">" : "≥"} ${spec.min}`;
      return spec.max !== undefined ? `${what} from ${spec.min} to ${spec.max}` : `${what} ${low}`;
    }
  }
}

/** Whether `value` is one the spec accepts. */
export function specAccepts(spec: KnobSpecs[keyof KnobSpecs], value: unknown): value is KnobValue {
  switch (spec.kind) {
    case "boolean":
      return typeof value === "boolean";
    case "one-of":
      return typeof value === "string" && (spec.values as readonly string[]).includes(value);
    case "number":
      return (
        typeof value === "number" &&
        Number.isFinite(value) &&
        (!spec.integer || Number.isSafeInteger(value)) &&
        (spec.exclusiveMin ? value > spec.min : value >= spec.min) &&
        (spec.max === undefined || value <= spec.max)
      );
  }
}

/**
 * Every knob's name, in the order of `defaultKnobs` (src/cluster/knobs.ts), which is the order
 * repro files record them in: the table above lists them in that order.
 */
export const knobNames: ReadonlyArray<keyof AllKnobs> = Object.keys(knobSpecs).filter(isKnobName);

export function isKnobName(name: string): name is keyof AllKnobs {
  return Object.hasOwn(knobSpecs, name);
}

/** The knobs of a run as a plain record, in `defaultKnobs` order: what a repro file records. */
export function knobRecord(knobs: Readonly<AllKnobs>): KnobSet {
  const out: KnobSet = {};
  for (const name of knobNames) out[name] = knobs[name];
  return out;
}

/**
 * A knob value that does not fit, naming the knob, what it accepts and what it got. `source` says
 * which layer of `resolveKnobs` set it, so that the caller can name the file or flag at fault.
 */
export class KnobError extends Error {
  constructor(
    readonly knob: string,
    /** Empty for an unknown knob. */
    readonly expected: string,
    readonly found: string,
    readonly source: "scenario" | "variant" | "override" | "run",
  ) {
    super(
      expected === ""
        ? `unknown knob '${knob}' (see \`sim knobs\`)`
        : `knob '${knob}': expected ${expected}, found ${found}`,
    );
    this.name = "KnobError";
  }

  get unknown(): boolean {
    return this.expected === "";
  }
}

/** Throws a KnobError unless `value` is one the knob accepts. */
export function checkKnobValue(name: string, value: unknown, source: KnobError["source"]): KnobValue {
  if (!isKnobName(name)) throw new KnobError(name, "", JSON.stringify(name), source);
  const spec = knobSpecs[name];
  if (!specAccepts(spec, value)) {
    throw new KnobError(name, describeSpec(spec), JSON.stringify(value) ?? "nothing", source);
  }
  return value;
}

/**
 * A `--knob name=value` string as the value the knob takes: a number, a flag (true/false, 1/0,
 * on/off) or one of its words. Throws a KnobError naming the knob when it does not fit.
 */
export function parseKnobValue(name: string, raw: string): KnobValue {
  if (!isKnobName(name)) throw new KnobError(name, "", JSON.stringify(name), "override");
  const spec = knobSpecs[name];
  let value: KnobValue = raw;
  if (spec.kind === "number" && raw.trim() !== "") value = Number(raw);
  if (spec.kind === "boolean") {
    if (raw === "true" || raw === "1" || raw === "on") value = true;
    if (raw === "false" || raw === "0" || raw === "off") value = false;
  }
  if (!specAccepts(spec, value))
    throw new KnobError(name, describeSpec(spec), JSON.stringify(raw), "override");
  return value;
}

/** Whether every knob of the run is present with a value it accepts. */
function isRunKnobs(
  set: Readonly<Record<string, unknown>>,
): set is Readonly<Record<string, unknown>> & AllKnobs {
  return knobNames.every((name) => specAccepts(knobSpecs[name], set[name]));
}

/**
 * The run's options, typed: a complete knob set (every knob, each with a value it accepts) checked
 * knob by knob. Throws a KnobError naming the first knob that does not fit.
 */
export function runKnobs(
  set: Readonly<Record<string, unknown>>,
  source: KnobError["source"] = "run",
): AllKnobs {
  if (isRunKnobs(set)) return set;
  const bad = knobNames.find((name) => !specAccepts(knobSpecs[name], set[name]))!;
  throw new KnobError(bad, describeSpec(knobSpecs[bad]), JSON.stringify(set[bad]) ?? "nothing", source);
}

/** Knobs that only make sense together: Raft refuses an election timeout not above the heartbeat. */
export function checkKnobPairs(k: Readonly<AllKnobs>, source: KnobError["source"]): void {
  if (k.electionTicks <= k.heartbeatTicks) {
    throw new KnobError(
      "electionTicks",
      `an integer above heartbeatTicks (${k.heartbeatTicks})`,
      String(k.electionTicks),
      source,
    );
  }
}
