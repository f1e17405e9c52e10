/**
 * Records the Jepsen-style history of a run: one op per invoke and per completion, in the order
 * they happen in simulated time (which is the real-time order the checker uses).
 */
import { createHash } from "node:crypto";
import type { History, MicroOp, Op, OpType } from "../check/history.ts";

export class HistoryRecorder {
  readonly ops: History = [];
  /** Set once `onOp` asked to stop. */
  stopped = false;

  constructor(private readonly onOp?: (op: Op) => boolean) {}

  invoke(process: number, mops: MicroOp[], timeUs: number): Op {
    return this.push({
      index: this.ops.length,
      type: "invoke",
      process,
      f: "txn",
      value: mops,
      time: timeUs * 1000,
    });
  }

  complete(
    process: number,
    type: Exclude<OpType, "invoke">,
    mops: MicroOp[],
    timeUs: number,
    error?: string,
  ): Op {
    const op: Op = { index: this.ops.length, type, process, f: "txn", value: mops, time: timeUs * 1000 };
    if (error !== undefined) op.error = error;
    return this.push(op);
  }

  nemesis(f: string, value: unknown, timeUs: number): Op {
    return this.push({
      index: this.ops.length,
      type: "info",
      process: "nemesis",
      f,
      value,
      time: timeUs * 1000,
    });
  }

  /** Appends `op`, built with its index first (the key order every serialized history shows). */
  private push(op: Op): Op {
    this.ops.push(op);
    if (this.onOp?.(op)) this.stopped = true;
    return op;
  }
}

/** The canonical hash of a history: same inputs ⇒ same hash, in any process on any machine. */
export function historyHash(history: History): string {
  const h = createHash("sha256");
  // The same bytes as one update per op, fed in chunks: two hash calls per op were a visible
  // share of a short run.
  let chunk = "";
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    chunk += `${JSON.stringify([op.index, op.type, op.process, op.f, op.value, op.time ?? null, op.error ?? null])}\n`;
    if (chunk.length > 65536) {
      h.update(chunk);
      chunk = "";
    }
  }
  if (chunk.length > 0) h.update(chunk);
  return h.digest("hex").slice(0, 32);
}
