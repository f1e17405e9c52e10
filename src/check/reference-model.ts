/**
 * A serial reference execution of Redis lists and hashes, for property tests of the checker: each
 * transaction runs atomically against a correct store and records the replies a correct system
 * gives (README), with elements and field values unique per key. `toHistory` then lays the
 * transactions out in real time around their serial order — one after another, or overlapping
 * with failed, indeterminate and never-completed ones — so the history is linearizable by
 * construction and the checker must find nothing in it.
 */
import { asInvoked } from "./build.ts";
import type { History, MicroOp, MopValue, Op } from "./history.ts";

export type RefKind =
  | "rpush"
  | "lpush"
  | "lpop"
  | "rpop"
  | "lrange"
  | "llen"
  | "del"
  | "exists"
  | "hset"
  | "hdel"
  | "hget"
  | "hgetall"
  | "hlen";

export const LIST_KINDS: readonly RefKind[] = [
  "rpush",
  "lpush",
  "lpop",
  "rpop",
  "lrange",
  "llen",
  "del",
  "exists",
];
export const HASH_KINDS: readonly RefKind[] = ["hset", "hdel", "hget", "hgetall", "hlen", "del", "exists"];

export interface RefMop {
  kind: RefKind;
  key: string;
  field?: string;
}

/** How a transaction ends: committed, failed (no effect), or indeterminate (`applied` says whether it took effect). */
export type Outcome = "ok" | "fail" | "info" | "pending";

export interface RefTxn {
  mops: RefMop[];
  outcome: Outcome;
  applied: boolean;
}

/** A correct store: lists and hashes, as Redis keeps them (an empty collection does not exist). */
export class RefStore {
  readonly lists = new Map<string, number[]>();
  readonly hashes = new Map<string, Map<string, number>>();
  private readonly next = new Map<string, number>();

  value(key: string): number {
    const v = (this.next.get(key) ?? 0) + 1;
    this.next.set(key, v);
    return v;
  }

  clone(): RefStore {
    const c = new RefStore();
    for (const [k, l] of this.lists) c.lists.set(k, [...l]);
    for (const [k, h] of this.hashes) c.hashes.set(k, new Map(h));
    for (const [k, n] of this.next) c.next.set(k, n);
    return c;
  }

  private list(key: string): number[] {
    let l = this.lists.get(key);
    if (l === undefined) {
      l = [];
      this.lists.set(key, l);
    }
    return l;
  }

  private hash(key: string): Map<string, number> {
    let h = this.hashes.get(key);
    if (h === undefined) {
      h = new Map();
      this.hashes.set(key, h);
    }
    return h;
  }

  private exists(key: string): boolean {
    return (this.lists.get(key)?.length ?? 0) > 0 || (this.hashes.get(key)?.size ?? 0) > 0;
  }

  /** Runs one micro-op and returns it with the correct reply. */
  apply(m: RefMop): MicroOp {
    const k = m.key;
    const f = m.field ?? "f0";
    switch (m.kind) {
      case "rpush": {
        const v = this.value(k);
        this.list(k).push(v);
        return ["append", k, v];
      }
      case "lpush": {
        const v = this.value(k);
        this.list(k).unshift(v);
        return ["lpush", k, v];
      }
      case "lpop":
        return ["pop", k, this.list(k).shift() ?? null];
      case "rpop":
        return ["rpop", k, this.list(k).pop() ?? null];
      case "lrange":
        return ["r", k, [...this.list(k)]];
      case "llen":
        return ["len", k, this.list(k).length];
      case "del": {
        const n = this.exists(k) ? 1 : 0;
        this.lists.delete(k);
        this.hashes.delete(k);
        return ["del", k, n];
      }
      case "exists":
        return ["exists", k, this.exists(k) ? 1 : 0];
      case "hset": {
        const v = this.value(k);
        const h = this.hash(k);
        const isNew = !h.has(f);
        h.set(f, v);
        return ["hset", k, [f, v, isNew]];
      }
      case "hdel":
        return ["hdel", k, [f, this.hash(k).delete(f)]];
      case "hget":
        return ["hget", k, [f, this.hash(k).get(f) ?? null]];
      case "hgetall":
        return ["hgetall", k, Object.fromEntries(this.hash(k)) as { [field: string]: MopValue }];
      case "hlen":
        return ["hlen", k, this.hash(k).size];
    }
  }

  /** Runs a transaction atomically; the store changes only if `commit`. */
  run(mops: readonly RefMop[], commit: boolean): MicroOp[] {
    const s = commit ? this : this.clone();
    const out = mops.map((m) => s.apply(m));
    // Values handed out stay unique even when the transaction has no effect.
    if (!commit) for (const [k, n] of s.next) this.next.set(k, Math.max(this.next.get(k) ?? 0, n));
    return out;
  }
}

export interface Layout {
  /** Real-time spread: 0 runs transactions one after another; larger values overlap them. */
  spread: number;
  /** Random integers in [0, n), from the caller's seeded source. */
  rand(n: number): number;
}

/** A transaction executed against the store, with its position in the serial order. */
export interface Executed {
  txn: RefTxn;
  mops: MicroOp[];
  /** Serial position (linearization point) of an applied transaction; NaN otherwise. */
  at: number;
}

/** Executes the transactions in order; those that take effect do so in this order. */
export function execute(txns: readonly RefTxn[], store = new RefStore()): Executed[] {
  return txns.map((txn, i) => {
    const applied =
      txn.outcome === "ok" || ((txn.outcome === "info" || txn.outcome === "pending") && txn.applied);
    return { txn, mops: store.run(txn.mops, applied), at: applied ? i : Number.NaN };
  });
}

/**
 * A history of the executed transactions, each in its own process: every applied transaction's
 * invocation precedes its serial point and its completion (if committed) follows it; indeterminate
 * ones may complete before they take effect, as a timed-out request may still be applied later.
 */
export function toHistory(executed: readonly Executed[], layout: Layout): History {
  const events: { time: number; seq: number; op: Omit<Op, "index"> }[] = [];
  const step = 4 * (layout.spread + 1);
  executed.forEach((e, i) => {
    const point = i * step + step / 2;
    const w = layout.spread * 4;
    const inv = layout.spread === 0 ? point - 1 : point - 1 - layout.rand(w);
    const late = layout.spread === 0 ? point + 1 : point + 1 + layout.rand(w);
    const process = i;
    const invoked = asInvoked(e.mops);
    events.push({ time: inv, seq: events.length, op: { type: "invoke", process, f: "txn", value: invoked } });
    const o = e.txn.outcome;
    if (o === "pending") return;
    // An indeterminate or failed txn may be reported at any time after its invocation.
    const done = o === "ok" ? late : layout.spread === 0 ? late : inv + 1 + layout.rand(2 * w + 2);
    events.push({
      time: done,
      seq: events.length,
      op:
        o === "ok"
          ? { type: "ok", process, f: "txn", value: e.mops }
          : { type: o, process, f: "txn", value: invoked },
    });
  });
  events.sort((a, b) => a.time - b.time || a.seq - b.seq);
  return events.map((e, index) => ({ index, time: e.time * 1000, ...e.op }) as Op);
}

/** Convenience: one committed single-op transaction per micro-op, one after another. */
export function serialSingles(mops: readonly RefMop[], store = new RefStore()): History {
  const executed = execute(
    mops.map((m) => ({ mops: [m], outcome: "ok" as const, applied: true })),
    store,
  );
  return toHistory(executed, { spread: 0, rand: () => 0 });
}
