/**
 * What one simulated run takes and gives back. `runScenario` (src/cluster/run.ts) is a pure
 * function of (scenario, variant knobs, seed or tape): same inputs, same outcome, byte for byte.
 */
import type { History, Op } from "../check/history.ts";
import type { Scenario } from "../workload/scenario.ts";
import type { AllKnobs } from "./knobs.ts";

export type KnobValue = number | boolean | string;
export type KnobSet = Record<string, KnobValue>;

export interface RunInput {
  scenario: Scenario;
  /** Variant name (informational: the knobs below are what the run uses). */
  variant: string;
  /**
   * Final knob values: variant knobs with scenario and command-line overrides applied, typed and
   * checked where they came in (`resolveKnobs`, src/cluster/knobs.ts).
   */
  knobs: Readonly<AllKnobs>;
  /** Either a seed or a choice tape drives every random choice. */
  seed?: number;
  tape?: number[];
  /** Record internal events (JSONL lines) for `sim run --trace`. */
  trace?: boolean;
  /** Swarm testing: let the seed draw the configuration (fault kinds on/off, rates, mix, delays). */
  swarm?: boolean;
  /**
   * Sees every op as it is recorded; returning true ends the run there, with no liveness phase and
   * no final reads (an incremental checker that has proved an anomaly).
   */
  onOp?: (op: Op) => boolean;
  /**
   * Called once, before the first event, with the scenario the run really executes: BUGGIFY may
   * have drawn other keys, more clients or MULTI/EXEC shapes with other commands, and an
   * incremental checker must judge which keys are append-only from that scenario.
   */
  onScenario?: (effective: Scenario) => void;
}

/** A failure the run itself detected (not a history anomaly). */
export interface RunFailure {
  /** "invariant:<name>", "liveness" or "sim-error". */
  type: string;
  message: string;
  stack?: string;
  atUs?: number;
}

export interface TimelineEvent {
  timeUs: number;
  kind: "leader-change" | "fault-start" | "fault-stop" | "crash" | "restart" | "compaction";
  detail: string;
}

/** The counts a run reports (`sim run --json`, repro files). */
export interface RunStats {
  /** Client transactions (invoke/completion pairs). */
  ops: number;
  ok: number;
  fail: number;
  info: number;
  simTimeMs: number;
  leaderChanges: number;
  faults: number;
}

/** A run's reported counts plus the simulator events it took, which only benchmarks look at. */
export interface RunCounts extends RunStats {
  events: number;
}

export interface RunOutcome {
  history: History;
  historyHash: string;
  failures: RunFailure[];
  stats: RunCounts;
  /** The run's swarm draw and knob values. */
  config: Record<string, unknown>;
  /** Counts of named rare events (docs/model.md). */
  probes: Record<string, number>;
  events: TimelineEvent[];
  /**
   * One id per injected fault, in injection order: `s<i>` for the scripted fault spec i,
   * `r<i>/<kind>#<n>` for the n-th arrival of a kind of the random fault spec i.
   */
  faultIds?: string[];
  /** When each fault of `faultIds` was injected (µs after the clients started), in the same order. */
  faultTimesUs?: number[];
  /** Per process name and generated op index: the op's time until its process thought again (µs). */
  opHoldsUs?: Record<string, Record<string, number>>;
  /** Per process name and generated op index: when the op was invoked (µs after the clients started). */
  opStartsUs?: Record<string, Record<string, number>>;
  /**
   * Per process name and script step index (in the script the run ran): when the step was invoked
   * (µs after the clients started).
   */
  stepStartsUs?: Record<string, Record<string, number>>;
  /** Per process name and script step index (in the script run): as `opHoldsUs` for generated ops. */
  stepHoldsUs?: Record<string, Record<string, number>>;
  /** The choice tape this run consumed (for repro files and shrinking). */
  tape: number[];
  trace?: string[];
}
