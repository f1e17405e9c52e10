/**
 * Choice-tape minimization, the way Hypothesis and fast-check shrink: a failing run is replayed
 * from smaller and smaller tapes, and a change is kept only when the run still fails the same way.
 *
 * "Smaller" is shortlex order (shorter first, then lexicographically lower), because the engine's
 * convention is that lower choices are simpler (0 = no fault, minimum delay, first option) and a
 * tape that runs out yields 0. Trailing zeros therefore never change a run and are always dropped.
 *
 * This file is part of the deterministic core: it never looks at a clock. The caller passes a
 * `budget` callback (the edge checks wall time there) and an attempt cap; the sequence of
 * candidates tried depends only on the tape and on the test's answers.
 */

/** What one test of a candidate says. */
export interface TestOutcome {
  /** The candidate still shows the failure being minimized. */
  ok: boolean;
  /**
   * The tape the run actually consumed (choices read, clamped into range). It replays the same
   * run as the candidate and is often shorter, so the shrinker adopts it when it is smaller.
   */
  tape?: readonly number[];
}

export interface ShrinkLimits {
  /** Called before every attempt; returning false ends the search (e.g. a wall-clock deadline). */
  budget?: () => boolean;
  /** At most this many test runs (default unlimited). */
  maxAttempts?: number;
}

/** Counts attempts and remembers when the budget ran out, so every pass stops at once. */
export class Attempts {
  count = 0;
  exhausted = false;
  constructor(private readonly limits: ShrinkLimits = {}) {}

  /** Reserves one attempt; false once the budget is spent. */
  take(): boolean {
    if (this.exhausted) return false;
    const max = this.limits.maxAttempts ?? Number.POSITIVE_INFINITY;
    if (this.count >= max || (this.limits.budget !== undefined && !this.limits.budget())) {
      this.exhausted = true;
      return false;
    }
    this.count++;
    return true;
  }
}

/** Drops trailing zeros: a tape that runs out yields 0, so they never change a run. */
export function trimTape(tape: readonly number[]): number[] {
  let n = tape.length;
  while (n > 0 && !(tape[n - 1]! > 0)) n--;
  const out = tape.slice(0, n) as number[];
  // Tapes are non-negative integers by contract; normalise anything else the way the engine reads it.
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (!(v > 0)) out[i] = 0;
    else if (!Number.isInteger(v)) out[i] = Number.isFinite(v) ? Math.floor(v) : Number.MAX_SAFE_INTEGER;
  }
  return out;
}

/** Shortlex order: a shorter tape is smaller; equal lengths compare entry by entry. */
export function shortlexLess(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return a.length < b.length;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]!;
  }
  return false;
}

/** A 64-bit-ish fingerprint of a tape, to skip candidates already tried without keeping them all. */
export function tapeKey(tape: readonly number[]): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x9e3779b9;
  for (const v of tape) {
    const lo = (v % 4294967296) | 0;
    const hi = Math.floor(v / 4294967296) | 0;
    h1 = Math.imul(h1 ^ lo, 16777619);
    h1 = Math.imul(h1 ^ hi, 16777619);
    h2 = Math.imul(h2 ^ (lo + 0x7f4a7c15), 0x85ebca6b);
    h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  }
  return `${tape.length}:${(h1 >>> 0).toString(36)}:${(h2 >>> 0).toString(36)}`;
}

export interface TapeShrinkResult {
  tape: number[];
  /** Whether anything smaller than the input was found. */
  improved: boolean;
}

/**
 * Minimizes `initial` (assumed to pass `test`) until no single pass makes progress or the budget
 * runs out. Passes, in order, each over chunk sizes that halve down to 1:
 *  1. delete a chunk (from the end backwards, so earlier choices keep their meaning longest);
 *  2. replace a chunk by zeros;
 *  3. lower each remaining non-zero entry by binary search.
 */
export function shrinkTape(
  initial: readonly number[],
  test: (tape: number[]) => TestOutcome,
  attempts: Attempts,
): TapeShrinkResult {
  const start = trimTape(initial);
  let best = start;
  const seen = new Set<string>([tapeKey(best)]);

  const attempt = (raw: readonly number[]): boolean => {
    const cand = trimTape(raw);
    if (!shortlexLess(cand, best)) return false;
    const key = tapeKey(cand);
    if (seen.has(key)) return false;
    if (!attempts.take()) return false;
    seen.add(key);
    const r = test(cand);
    if (!r.ok) return false;
    const used = r.tape ? trimTape(r.tape) : cand;
    best = shortlexLess(used, cand) ? used : cand;
    seen.add(tapeKey(best));
    return true;
  };

  let progress = true;
  while (progress && !attempts.exhausted) {
    progress = false;
    // The simplest tape of all first: every choice at its default.
    if (best.length > 0 && attempt([])) progress = true;
    if (deleteChunks()) progress = true;
    if (zeroChunks()) progress = true;
    if (lowerEntries()) progress = true;
  }
  return { tape: best, improved: shortlexLess(best, start) };

  function chunkSizes(len: number): number[] {
    const sizes: number[] = [];
    let k = 1;
    while (k * 2 <= len) k *= 2;
    for (; k >= 1; k = Math.floor(k / 2)) sizes.push(k);
    return sizes;
  }

  function deleteChunks(): boolean {
    let any = false;
    for (const k of chunkSizes(best.length)) {
      for (let i = best.length - k; i >= 0 && !attempts.exhausted; i -= k) {
        if (i + k > best.length) continue;
        if (attempt([...best.slice(0, i), ...best.slice(i + k)])) any = true;
      }
    }
    return any;
  }

  function zeroChunks(): boolean {
    let any = false;
    for (const k of chunkSizes(best.length)) {
      for (let i = 0; i + k <= best.length && !attempts.exhausted; i += k) {
        let allZero = true;
        for (let j = i; j < i + k; j++) if (best[j] !== 0) allZero = false;
        if (allZero) continue;
        const cand = best.slice();
        cand.fill(0, i, i + k);
        if (attempt(cand)) any = true;
      }
    }
    return any;
  }

  function lowerEntries(): boolean {
    let any = false;
    for (let i = 0; i < best.length && !attempts.exhausted; i++) {
      const v = best[i]!;
      if (v === 0) continue;
      // Invariant: `hi` passes (it is the current value); `lo` is not known to pass.
      let lo = 0;
      let hi = v;
      const withValue = (x: number) => {
        const c = best.slice();
        c[i] = x;
        return c;
      };
      if (attempt(withValue(0))) {
        any = true;
        continue;
      }
      while (hi - lo > 1 && !attempts.exhausted && i < best.length && best[i] === hi) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (attempt(withValue(mid))) {
          any = true;
          hi = mid;
        } else lo = mid;
      }
    }
    return any;
  }
}
