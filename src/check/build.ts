/**
 * A small builder for histories written by hand (tests, examples, fixtures in code): ops get
 * consecutive indices and times, and invocations carry nil read values as Jepsen records them.
 */
import type { History, Key, MicroOp, MopValue, Op, OpType } from "./history.ts";

export const append = (k: Key, v: number): MicroOp => ["append", k, v];
export const read = (k: Key, v: MopValue = null): MicroOp => ["r", k, v];

/** Micro-ops whose whole value is a result, unknown when invoked (README). */
const RESULTS = new Set(["r", "pop", "rpop", "len", "del", "exists", "hgetall", "hlen"]);

/** The invocation form of micro-ops: values that are results (reads, pops, counts, reply flags) become nil. */
export function asInvoked(mops: readonly MicroOp[]): MicroOp[] {
  return mops.map(([f, k, v]) => {
    if (RESULTS.has(f)) return [f, k, null] as MicroOp;
    // hset [field value new?], hdel [field removed?], hget [field value]: the last part is the reply.
    if (f === "hset" && Array.isArray(v)) return [f, k, [v[0], v[1], null]] as MicroOp;
    if ((f === "hdel" || f === "hget") && Array.isArray(v)) return [f, k, [v[0], null]] as MicroOp;
    return [f, k, v] as MicroOp;
  });
}

export class HistoryBuilder {
  readonly ops: Op[] = [];

  private push(type: OpType, process: number | "nemesis", f: string, value: unknown, error?: string): this {
    const op: Op = { index: this.ops.length, type, process, f, value, time: this.ops.length * 1000 };
    if (error !== undefined) op.error = error;
    this.ops.push(op);
    return this;
  }

  invoke(process: number, mops: readonly MicroOp[]): this {
    return this.push("invoke", process, "txn", asInvoked(mops));
  }

  ok(process: number, mops: readonly MicroOp[]): this {
    return this.push(
      "ok",
      process,
      "txn",
      mops.map((m) => [...m]),
    );
  }

  fail(process: number, mops: readonly MicroOp[], error = "aborted"): this {
    return this.push("fail", process, "txn", asInvoked(mops), error);
  }

  info(process: number, mops: readonly MicroOp[], error = "timeout"): this {
    return this.push("info", process, "txn", asInvoked(mops), error);
  }

  /** Invocation immediately followed by its completion. */
  txn(process: number, mops: readonly MicroOp[], type: Exclude<OpType, "invoke"> = "ok"): this {
    this.invoke(process, mops);
    if (type === "ok") return this.ok(process, mops);
    if (type === "fail") return this.fail(process, mops);
    return this.info(process, mops);
  }

  nemesis(f: string, value: unknown = null): this {
    return this.push("info", "nemesis", f, value);
  }

  build(): History {
    return this.ops;
  }
}
