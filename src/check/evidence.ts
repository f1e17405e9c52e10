/**
 * Helpers shared by the queue and hash inference: where a transaction can take effect in real
 * time, the quiet windows between writes, and the reasons kept for the edges they add.
 *
 * Real time is the position of ops in the history (never `:time`). A committed transaction took
 * effect between its invocation and its completion; an `info` or never-completed one may take
 * effect at any point after its invocation, even after the client gave up on it (a proposal that
 * commits after a timeout), so its span never ends. Failed transactions have no effect at all.
 */
import type { EdgeReason } from "./datatype.ts";
import { type EdgeList, RW, RW_REALTIME, WR, WW } from "./graph.ts";
import type { Txn } from "./txn.ts";

/** The last position at which `t` may take effect: its completion if it committed, else never bounded. */
export function doneAt(t: Txn): number {
  return t.type === "ok" ? t.completePos : Number.POSITIVE_INFINITY;
}

/** Whether committed `a` completed before `b` was invoked, so `a` took effect first in real time. */
export function precedes(a: Txn, b: Txn): boolean {
  return a.type === "ok" && b.invokePos >= 0 && a.completePos < b.invokePos;
}

/**
 * The union of the spans of some writing transactions, to find quiet windows: two observations
 * made inside one gap between spans saw the same state, because nothing that writes can have
 * taken effect from the first's invocation to the second's completion.
 */
export class Coverage {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  /**
   * `end` may bound a writer's span earlier than its completion, when something shows it had taken
   * effect by then (an observation of what it wrote that completed first).
   */
  constructor(txns: Iterable<Txn>, end: (t: Txn) => number = doneAt) {
    const spans: [number, number][] = [];
    for (const t of txns) if (t.type !== "fail") spans.push([t.invokePos, end(t)]);
    spans.sort((a, b) => a[0] - b[0]);
    for (const [s, e] of spans) {
      const n = this.ends.length;
      if (n > 0 && s <= this.ends[n - 1]) {
        if (e > this.ends[n - 1]) this.ends[n - 1] = e;
      } else {
        this.starts.push(s);
        this.ends.push(e);
      }
    }
  }

  /**
   * The gap holding positions [from, to] entirely (numbered by the span that follows it), or -1
   * when some writer may take effect inside.
   */
  gap(from: number, to: number): number {
    // First span ending at or after `from`.
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.starts.length && this.starts[lo] <= to) return -1;
    return lo;
  }

  /** The gap a committed transaction ran in, or -1. */
  gapOf(t: Txn): number {
    if (t.type !== "ok") return -1;
    return this.gap(t.invokePos, t.completePos);
  }
}

const KIND_SLOT: Record<number, number> = { [WW]: 0, [WR]: 1, [RW]: 2, [RW_REALTIME]: 3 };

/**
 * Adds data edges to the shared graph once per (from, to, kind), keeping the first reason given
 * so that a cycle through the edge can be explained later.
 */
export class EdgeReasons {
  private readonly reasons = new Map<number, EdgeReason>();

  constructor(
    private readonly edges: EdgeList,
    private readonly n: number,
  ) {}

  add(a: Txn, b: Txn, kind: number, reason: () => EdgeReason): void {
    if (a.id === b.id) return;
    const code = (a.id * this.n + b.id) * 4 + KIND_SLOT[kind];
    if (this.reasons.has(code)) return;
    this.reasons.set(code, reason());
    this.edges.add(a.id, b.id, kind);
  }

  get(a: Txn, b: Txn, kind: number): EdgeReason | undefined {
    const slot = KIND_SLOT[kind];
    if (slot === undefined) return undefined;
    return this.reasons.get((a.id * this.n + b.id) * 4 + slot);
  }
}

/** Keeps one item per string id (first wins). */
export class Once {
  private readonly seen = new Set<string>();
  first(...parts: unknown[]): boolean {
    const id = parts.map((p) => `${typeof p}:${String(p)}`).join("\u0000");
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    return true;
  }
}

/**
 * Among committed items, the one that completed first of those invoked after a given position:
 * the earliest moment by which one of them had certainly taken effect.
 */
export class EarliestAfter<T extends { t: Txn }> {
  private readonly items: T[];
  private readonly best: T[];

  constructor(items: Iterable<T>) {
    this.items = [...items].filter((i) => i.t.type === "ok").sort((a, b) => a.t.invokePos - b.t.invokePos);
    const n = this.items.length;
    this.best = new Array<T>(n);
    for (let i = n - 1; i >= 0; i--)
      this.best[i] =
        i + 1 < n && this.best[i + 1].t.completePos < this.items[i].t.completePos
          ? this.best[i + 1]
          : this.items[i];
  }

  get size(): number {
    return this.items.length;
  }

  /** The first to complete among those invoked after `pos`, if any. */
  after(pos: number): T | undefined {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid].t.invokePos <= pos) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.items.length ? this.best[lo] : undefined;
  }
}
