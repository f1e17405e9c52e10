/**
 * Coroutine steps without a generator. A command's store reads and scheduling points are leaves
 * that callers reach with `yield*`; written as generator functions, every one allocated a
 * generator and resumed through one more level of delegation, thousands of times per run, even
 * when the host answered at once and nothing was yielded. These objects give `yield*` the very
 * same protocol: `ready(v)` ends at once with `v`, `yieldOnce(e)` yields `e` and returns whatever
 * the host resumes it with, and an error thrown in (a failed read) leaves through the caller, as
 * it would from a generator paused at `yield e`.
 *
 * Each object is its own iterator and its own iterator result, so a step costs one allocation
 * (none for the shared constants below).
 */
import type { Co, Effect } from "./types.ts";

class Ready {
  readonly done = true;
  constructor(readonly value: unknown) {}
  next(): Ready {
    return this;
  }
  return(value: unknown): IteratorResult<Effect, unknown> {
    return { done: true, value };
  }
  throw(error: unknown): never {
    throw error;
  }
  [Symbol.iterator](): Ready {
    return this;
  }
}

const RESUMED: unique symbol = Symbol("resumed");

class YieldOnce {
  done = false;
  value: unknown;
  private started = false;
  constructor(
    effect: Effect,
    /** Unless RESUMED, what the step evaluates to instead of the value it is resumed with. */
    private readonly fixed: unknown = RESUMED,
  ) {
    this.value = effect;
  }
  next(resumed: unknown): YieldOnce {
    if (!this.started) {
      this.started = true;
      return this;
    }
    this.done = true;
    this.value = this.fixed === RESUMED ? resumed : this.fixed;
    return this;
  }
  return(value: unknown): IteratorResult<Effect, unknown> {
    this.done = true;
    return { done: true, value };
  }
  throw(error: unknown): never {
    this.done = true;
    throw error;
  }
  [Symbol.iterator](): YieldOnce {
    return this;
  }
}

/** `yieldOnceMap`'s step: a throw of `map` leaves through the caller, as from a generator. */
class YieldMap extends YieldOnce {
  constructor(
    effect: Effect,
    private readonly map: (resumed: unknown) => unknown,
  ) {
    super(effect);
  }
  override next(resumed: unknown): YieldOnce {
    const r = super.next(resumed);
    if (r.done) r.value = this.map(r.value);
    return r;
  }
}

const READY_UNDEFINED = new Ready(undefined);
const READY_TRUE = new Ready(true);
const READY_FALSE = new Ready(false);

/** A step that is already over: `yield* ready(v)` evaluates to `v` without yielding. */
export function ready<R>(value: R): Co<R> {
  const r =
    value === undefined
      ? READY_UNDEFINED
      : value === true
        ? READY_TRUE
        : value === false
          ? READY_FALSE
          : new Ready(value);
  return r as unknown as Co<R>;
}

/** A step that yields `effect` once: `yield* yieldOnce(e)` evaluates to the value the host resumes it with. */
export function yieldOnce<R>(effect: Effect): Co<R> {
  return new YieldOnce(effect) as unknown as Co<R>;
}

/**
 * A step that yields `effect` once and then evaluates to `value`, whatever the host resumes it
 * with (a scheduling point taken on the way to a result already known).
 */
export function yieldOnceThen<R>(effect: Effect, value: R): Co<R> {
  return new YieldOnce(effect, value) as unknown as Co<R>;
}

/** Whether `co` is a step that is already over (`ready`), and so what it evaluates to is known. */
export function isReady(co: Co<unknown>): boolean {
  return (co as unknown) instanceof Ready;
}

/** What a step that `isReady` evaluates to. */
export function readyValue<R>(co: Co<R>): R {
  return (co as unknown as Ready).value as R;
}

/**
 * `f` of what `co` evaluates to, as a step: with no generator when `co` is already over (a read the
 * host answered at once), else through one that waits for it. `f` runs, and may throw, when the
 * result is there, exactly where a generator's `return f(yield* co)` would.
 */
export function mapStep<T, R>(co: Co<T>, f: (value: T) => R): Co<R> {
  if ((co as unknown) instanceof Ready) return ready(f((co as unknown as Ready).value as T));
  return mapAfter(co, f);
}

/** A step that yields `effect` once and evaluates to `f` of the value the host resumes it with. */
export function yieldOnceMap<T, R>(effect: Effect, f: (resumed: T) => R): Co<R> {
  return new YieldMap(effect, f as (resumed: unknown) => unknown) as unknown as Co<R>;
}

function* mapAfter<T, R>(co: Co<T>, f: (value: T) => R): Co<R> {
  return f(yield* co);
}
