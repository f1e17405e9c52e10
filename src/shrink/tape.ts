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
 * The tape passes as a step of a larger search: `tryTapes` tries candidates in order and adopts the
 * first that still fails (returning its index, or -1 when none does or the budget is spent), and
 * `best` is the tape currently held. Every candidate is smaller than `best()` in shortlex order.
 *
 * Passes, in order, each over chunk sizes that halve down to 1:
 *  1. the empty tape (every choice at its default);
 *  2. replace a chunk by zeros (a zero is "nothing happens": no fault, no pause, the first option),
 *     which keeps every later choice in its place;
 *  3. delete a chunk (from the end backwards, so earlier choices keep their meaning longest);
 *  4. lower each remaining non-zero entry: to 0, then by halving the distance.
 * Nothing here knows what a choice means, so choices added to the tape later (scheduling points,
 * say) shrink the same way.
 */
export function* tapePasses<Y, R>(
  best: () => readonly number[],
  tryTapes: (tapes: number[][]) => Generator<Y, number, R>,
  exhausted: () => boolean,
  /** Which passes: deletions and zeroings ("structure"), lowering ("values"), or all. */
  which: "structure" | "values" | "all" = "all",
): Generator<Y, boolean, R> {
  let any = false;
  const smaller = (cands: number[][]) => {
    const b = best();
    return cands.map(trimTape).filter((c) => shortlexLess(c, b));
  };
  if (which !== "values" && best().length > 0 && (yield* tryTapes([[]])) >= 0) return true;

  // Zeroings, then deletions: at each chunk size, all chunks are offered at once, in order; after
  // a success the sweep goes on from where it was.
  for (const mode of which === "values" ? [] : (["zero", "delete"] as const)) {
    for (const k of chunkSizes(best().length)) {
      let pos = mode === "delete" ? best().length - k : 0;
      for (;;) {
        if (exhausted()) return any;
        const b = best();
        const starts: number[] = [];
        if (mode === "delete") for (let i = Math.min(pos, b.length - k); i >= 0; i -= k) starts.push(i);
        else
          for (let i = pos; i + k <= b.length; i += k) {
            let allZero = true;
            for (let j = i; j < i + k; j++) if (b[j] !== 0) allZero = false;
            if (!allZero) starts.push(i);
          }
        const cands = starts.map((i) => {
          if (mode === "delete") return [...b.slice(0, i), ...b.slice(i + k)];
          const c = b.slice();
          c.fill(0, i, i + k);
          return c;
        });
        const kept = cands.map((c, i) => ({ c: trimTape(c), i })).filter(({ c }) => shortlexLess(c, b));
        if (kept.length === 0) break;
        const hit = yield* tryTapes(kept.map((x) => x.c));
        if (hit < 0) break;
        any = true;
        const at = starts[kept[hit]!.i]!;
        pos = mode === "delete" ? at - k : at + k;
        if (pos < 0) break;
      }
    }
  }

  // Lowering: per entry, 0 first, then a binary search between 0 and the current value.
  for (let i = 0; which !== "structure" && i < best().length && !exhausted(); i++) {
    let lo = 0;
    let hi = best()[i]!;
    if (hi === 0) continue;
    const withValue = (x: number) => {
      const c = best().slice();
      c[i] = x;
      return c;
    };
    const zero = smaller([withValue(0)]);
    if (zero.length > 0 && (yield* tryTapes(zero)) >= 0) {
      any = true;
      continue;
    }
    while (hi - lo > 1 && !exhausted() && i < best().length && best()[i] === hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const c = smaller([withValue(mid)]);
      if (c.length > 0 && (yield* tryTapes(c)) >= 0) {
        any = true;
        hi = mid;
      } else lo = mid;
    }
  }
  return any;
}

function chunkSizes(len: number): number[] {
  const sizes: number[] = [];
  let k = 1;
  while (k * 2 <= len) k *= 2;
  for (; k >= 1; k = Math.floor(k / 2)) sizes.push(k);
  return sizes;
}

/**
 * Minimizes `initial` (assumed to pass `test`) with the tape passes alone, until none makes
 * progress or the budget runs out.
 */
export function shrinkTape(
  initial: readonly number[],
  test: (tape: number[]) => TestOutcome,
  attempts: Attempts,
): TapeShrinkResult {
  const start = trimTape(initial);
  let best = start;
  const seen = new Set<string>([tapeKey(best)]);
  // biome-ignore lint/correctness/useYield: it runs its tests in place; tapePasses takes the generator form
  function* tryTapes(tapes: number[][]): Generator<never, number, unknown> {
    for (let i = 0; i < tapes.length; i++) {
      const cand = trimTape(tapes[i]!);
      if (!shortlexLess(cand, best)) continue;
      const key = tapeKey(cand);
      if (seen.has(key)) continue;
      if (!attempts.take()) return -1;
      seen.add(key);
      const r = test(cand);
      if (!r.ok) continue;
      const used = r.tape ? trimTape(r.tape) : cand;
      best = shortlexLess(used, cand) ? used : cand;
      seen.add(tapeKey(best));
      return i;
    }
    return -1;
  }
  for (;;) {
    if (attempts.exhausted) break;
    const pass = tapePasses(
      () => best,
      tryTapes,
      () => attempts.exhausted,
    );
    let step = pass.next();
    while (!step.done) step = pass.next();
    if (!step.value) break;
  }
  return { tape: best, improved: shortlexLess(best, start) };
}
