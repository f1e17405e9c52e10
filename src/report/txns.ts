/**
 * Pairs a history's invokes with their completions. A transaction is named everywhere by one op
 * number, as Jepsen's Elle and the checker name it: the history index of its completion, or of its
 * invocation while it never completed (`opNumber`). Either index still finds it (`byIndex`), since
 * older results may cite the invocation.
 */
import type { Op } from "../check/history.ts";

export interface Txn {
  invoke: Op;
  /** Absent for an op still pending when the history ended. */
  complete?: Op;
  process: number | "nemesis";
  status: "ok" | "fail" | "info" | "pending";
}

export interface PairedHistory {
  txns: Txn[];
  byIndex: Map<number, Txn>;
}

export function pairHistory(history: readonly Op[]): PairedHistory {
  const txns: Txn[] = [];
  const byIndex = new Map<number, Txn>();
  const open = new Map<number | string, Txn>();
  for (const op of history) {
    if (op.type === "invoke") {
      const t: Txn = { invoke: op, process: op.process, status: "pending" };
      // A process invoking again without completing is malformed input; keep the old one as pending.
      open.set(op.process, t);
      txns.push(t);
      byIndex.set(op.index, t);
      continue;
    }
    const pending = open.get(op.process);
    if (pending) {
      open.delete(op.process);
      pending.complete = op;
      pending.status = op.type;
      byIndex.set(op.index, pending);
    } else {
      // A completion with no invoke: nemesis faults are written this way (README).
      const t: Txn = { invoke: op, complete: op, process: op.process, status: op.type };
      txns.push(t);
      byIndex.set(op.index, t);
    }
  }
  return { txns, byIndex };
}

/** The number that names a transaction in reports, explanations, JSON and the console. */
export function opNumber(t: Txn): number {
  return (t.complete ?? t.invoke).index;
}

/** The op number of whatever transaction a cited history index belongs to (the index if none). */
export function opNumberOf(paired: PairedHistory, ref: number): number {
  const t = paired.byIndex.get(ref);
  return t ? opNumber(t) : ref;
}
