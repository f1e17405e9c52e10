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

class YieldOnce {
  done = false;
  value: unknown;
  private started = false;
  constructor(effect: Effect) {
    this.value = effect;
  }
  next(resumed: unknown): YieldOnce {
    if (!this.started) {
      this.started = true;
      return this;
    }
    this.done = true;
    this.value = resumed;
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
