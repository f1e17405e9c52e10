/**
 * The result shapes that reports are rendered from. `RunResult` is exactly the `--json` output of
 * `sim run` / `sim replay` (design §5); reports add the history and the simulator's notable events so
 * that a failure can be drawn on a timeline.
 */
import type { Key, MopValue, Op } from "../check/history.ts";

export type Verdict = boolean | "unknown";

export type DependencyKind = "ww" | "wr" | "rw" | "realtime" | "process";

/** One edge of an anomaly's cycle, between two transactions named by a history index of each. */
export interface CycleStep {
  /** History index of the source transaction (its invoke or its completion). */
  from: number;
  to: number;
  kind: DependencyKind;
  key?: Key;
  value?: MopValue;
  /** The step in words, e.g. "T1 read y = [] which did not yet contain 1, appended by T2". */
  why: string;
}

export interface Anomaly {
  type: string;
  keys: Key[];
  cycle?: { steps: CycleStep[] };
  explanation: string;
  /** History indices of the ops involved, for non-cycle anomalies. */
  ops?: number[];
}

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

/** `sim run --json` / `sim replay --json`. */
export interface RunResult {
  tool?: string;
  scenario: string;
  variant: string;
  /** Absent for a run driven by a tape only. */
  seed?: number;
  valid: Verdict;
  anomalyTypes: string[];
  anomalies: Anomaly[];
  stats: RunStats;
  /** The run's swarm draw and knob values. */
  config: Record<string, unknown>;
  /** Counts of named rare events. */
  probes: Record<string, number>;
  historyHash: string;
  wallMs: number;
  /** Path of the repro file written for this run, if it failed. */
  repro?: string;
}

/** A notable simulator event, drawn on the timeline (faults as bands, leader changes as marks). */
export interface SimEvent {
  /** Simulated microseconds. */
  timeUs: number;
  kind: "leader-change" | "fault-start" | "fault-stop" | (string & {});
  detail?: unknown;
}

/** One run to render: its result, its history and (optionally) its events. */
export interface RunReport extends RunResult {
  history: Op[];
  events?: SimEvent[];
  /** A shrunk repro's ops by role: those the anomaly names first, then the context it needed. */
  opRoles?: ReportOpRole[];
}

/** One op of a repro and the part it plays (see a repro file's `opRoles`). */
export interface ReportOpRole {
  index: number;
  role: "anomaly" | "context";
  process: number | "nemesis";
  text: string;
}
