/**
 * One run, judged: run the simulation, check its history against the scenario's model, and fold
 * in the failures the run detected itself (invariants, liveness, simulator errors). The result is
 * exactly the `sim run --json` shape (README). This is an edge: it measures wall time, and it
 * turns any exception into a `sim-error` failure so that one bad seed never kills a campaign.
 */
import { createHash } from "node:crypto";
import type { History, Key } from "../check/history.ts";
import { IncrementalChecker } from "../check/incremental.ts";
import { checkHistory } from "../check/index.ts";
import { checkProgress } from "../check/progress.ts";
import type { AllKnobs } from "../cluster/knobs.ts";
import { runScenario } from "../cluster/run.ts";
import type { RunFailure, RunInput, RunOutcome, TimelineEvent } from "../cluster/types.ts";
import { TOOL } from "../io/version.ts";
import type { Anomaly, RunResult, RunStats, Verdict } from "../report/types.ts";
import { appendOnlyKeys } from "../workload/append-only.ts";
import type { Scenario } from "../workload/scenario.ts";

export interface EvaluateInput {
  scenario: Scenario;
  /** How the scenario is named in results and repros (built-in name or file path). */
  scenarioRef: string;
  variant: string;
  knobs: AllKnobs;
  seed?: number;
  tape?: number[];
  swarm?: boolean;
  trace?: boolean;
  /** Consistency model; defaults to the scenario's `expect`. */
  model?: string;
  /**
   * End the run as soon as the ops so far prove an anomaly (src/check/incremental.ts); an object
   * sets how often the ops so far are checked (small runs, e.g. shrink attempts, want it sooner).
   */
  stopAtFirstAnomaly?: boolean | { minOps?: number; growth?: number };
}

/** A judged run: the `--json` result plus what repros, reports and the shrinker need. */
export interface Evaluation {
  result: RunResult;
  history: History;
  /** The choice tape the run consumed (replays it exactly). */
  tape: number[];
  /** Which fault spec (or random arrival) each injected fault came from (see RunOutcome). */
  faultIds?: string[];
  /** When each of those faults was injected (see RunOutcome.faultTimesUs). */
  faultTimesUs?: number[];
  /** Per process and generated op: how long it held its process (see RunOutcome.opHoldsUs). */
  opHoldsUs?: Record<string, Record<string, number>>;
  /** Per process and generated op: when it was invoked (see RunOutcome.opStartsUs). */
  opStartsUs?: Record<string, Record<string, number>>;
  /** Per process and script step: when it was invoked (see RunOutcome.stepStartsUs). */
  stepStartsUs?: Record<string, Record<string, number>>;
  /** Per process and script step: how long it held its process (see RunOutcome.stepHoldsUs). */
  stepHoldsUs?: Record<string, Record<string, number>>;
  events: TimelineEvent[];
  failures: RunFailure[];
  /** Simulator events processed (0 when the run threw); the shrinker bounds its attempts by it. */
  simEvents: number;
  trace?: string[];
  /** Set when the simulation (or the checker) threw: the exception, for the repro file. */
  error?: { message: string; stack?: string };
}

const EMPTY_STATS: RunStats = { ops: 0, ok: 0, fail: 0, info: 0, simTimeMs: 0, leaderChanges: 0, faults: 0 };

/**
 * Ends the run once an incremental check proves an anomaly (`--stop-at-first-anomaly`). Returns
 * the append-only test the check uses, which follows the scenario the run reports it executes.
 */
export function stopAtFirstProvedAnomaly(input: EvaluateInput, runInput: RunInput): (k: Key) => boolean {
  // Judged on the scenario the run executes (BUGGIFY may add keys, clients or MULTI shapes).
  let appendOnly = appendOnlyKeys(input.scenario);
  runInput.onScenario = (effective) => {
    appendOnly = appendOnlyKeys(effective);
  };
  const inc = new IncrementalChecker({
    model: input.model ?? input.scenario.expect,
    appendOnlyKeys: (k) => appendOnly(k),
    ...(typeof input.stopAtFirstAnomaly === "object" ? input.stopAtFirstAnomaly : {}),
  });
  runInput.onOp = (op) => inc.add(op) !== null;
  return (k) => appendOnly(k);
}

/** Runs and checks one (scenario, variant, seed or tape). Never throws for a problem inside the run. */
export function runAndCheck(input: EvaluateInput): Evaluation {
  const t0 = performance.now();
  const runInput: RunInput = {
    scenario: input.scenario,
    variant: input.variant,
    knobs: input.knobs,
    ...(input.tape !== undefined ? { tape: input.tape } : { seed: input.seed ?? 0 }),
    ...(input.trace ? { trace: true } : {}),
    ...(input.swarm !== undefined ? { swarm: input.swarm } : {}),
  };
  if (input.stopAtFirstAnomaly) stopAtFirstProvedAnomaly(input, runInput);
  let outcome: RunOutcome | undefined;
  let error: Evaluation["error"];
  const failures: RunFailure[] = [];
  try {
    outcome = runScenario(runInput);
    failures.push(...outcome.failures);
  } catch (e) {
    error = errorOf(e);
    failures.push({ type: "sim-error", message: error.message, stack: error.stack });
  }

  const { valid, types, anomalies } = judge(outcome, input, failures, (e) => {
    error = e;
  });
  const stats: RunStats = outcome ? statsOf(outcome) : { ...EMPTY_STATS };
  const result: RunResult = {
    tool: TOOL,
    scenario: input.scenarioRef,
    variant: input.variant,
    ...(input.tape === undefined
      ? { seed: input.seed ?? 0 }
      : input.seed !== undefined
        ? { seed: input.seed }
        : {}),
    valid,
    anomalyTypes: [...types].sort(),
    anomalies,
    stats,
    config: outcome?.config ?? { knobs: input.knobs },
    probes: outcome?.probes ?? {},
    // With no history (the run threw) the hash still has to be stable across replays.
    historyHash: outcome?.historyHash ?? `sim-error:${sha(error?.message ?? "")}`,
    wallMs: Math.round((performance.now() - t0) * 100) / 100,
  };
  let tape: number[] | undefined;
  return {
    result,
    history: outcome?.history ?? [],
    // A copy made when first read (repros and shrinking): a passing run's tape is never read.
    get tape(): number[] {
      tape ??= outcome ? outcome.tape.slice() : [];
      return tape;
    },
    faultIds: outcome?.faultIds ?? [],
    ...(outcome?.faultTimesUs ? { faultTimesUs: outcome.faultTimesUs } : {}),
    ...(outcome?.opHoldsUs ? { opHoldsUs: outcome.opHoldsUs } : {}),
    ...(outcome?.opStartsUs ? { opStartsUs: outcome.opStartsUs } : {}),
    ...(outcome?.stepStartsUs ? { stepStartsUs: outcome.stepStartsUs } : {}),
    ...(outcome?.stepHoldsUs ? { stepHoldsUs: outcome.stepHoldsUs } : {}),
    events: outcome?.events ?? [],
    failures,
    simEvents: outcome?.stats.events ?? 0,
    ...(outcome?.trace ? { trace: outcome.trace } : {}),
    ...(error ? { error } : {}),
  };
}

/**
 * The verdict of one run: the checker's over its history, the progress oracle's, and every
 * failure the run itself reported. A checker crash is reported through `onError` like a sim error.
 */
function judge(
  outcome: RunOutcome | undefined,
  input: EvaluateInput,
  failures: RunFailure[],
  onError: (e: { message: string; stack?: string }) => void,
): { valid: Verdict; types: Set<string>; anomalies: Anomaly[] } {
  let checkerValid: Verdict = true;
  const anomalies: Anomaly[] = [];
  const types = new Set<string>();
  if (outcome) {
    try {
      const verdict = checkHistory(outcome.history, { model: input.model ?? input.scenario.expect });
      checkerValid = verdict.valid;
      for (const t of verdict.anomalyTypes) types.add(t);
      anomalies.push(...(verdict.anomalies as Anomaly[]));
    } catch (e) {
      // A checker crash on a simulated history is a bug in this tool: report it like a sim error.
      const error = errorOf(e);
      onError(error);
      failures.push({ type: "sim-error", message: `checker: ${error.message}`, stack: error.stack });
    }
    // Fault-free ops must eventually succeed (computed from the history, so replays see it too).
    for (const p of checkProgress(outcome.history))
      failures.push({ type: "liveness:progress", message: p.message });
  }
  for (const f of failures) {
    types.add(f.type);
    anomalies.push({
      type: f.type,
      keys: [],
      explanation:
        f.atUs !== undefined ? `${f.message} (at ${(f.atUs / 1000).toFixed(3)} ms simulated)` : f.message,
    });
  }
  const valid: Verdict = failures.length > 0 || checkerValid === false ? false : checkerValid;
  return { valid, types, anomalies };
}

function statsOf(outcome: RunOutcome): RunStats {
  const { ops, ok, fail, info, simTimeMs, leaderChanges, faults } = outcome.stats;
  return { ops, ok, fail, info, simTimeMs, leaderChanges, faults };
}

function errorOf(e: unknown): { message: string; stack?: string } {
  if (e instanceof Error) return { message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  return { message: String(e) };
}

function sha(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, 16);
}

/** Whether a run's anomaly types still contain every type of the target signature. */
export function showsFailure(anomalyTypes: readonly string[], target: readonly string[]): boolean {
  if (target.length === 0) return anomalyTypes.length > 0;
  const have = new Set(anomalyTypes);
  return target.every((t) => have.has(t));
}
