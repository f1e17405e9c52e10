/**
 * The progress oracle: a history checker cannot see a store that refuses work, since a failed op
 * has no effect. So, from the history alone, find the client ops that ran while no fault was
 * active (nor had just been active) and require that they eventually succeed: a streak of
 * definite failures of one kind of op (writes, or reads) in fault-free time, with no success of
 * that kind in between, longer than a bound is a `liveness:progress` failure naming those ops.
 *
 * Fault windows come from the nemesis ops: a fault `f` lasts until a later `stop-f` (or a
 * `heal-all`); a fault that is never stopped is instantaneous. Ops with an unknown outcome (info)
 * neither break nor extend a streak.
 */
import type { History, MicroOp, Op } from "./history.ts";

export interface ProgressBound {
  /** Longest tolerated streak of fault-free definite failures of one kind. */
  maxFailStreak: number;
  /** An op invoked sooner than this after a fault event (start or stop) is not fault-free (ms). */
  settleMs: number;
  /**
   * A streak counts only once it lasts this long (first to last failure, ms): a store that refuses
   * a burst of writes and serves the next ones a moment later is pushing back, not stuck.
   */
  minSpanMs: number;
}

/**
 * Chosen from measurement (docs/model.md, "The progress oracle"): on `fixed`, with BUGGIFY, the
 * longest fault-free streak stayed at 5 or below once ops soon after a fault are left out — with
 * 500 ms, a node still deposed after a partition failed 10 writes in a row with NOTLEADER. The
 * settle time covers a whole election: Raft randomizes the timeout up to twice the production
 * election timeout (2 s), so a leader that crashed for 0.4 s may be replaced up to 4 s after the
 * crash, and clients with a 0.5 s deadline meanwhile fail fast with "no leader known" (`hash` and
 * `queue` seed 1775 at aaaf7b0 did, 24 and 32 times, with a settle time of 2 s).
 * The span: with stress pages BUGGIFY draws, the store refuses writes ("compaction required")
 * until the compactor has folded the key, which took ~115 ms for 9 refusals (`list-append` seed
 * 262 with keyed draws); a store that refuses every write gives streaks of 0.8–4 s on about half the seeds.
 */
export const DEFAULT_PROGRESS_BOUND: Readonly<ProgressBound> = Object.freeze({
  maxFailStreak: 8,
  settleMs: 4_500,
  minSpanMs: 500,
});

export interface ProgressFailure {
  kind: "write" | "read";
  /** History indices of the completions of the failing streak, in order. */
  ops: number[];
  message: string;
}

const WRITES = new Set(["append", "lpush", "pop", "rpop", "hset", "hdel", "del"]);

function kindOf(mops: MicroOp[]): "write" | "read" {
  return mops.some(([f]) => WRITES.has(String(f))) ? "write" : "read";
}

/** First to last failure of a streak, in ms of the history's time. */
export function streakSpanMs(streak: readonly Op[]): number {
  if (streak.length === 0) return 0;
  return ((streak[streak.length - 1]!.time ?? 0) - (streak[0]!.time ?? 0)) / 1e6;
}

/**
 * The longest fault-free streak of definite failures, per kind of op (history indices); with
 * `counts`, the longest among the streaks it accepts.
 */
export function longestFailStreaks(
  history: History,
  settleMs: number,
  counts: (streak: readonly Op[]) => boolean = () => true,
): Record<"write" | "read", Op[]> {
  const settleNs = settleMs * 1e6;
  const active = new Set<string>();
  const stopped = new Set<string>();
  for (const op of history)
    if (op.process === "nemesis" && op.f.startsWith("stop-")) stopped.add(op.f.slice(5));
  let lastFaultNs = Number.NEGATIVE_INFINITY;
  // Per open invocation: whether it started in fault-free time and no fault event came while it ran.
  const open = new Map<number, { clean: boolean }>();
  const streak: Record<"write" | "read", Op[]> = { write: [], read: [] };
  const longest: Record<"write" | "read", Op[]> = { write: [], read: [] };
  for (const op of history) {
    const t = op.time ?? 0;
    if (op.process === "nemesis") {
      lastFaultNs = t;
      if (op.f === "heal-all") active.clear();
      else if (op.f.startsWith("stop-")) active.delete(op.f.slice(5));
      else if (stopped.has(op.f)) active.add(op.f);
      for (const o of open.values()) o.clean = false;
      continue;
    }
    if (op.type === "invoke") {
      open.set(op.process as number, { clean: active.size === 0 && t - lastFaultNs >= settleNs });
      continue;
    }
    const o = open.get(op.process as number);
    open.delete(op.process as number);
    if (!o?.clean || op.type === "info") continue;
    const kind = kindOf((op.value as MicroOp[]) ?? []);
    if (op.type === "ok") {
      streak[kind] = [];
      continue;
    }
    streak[kind].push(op);
    if (streak[kind].length > longest[kind].length && counts(streak[kind]))
      longest[kind] = streak[kind].slice();
  }
  return longest;
}

/** A failure per kind of op whose longest fault-free failure streak exceeds the bound. */
export function checkProgress(
  history: History,
  bound: ProgressBound = DEFAULT_PROGRESS_BOUND,
): ProgressFailure[] {
  const longest = longestFailStreaks(history, bound.settleMs, (st) => streakSpanMs(st) >= bound.minSpanMs);
  const out: ProgressFailure[] = [];
  for (const kind of ["write", "read"] as const) {
    const ops = longest[kind];
    if (ops.length <= bound.maxFailStreak) continue;
    const errors = [...new Set(ops.map((x) => x.error ?? "fail"))].slice(0, 3).join("; ");
    const idx = ops.map((x) => x.index);
    const shown = idx.slice(0, 8).join(", ") + (idx.length > 8 ? `, … (${idx.length} in all)` : "");
    out.push({
      kind,
      ops: idx,
      message: `${idx.length} ${kind} ops in a row failed with definite errors over ${Math.round(streakSpanMs(ops))} ms while no fault was active (bound ${bound.maxFailStreak} over at least ${bound.minSpanMs} ms, counting from ${bound.settleMs} ms after any fault): ops ${shown}; errors: ${errors}`,
    });
  }
  return out;
}
