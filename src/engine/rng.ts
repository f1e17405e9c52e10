/**
 * Seeded random streams and the choice tape.
 *
 * Every random decision in a run goes through `Stream`, which both makes the choice and records it
 * as a non-negative integer on the source's tape. A run driven by `{ seed }` derives one
 * seedrandom generator per stream name, so adding a stream (say, one more client) never changes
 * the draws of the others. A run driven by `{ tape }` reads every choice from that one tape in
 * global call order instead; once the tape runs out every choice is 0.
 *
 * Shrinking relies on one convention: choices are integers and **lower is simpler** — 0 means
 * "no fault", "minimum delay", "first option", "false". A shrinker deletes and lowers tape
 * entries and replays; any integer sequence is a valid tape (values are clamped into range).
 */
import seedrandom from "seedrandom";

/** Recorded choices, non-negative integers, in global call order. */
export type Tape = number[];

const TWO32 = 4294967296;
const TAPE_CHUNK_BITS = 12;
const TAPE_CHUNK = 1 << TAPE_CHUNK_BITS;

export interface Stream {
  /** The name this stream was derived from. */
  readonly name: string;
  /** Uniform integer in [0, n); n is a positive integer. The recorded choice is this integer. */
  int(n: number): number;
  /** Integer in [lo, hi] (bounds rounded to integers); choice 0 gives lo. */
  range(lo: number, hi: number): number;
  /**
   * True with probability p. Records 1 for true and 0 for false, so a choice of 0 always means
   * false for 0 < p < 1. p <= 0 is always false and p >= 1 always true (still one recorded
   * choice, so the tape keeps the same shape whatever p is).
   */
  chance(p: number): boolean;
  /** A float in [0, 1), recorded as an integer in [0, 2^32). */
  float(): number;
  /** One element of a non-empty array; choice 0 gives xs[0]. */
  pick<T>(xs: readonly T[]): T;
  /**
   * Shuffles in place and returns xs. Records xs.length - 1 choices; all-zero choices leave the
   * array as it was (the simplest permutation is the identity).
   */
  shuffle<T>(xs: T[]): T[];
}

export type RandomSourceOptions = ({ seed: number } | { tape: Tape }) & {
  /**
   * Record choices on `tape` (default true). Long fuzz runs that will never be shrunk may turn it
   * off to save memory; replay from a seed is still exact.
   */
  record?: boolean;
};

export class RandomSource {
  readonly seed: number | undefined;
  /** The tape being replayed, or undefined when running from a seed. */
  readonly input: readonly number[] | undefined;
  private cursor = 0;
  private readonly record: boolean;
  // Choices are kept in Float64Array chunks: with a plain array, recording took about 28% of
  // bench/engine.ts's profile. `tape` converts to an array lazily. Fixed-size chunks rather than
  // one array grown by doubling: a run records tens of thousands of choices, and the doubling
  // copied them over and over into ever larger arrays, the largest too big for the young
  // generation.
  private chunks: Float64Array[] = [];
  private chunk = new Float64Array(TAPE_CHUNK);
  private at = 0;
  private len = 0;
  private view: Tape = [];
  private readonly streams = new Map<string, Stream>();

  constructor(opts: RandomSourceOptions) {
    this.record = opts.record ?? true;
    if ("tape" in opts && opts.tape !== undefined) {
      this.seed = undefined;
      this.input = opts.tape.slice();
    } else {
      const seed = (opts as { seed: number }).seed;
      if (typeof seed !== "number" || !Number.isFinite(seed)) {
        throw new TypeError(`RandomSource: seed must be a finite number, got ${String(seed)}`);
      }
      this.seed = seed;
      this.input = undefined;
    }
  }

  /**
   * The named stream (the same object for the same name). With a seed it is driven by
   * seedrandom(`${seed}/${name}`); with a tape it reads the shared tape.
   */
  stream(name: string): Stream {
    let s = this.streams.get(name);
    if (s === undefined) {
      s =
        this.input === undefined
          ? new SeededStream(name, this, new Arc4(`${this.seed}/${name}`))
          : new TapeStream(name, this);
      this.streams.set(name, s);
    }
    return s;
  }

  /**
   * A stream whose seeded draws are keyed by the simulated instant they are made at (`clock()`):
   * the draws at one instant are those of a generator derived from the seed, the name and that
   * instant, whatever was drawn before. A run that draws less at some instants (a shrink removed
   * an op, and with it its messages) then draws the same everywhere else, where a plain stream
   * would shift every later draw. With a tape it reads the shared tape like any other stream.
   */
  timedStream(name: string, clock: () => number): Stream {
    const key = `@${name}`;
    let s = this.streams.get(key);
    if (s === undefined) {
      s =
        this.input === undefined
          ? TimedStream.fromKey(name, this, new Arc4(`${this.seed}/${name}`), clock)
          : new TapeStream(name, this);
      this.streams.set(key, s);
    }
    return s;
  }

  /**
   * A stream keyed by the instant and by `key`, an opaque name of whoever draws (a task): its
   * seeded draws at one instant come from a generator derived from the seed, the name, the key and
   * that instant, so they do not depend on how many draws other keys made at the same instant
   * (`timedStream` alone keys by the instant, and one draw less early in an instant shifts every
   * later draw of that instant). A new object per call: the caller keeps it for as long as the
   * drawer lives. With a tape it is `timedStream(name)`'s stream, reading the shared tape.
   */
  keyedTimedStream(name: string, clock: () => number, key: string): Stream {
    const parent = this.timedStream(name, clock);
    if (!(parent instanceof TimedStream)) return parent;
    return new TimedStream(name, this, parent.k1, parent.k2 ^ hash32(key), clock);
  }

  /**
   * Every choice made so far, in global call order. The same array is returned each time, extended
   * with the choices made since the last access; do not modify it (copy it to keep a snapshot).
   */
  get tape(): Tape {
    const view = this.view;
    const from = view.length;
    const to = this.len;
    if (from < to) {
      // One resize and indexed stores: a run's tape has hundreds of thousands of choices, and
      // growing the array a push at a time showed in the profile of a whole run.
      view.length = to;
      const chunks = this.chunks;
      for (let i = from; i < to; i++) {
        const k = i >>> TAPE_CHUNK_BITS;
        view[i] = (k < chunks.length ? chunks[k] : this.chunk)[i & (TAPE_CHUNK - 1)];
      }
    }
    return view;
  }

  /** How many choices have been made (equals tape.length while recording). */
  get choices(): number {
    return this.cursor;
  }

  /** @internal Records one choice. */
  note(c: number): void {
    this.cursor++;
    if (this.record) {
      if (this.at === TAPE_CHUNK) {
        this.chunks.push(this.chunk);
        this.chunk = new Float64Array(TAPE_CHUNK);
        this.at = 0;
      }
      this.chunk[this.at++] = c;
      this.len++;
    }
  }

  /** @internal The next tape value (not yet consumed), as a non-negative integer. */
  peek(): number {
    const input = this.input!;
    const v = this.cursor < input.length ? input[this.cursor] : 0;
    return v > 0 ? (v === Number.POSITIVE_INFINITY ? Number.MAX_SAFE_INTEGER : Math.floor(v)) : 0;
  }

  /** @internal Consumes the next tape choice, clamped into [0, n), and records it. */
  read(n: number): number {
    let v = this.peek();
    if (v >= n) v = n - 1;
    this.note(v);
    return v;
  }
}

function checkN(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`Stream.int: n must be a positive safe integer, got ${n}`);
  }
}

/** `range`'s bounds, rounded, must be finite with lo <= hi. */
function checkBounds(lo: number, hi: number, a: number, b: number): void {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b < a) {
    throw new RangeError(`Stream.range: need finite lo <= hi, got [${lo}, ${hi}]`);
  }
}

abstract class BaseStream implements Stream {
  constructor(
    readonly name: string,
    protected readonly src: RandomSource,
  ) {}

  abstract int(n: number): number;
  abstract chance(p: number): boolean;

  range(lo: number, hi: number): number {
    // Rounded here rather than returned as a pair by a helper: every network delay is a range,
    // and the pair was an allocation per message.
    const a = Math.round(lo);
    const b = Math.round(hi);
    checkBounds(lo, hi, a, b);
    return a + this.int(b - a + 1);
  }

  float(): number {
    return this.int(TWO32) / TWO32;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError("Stream.pick: empty array");
    return xs[this.int(xs.length)];
  }

  shuffle<T>(xs: T[]): T[] {
    const n = xs.length;
    // Forward Fisher–Yates with j = i + choice, so that choice 0 keeps the element in place.
    for (let i = 0; i < n - 1; i++) {
      const j = i + this.int(n - i);
      if (j !== i) {
        const t = xs[i];
        xs[i] = xs[j];
        xs[j] = t;
      }
    }
    return xs;
  }
}

/**
 * ARC4 exactly as seedrandom runs it: the key schedule (and RC4-drop[256]) comes from
 * seedrandom(seed) itself, and u32() returns what that generator's int32() >>> 0 would. Random
 * draws dominate the engine's per-event cost; drawing from a local copy of the state with a
 * byte-array S-box instead of calling seedrandom's generic g(count) took bench/engine.ts from
 * about 2.4M to 3.5M events/s.
 */
export class Arc4 {
  private readonly s: Uint8Array;
  private i: number;
  private j: number;

  constructor(seed: string) {
    const st = seedrandom(seed, { state: true }).state();
    this.s = Uint8Array.from(st.S);
    this.i = st.i;
    this.j = st.j;
  }

  /** The next 32 bits as an unsigned integer (seedrandom's int32() >>> 0). */
  u32(): number {
    const s = this.s;
    let i = this.i;
    let j = this.j;
    let r = 0;
    for (let k = 0; k < 4; k++) {
      i = (i + 1) & 255;
      const t = s[i];
      j = (j + t) & 255;
      const u = s[j];
      s[i] = u;
      s[j] = t;
      r = r * 256 + s[(u + t) & 255];
    }
    this.i = i;
    this.j = j;
    return r;
  }
}

/** A stream whose draws come from 32-bit words; how the words are made is the subclass's. */
abstract class WordStream extends BaseStream {
  protected abstract next32(): number;

  int(n: number): number {
    let c: number;
    if (n <= TWO32 && n >= 1 && Number.isInteger(n)) {
      // One 32-bit draw covers every n up to 2^32; the product stays below n after rounding.
      c = Math.floor((this.next32() * n) / TWO32);
    } else {
      checkN(n);
      // 53 bits from two draws.
      const x = this.next32() * 2097152 + (this.next32() >>> 11);
      c = Math.floor((x / 9007199254740992) * n);
    }
    if (c >= n) c = n - 1;
    this.src.note(c);
    return c;
  }

  chance(p: number): boolean {
    let r: boolean;
    if (p > 0 && p < 1) r = this.next32() < p * TWO32;
    else r = p >= 1;
    this.src.note(r ? 1 : 0);
    return r;
  }
}

class SeededStream extends WordStream {
  constructor(
    name: string,
    src: RandomSource,
    private readonly gen: Arc4,
  ) {
    super(name, src);
  }

  protected next32(): number {
    return this.gen.u32();
  }
}

/** One 32-bit mixing round (a strong avalanche: nearby instants give unrelated states). */
function mix32(x: number): number {
  let z = x | 0;
  z ^= z >>> 16;
  z = Math.imul(z, 0x21f0aaad);
  z ^= z >>> 15;
  z = Math.imul(z, 0x735a2d97);
  z ^= z >>> 15;
  return z >>> 0;
}

/** FNV-1a over the UTF-16 code units of `s`, then mixed: a drawer's key as one word. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/**
 * Seeded draws keyed by the instant (see RandomSource.timedStream): at each new instant the state
 * is derived again from the stream's two key words and the instant; within an instant the draws
 * follow one another (a splitmix-style counter through `mix32`). A keyed stream
 * (RandomSource.keyedTimedStream) is the same with the drawer's key folded into the second word.
 */
class TimedStream extends WordStream {
  private at = Number.NaN;
  private state = 0;

  constructor(
    name: string,
    src: RandomSource,
    readonly k1: number,
    readonly k2: number,
    private readonly clock: () => number,
  ) {
    super(name, src);
  }

  static fromKey(name: string, src: RandomSource, key: Arc4, clock: () => number): TimedStream {
    const k1 = key.u32();
    return new TimedStream(name, src, k1, key.u32(), clock);
  }

  protected next32(): number {
    const now = this.clock();
    if (now !== this.at) {
      this.at = now;
      const lo = (now % TWO32) >>> 0;
      const hi = Math.floor(now / TWO32) >>> 0;
      this.state = mix32(this.k1 ^ mix32(lo ^ mix32(hi ^ this.k2)));
    }
    this.state = (this.state + 0x9e3779b9) | 0;
    return mix32(this.state);
  }
}

class TapeStream extends BaseStream {
  int(n: number): number {
    checkN(n);
    return this.src.read(n);
  }

  chance(p: number): boolean {
    // Record the outcome rather than the raw tape value, so the recorded tape is canonical (0/1).
    const c = this.src.peek();
    const r = p >= 1 ? true : p > 0 ? c > 0 : false;
    this.src.note(r ? 1 : 0);
    return r;
  }
}
