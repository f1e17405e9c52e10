/**
 * The discrete-event loop. Everything a run does is an event in one queue ordered by
 * (simulated time, insertion sequence); time is an integer number of microseconds.
 *
 * The queue is a hand-written binary min-heap on parallel arrays (times, sequence numbers,
 * callbacks, callback arguments) rather than a library heap of event objects: the benchmark
 * justified it — on a schedule-one-per-event loop it ran 1.5x as many events per second as
 * heap-js 2 with (time, seq) event objects (10.5M vs 7.2M/s with 48 pending, 6.8M vs 4.4M/s with
 * 1000 pending), and it allocates nothing per event. Cancellation is lazy (a bit per id marks the
 * cancelled ones, which the loop skips, and a rebuild once they are half the queue), which keeps
 * `cancel` O(1) amortized; a bit array rather than a Set, because the loop asks about the next
 * event's id every time anything is cancelled at all, which is nearly always.
 */

export type TimerId = number;

export type RunResult = "idle" | "time" | "events" | "predicate";

export interface RunLimits {
  /** Run events whose time is <= untilUs; on stopping for this reason `now` advances to untilUs. */
  untilUs?: number;
  /** At most this many events in this call. */
  maxEvents?: number;
  /** Checked before every event; the run stops as soon as it returns true. */
  until?: () => boolean;
}

type Callback = (arg: never) => void;

/**
 * What an event is, for the "where the time goes" figures: a fixed label, or one computed from the
 * event's argument when it runs (a network delivery names the message it carries).
 */
export type EventKind<A = never> = string | ((arg: A) => string);

/** An event scheduled while kinds are counted: the trampoline's argument. */
interface Labelled {
  fn: (arg: unknown) => void;
  arg: unknown;
  kind: EventKind<unknown> | undefined;
  counts: Map<string, number>;
}

/** Runs a labelled event and counts it under its kind (unlabelled ones under their function's name). */
function runLabelled(e: Labelled): void {
  const k = e.kind;
  const label = k === undefined ? e.fn.name || "anonymous" : typeof k === "string" ? k : k(e.arg);
  e.counts.set(label, (e.counts.get(label) ?? 0) + 1);
  e.fn(e.arg);
}

const TWO32 = 4294967296;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export class Simulation {
  /**
   * When set, every Simulation created afterwards counts its executed events by kind into this
   * map (a benchmark's profile of a run it cannot reach into). Counting wraps each event in a
   * trampoline, so it never changes the order, the times or the trace hash; unset (the default),
   * the only cost is one check per scheduled event.
   */
  static countKindsInto: Map<string, number> | undefined;

  private readonly kindCounts = Simulation.countKindsInto;
  private _now = 0;
  private _eventCount = 0;
  private nextSeq = 0;
  private running = false;

  // Heap on parallel arrays, ordered by (time, seq).
  private size = 0;
  private times: Float64Array = new Float64Array(1024);
  private seqs: Float64Array = new Float64Array(1024);
  private fns: Array<Callback | undefined> = new Array(1024).fill(undefined);
  private args: unknown[] = new Array(1024).fill(undefined);

  /** Bit `seq` set: that event was cancelled (ids of events that already ran may stay set). */
  private cancelledBits = new Uint32Array(64);
  /** Cancelled ids counted since the last rebuild and not yet skipped (a Set's size, in effect). */
  private cancelledCount = 0;

  // Rolling trace hash: two 32-bit lanes (FNV-1a-style and a murmur-style multiplier).
  private h1 = FNV_OFFSET;
  private h2 = 0x9747b28c;

  /** Simulated microseconds since the start of the run (an integer). */
  get now(): number {
    return this._now;
  }

  /** Events executed so far (cancelled events are not counted). */
  get eventCount(): number {
    return this._eventCount;
  }

  /** Entries in the queue, including cancelled ones not yet skipped. */
  get queued(): number {
    return this.size;
  }

  /** Time of the earliest queued entry (possibly a cancelled one), or undefined when empty. */
  nextTime(): number | undefined {
    return this.size > 0 ? this.times[0] : undefined;
  }

  /** Runs fn after delayUs (>= 0, rounded to an integer) microseconds. */
  schedule(delayUs: number, fn: () => void, kind?: string): TimerId {
    return this.pushKind(this._now + checkDelay(delayUs), fn as Callback, undefined, kind);
  }

  /** Runs fn at absolute time timeUs (rounded; must not be in the past). */
  at(timeUs: number, fn: () => void, kind?: string): TimerId {
    return this.pushKind(checkTime(timeUs, this._now), fn as Callback, undefined, kind);
  }

  /** Like `schedule`, but calls fn(arg): lets hot paths reuse one function instead of a closure per event. */
  scheduleWith<A>(delayUs: number, fn: (arg: A) => void, arg: A, kind?: EventKind<A>): TimerId {
    return this.pushKind(this._now + checkDelay(delayUs), fn as Callback, arg, kind);
  }

  /** Like `at`, but calls fn(arg). */
  atWith<A>(timeUs: number, fn: (arg: A) => void, arg: A, kind?: EventKind<A>): TimerId {
    return this.pushKind(checkTime(timeUs, this._now), fn as Callback, arg, kind);
  }

  /** Cancels a pending event; cancelling an event that already ran (or an unknown id) does nothing. */
  cancel(id: TimerId): void {
    if (!(id >= 0 && id < this.nextSeq) || this.size === 0 || !Number.isInteger(id)) return;
    const w = id >>> 5;
    if (w >= this.cancelledBits.length) {
      const bits = new Uint32Array(Math.max(w + 1, this.cancelledBits.length * 2));
      bits.set(this.cancelledBits);
      this.cancelledBits = bits;
    }
    const bit = 1 << (id & 31);
    if ((this.cancelledBits[w] & bit) === 0) {
      this.cancelledBits[w] |= bit;
      this.cancelledCount++;
    }
    // Most cancelled events are timeouts seconds ahead (a reply came first); left in place, they
    // made the queue an order of magnitude larger than its live part and every push and pop
    // deeper. Once they are a quarter of it, the queue is rebuilt without them (and without the
    // ids of events that already ran). The (time, seq) order is total, so the rebuilt heap pops
    // exactly the same sequence. With half (and 32 more) as the bound, `mixed` kept about 50
    // cancelled entries in a queue of 90; at a quarter, a loop of timers mostly cancelled ran
    // about 10 % faster, the more frequent rebuilds included.
    if (this.cancelledCount > (this.size >> 2) + 16) this.dropCancelled();
  }

  /** Run events in (time, insertion sequence) order until the queue is empty or a limit hits. */
  run(limits?: RunLimits): RunResult {
    if (this.running) throw new Error("Simulation.run: already running (called from inside an event)");
    const untilUs = limits?.untilUs ?? Number.POSITIVE_INFINITY;
    const maxEvents = limits?.maxEvents ?? Number.POSITIVE_INFINITY;
    const until = limits?.until;
    let executed = 0;
    this.running = true;
    try {
      for (;;) {
        if (until?.()) return "predicate";
        if (this.cancelledCount !== 0) {
          while (this.size !== 0 && this.takeCancelled(this.seqs[0])) this.popDiscard();
        }
        if (this.size === 0) return "idle";
        const t = this.times[0];
        if (t > untilUs) {
          const target = Math.floor(untilUs);
          if (target > this._now) this._now = target;
          return "time";
        }
        if (executed >= maxEvents) return "events";
        const seq = this.seqs[0];
        const fn = this.fns[0]!;
        const arg = this.args[0];
        this.popDiscard();
        this._now = t;
        executed++;
        this._eventCount++;
        this.mix(t >>> 0);
        if (t >= TWO32) this.mix((t / TWO32) >>> 0);
        this.mix(seq >>> 0);
        (fn as (a: unknown) => void)(arg);
      }
    } finally {
      this.running = false;
    }
  }

  /** The rolling hash of every executed event (time, seq) and every `trace` label, as 16 hex digits. */
  traceHash(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, "0") + (this.h2 >>> 0).toString(16).padStart(8, "0");
  }

  /** Mixes label and the current time into the rolling hash. */
  trace(label: string): void {
    for (let i = 0; i < label.length; i++) this.mix(label.charCodeAt(i));
    this.mix(0xffffffff);
    this.mix(this._now >>> 0);
    if (this._now >= TWO32) this.mix((this._now / TWO32) >>> 0);
  }

  /** Whether event `seq` was cancelled; if so, it is forgotten (it is about to leave the queue). */
  private takeCancelled(seq: number): boolean {
    const w = seq >>> 5;
    const bits = this.cancelledBits;
    if (w >= bits.length) return false;
    const bit = 1 << (seq & 31);
    if ((bits[w] & bit) === 0) return false;
    bits[w] &= ~bit;
    this.cancelledCount--;
    return true;
  }

  private mix(x: number): void {
    this.h1 = Math.imul(this.h1 ^ x, FNV_PRIME);
    let h2 = Math.imul(this.h2 ^ x, 0x5bd1e995);
    h2 ^= h2 >>> 15;
    this.h2 = h2;
  }

  private pushKind(t: number, fn: Callback, arg: unknown, kind: EventKind<never> | undefined): TimerId {
    const counts = this.kindCounts;
    if (counts === undefined) return this.push(t, fn, arg);
    const e: Labelled = { fn: fn as (arg: unknown) => void, arg, kind: kind as EventKind<unknown>, counts };
    return this.push(t, runLabelled as Callback, e);
  }

  private push(t: number, fn: Callback, arg: unknown): TimerId {
    const seq = this.nextSeq++;
    let i = this.size++;
    if (i === this.times.length) this.grow();
    const times = this.times;
    const seqs = this.seqs;
    const fns = this.fns;
    const args = this.args;
    // The new entry has the largest seq so far, so it only moves above parents with a later time.
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p];
      if (pt <= t) break;
      times[i] = pt;
      seqs[i] = seqs[p];
      fns[i] = fns[p];
      args[i] = args[p];
      i = p;
    }
    times[i] = t;
    seqs[i] = seq;
    fns[i] = fn;
    args[i] = arg;
    return seq;
  }

  /** Removes the root: the last entry takes its place and sinks to where it belongs. */
  private popDiscard(): void {
    const n = --this.size;
    const fns = this.fns;
    const args = this.args;
    if (n > 0) {
      this.times[0] = this.times[n];
      this.seqs[0] = this.seqs[n];
      fns[0] = fns[n];
      args[0] = args[n];
    }
    fns[n] = undefined;
    args[n] = undefined;
    if (n > 1) this.siftDown(0);
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const times = new Float64Array(cap);
    times.set(this.times);
    const seqs = new Float64Array(cap);
    seqs.set(this.seqs);
    this.times = times;
    this.seqs = seqs;
    for (let i = this.fns.length; i < cap; i++) {
      this.fns.push(undefined);
      this.args.push(undefined);
    }
  }

  /** Removes every cancelled entry from the queue and restores the heap order (Floyd's heapify). */
  private dropCancelled(): void {
    const times = this.times;
    const seqs = this.seqs;
    const fns = this.fns;
    const args = this.args;
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.takeCancelled(seqs[i])) continue;
      times[n] = times[i];
      seqs[n] = seqs[i];
      fns[n] = fns[i];
      args[n] = args[i];
      n++;
    }
    for (let i = n; i < this.size; i++) {
      fns[i] = undefined;
      args[i] = undefined;
    }
    this.size = n;
    // Ids of events that already ran keep their bit: no queued event has their id.
    this.cancelledCount = 0;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(start: number): void {
    const n = this.size;
    const times = this.times;
    const seqs = this.seqs;
    const fns = this.fns;
    const args = this.args;
    const t = times[start];
    const s = seqs[start];
    const f = fns[start];
    const a = args[start];
    let i = start;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ct = times[c];
      const r = c + 1;
      if (r < n) {
        const rt = times[r];
        if (rt < ct || (rt === ct && seqs[r] < seqs[c])) {
          c = r;
          ct = rt;
        }
      }
      if (ct > t || (ct === t && seqs[c] > s)) break;
      times[i] = ct;
      seqs[i] = seqs[c];
      fns[i] = fns[c];
      args[i] = args[c];
      i = c;
    }
    times[i] = t;
    seqs[i] = s;
    fns[i] = f;
    args[i] = a;
  }
}

function checkDelay(delayUs: number): number {
  const d = Math.round(delayUs);
  if (!(d >= 0) || d === Number.POSITIVE_INFINITY) {
    throw new RangeError(`Simulation.schedule: delay must be a finite number >= 0, got ${delayUs}`);
  }
  return d;
}

function checkTime(timeUs: number, now: number): number {
  const t = Math.round(timeUs);
  if (!Number.isFinite(t) || t < now) {
    throw new RangeError(`Simulation.at: time ${timeUs} is not finite or is before now (${now})`);
  }
  return t;
}
