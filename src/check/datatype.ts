/**
 * The seam between the generic checker (pairing, ordering edges, cycle search, verdict) and the
 * per-datatype inference. Each datatype owns some micro-op functions (list-append owns `append` and
 * `r`; queues and hashes own theirs), infers version orders from them, adds ww/wr/rw edges to the
 * shared graph, reports the anomalies that need no cycle, and later explains its own edges.
 */
import type { EdgeKind, EdgeList } from "./graph.ts";
import type { Key } from "./history.ts";
import type { Txn } from "./txn.ts";

/** One step of a cycle: `to` depends on `from` (both named by op index). */
export interface CycleStep {
  from: number;
  to: number;
  kind: EdgeKind;
  key?: Key;
  value?: unknown;
  why: string;
}

export interface Anomaly {
  type: string;
  keys: Key[];
  cycle?: { steps: CycleStep[] };
  /** Op indices of the transactions involved. */
  ops?: number[];
  explanation: string;
}

/** Why `b` depends on `a` through one data edge, in words built from the names given. */
export interface EdgeReason {
  key: Key;
  value?: unknown;
  text(a: string, b: string): string;
}

export interface AnalysisContext {
  txns: readonly Txn[];
  edges: EdgeList;
  /** Whether an anomaly type is worth computing (reportable under the chosen model). */
  wants(type: string): boolean;
  /**
   * Whether real-time order binds: a strict model, or anomalies asked for by name with no model.
   * Checks defined by history order (lost elements, quiet windows, FIFO by completion) run only
   * then; weaker models allow a read to miss a write that completed before it began. Default true.
   */
  realtime?: boolean;
  /**
   * The history is a prefix of a run still going on: infer only edges that no later op can undo
   * (an incremental check). Analyses that cannot tell simply ignore it. Default false.
   */
  prefix?: boolean;
}

export interface DatatypeAnalysis {
  anomalies: Anomaly[];
  /** Explains an edge this datatype added (kind is WW, WR or RW); undefined if it did not. */
  explain(a: Txn, b: Txn, kind: number): EdgeReason | undefined;
}

export interface Datatype {
  name: string;
  /** Micro-op functions this datatype interprets. */
  fs: readonly string[];
  /**
   * Whether this datatype analyses `key`, given every function the history applies to it
   * (keyspace.ts). Default: all of them are in `fs`. Each key goes to the first datatype that
   * claims it, and the analysis then sees only the micro-ops on the keys it owns.
   */
  claims?(key: Key, fs: ReadonlySet<string>): boolean;
  analyze(ctx: AnalysisContext): DatatypeAnalysis;
}

/** Renders a key or value for an explanation: integers bare, strings quoted. */
export function show(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(show).join(" ")}]`;
  if (typeof v === "object") {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k} ${show(x)}`)
      .join(", ")}}`;
  }
  return String(v);
}
