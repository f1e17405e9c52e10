/**
 * Transactions: a client op's invocation paired with its completion. `ok` committed, `fail` never
 * took effect, `info` may or may not have taken effect. An invocation that never completes is
 * treated as `info` (Jepsen's reading of a crashed client), so its writes may still be observed.
 */
import type { History, MicroOp } from "./history.ts";

export type TxnType = "ok" | "fail" | "info";

export interface Txn {
  /** Dense id, in order of first appearance in the history (the order of `Txns.txns`). */
  id: number;
  type: TxnType;
  /** Invoked but never completed (counted as `info`). */
  pending: boolean;
  process: number;
  /** Positions in the history array; -1 when absent. */
  invokePos: number;
  completePos: number;
  /** The op index that names this txn: its completion's, else its invocation's. */
  index: number;
  /** Micro-ops with the values the completion reported (the invocation's when it has none). */
  mops: MicroOp[];
  /** The invocation's micro-ops (reads are usually nil there). */
  invokeMops: MicroOp[] | null;
}

export interface Txns {
  txns: Txn[];
  /**
   * Client events in history order: `id * 2` for an invocation, `id * 2 + 1` for a completion.
   * Real-time order is this order, never `:time`.
   */
  events: Int32Array;
  /** `ops`: every op in the history (nemesis too); `txns`: client transactions. */
  stats: { ops: number; txns: number; ok: number; fail: number; info: number };
}

/** A malformed history the checker cannot interpret (not an anomaly of the system under test). */
export class HistoryShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HistoryShapeError";
  }
}

function mopsOf(value: unknown, where: string): MicroOp[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new HistoryShapeError(`${where}: the value is not a list of micro-ops`);
  return value as MicroOp[];
}

function whereOf(op: { index: number; process: unknown }): string {
  return `op ${op.index} (process ${String(op.process)})`;
}

/** Pairs each client invocation with its completion (per process, in history order). */
export function pairTxns(history: History): Txns {
  const txns: Txn[] = [];
  const open = new Map<number, Txn>();
  // At most one event per op: a typed array filled in place, trimmed at the end (a number[] grown
  // by push to millions of entries is copied at each growth, and the copies are garbage).
  const events = new Int32Array(history.length);
  let eventCount = 0;
  for (let pos = 0; pos < history.length; pos++) {
    const op = history[pos];
    if (typeof op.process !== "number") continue;
    // Built only on error: a string per op is measurable garbage on a 1M-op history.
    const where = op.value === null || op.value === undefined || Array.isArray(op.value) ? "" : whereOf(op);
    if (op.type === "invoke") {
      // A second invocation before a completion: the first can no longer be matched, so it stays
      // pending (maybe applied).
      const mops = mopsOf(op.value, where);
      const t: Txn = {
        id: txns.length,
        type: "info",
        pending: true,
        process: op.process,
        invokePos: pos,
        completePos: -1,
        index: op.index,
        mops,
        invokeMops: mops,
      };
      txns.push(t);
      open.set(op.process, t);
      events[eventCount++] = t.id * 2;
      continue;
    }
    const completed = mopsOf(op.value, where);
    let t = open.get(op.process);
    if (t !== undefined) {
      open.delete(op.process);
      t.pending = false;
      t.type = op.type;
      t.completePos = pos;
      t.index = op.index;
      if (completed.length > 0 || (t.invokeMops?.length ?? 0) === 0) t.mops = completed;
    } else {
      // A completion whose invocation precedes the history: it has no real-time predecessors.
      t = {
        id: txns.length,
        type: op.type,
        pending: false,
        process: op.process,
        invokePos: -1,
        completePos: pos,
        index: op.index,
        mops: completed,
        invokeMops: null,
      };
      txns.push(t);
    }
    events[eventCount++] = t.id * 2 + 1;
  }
  let ok = 0;
  let fail = 0;
  let info = 0;
  for (const t of txns) {
    if (t.type === "ok") ok++;
    else if (t.type === "fail") fail++;
    else info++;
  }
  return {
    txns,
    events: events.slice(0, eventCount),
    stats: { ops: history.length, txns: txns.length, ok, fail, info },
  };
}

/** "T3 (op 12, process 4)"-style name used in explanations. */
export function txnLabel(t: Txn): string {
  return `op ${t.index} (process ${t.process}${t.type === "ok" ? "" : `, ${t.pending ? "never completed" : t.type}`})`;
}
