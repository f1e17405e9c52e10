/**
 * Drives a coroutine (a generator of Effects, see src/kv/types.ts) inside the simulation: each
 * yielded effect is handed to the host, which either answers it at once (a store read that needs
 * no wait, a scheduling point that does not pause: the coroutine goes on in the same event, with
 * no closure or event allocated) or takes the resume function and resumes the coroutine when the
 * effect completes, in a later simulated event. A `ReadFailed` answer is thrown into the coroutine.
 * A coroutine whose node crashed is abandoned (its `alive` check fails), which is exactly what
 * happens to a goroutine of a killed process.
 */
import { ReadFailed } from "../kv/reads.ts";
import type { Co, Effect } from "../kv/types.ts";

export type Resume = (value: unknown) => void;

/** What `perform` returns when it will resume the coroutine later through `later()`. */
export const PENDING: unique symbol = Symbol("pending");

/**
 * What runs a coroutine's effects, for each of the tasks it hosts (`T`, the host's own record of
 * one task). One object with methods rather than closures per coroutine: a node starts a task for
 * every command, and four closures each (with a name call for each under the loader that runs the
 * sources) were most of what starting one cost.
 */
export interface CoroutineHost<T> {
  /**
   * Carries out one effect: returns its result now, or takes the resume function from
   * `run.later()`, arranges to call it, and returns PENDING.
   */
  perform(effect: Effect, run: Later, task: T): unknown;
  /** False once the task's node crashed: the coroutine is then abandoned. */
  alive(task: T): boolean;
  /** Called before each resumption, so the host knows which task is running. */
  enter(task: T): void;
  /** Called once when the coroutine ends or is found abandoned. */
  finished(task: T): void;
}

/** The coroutine waiting on an effect: `later()` gives the function that resumes it. */
export interface Later {
  later(): Resume;
}

export function runCoroutine<R, T>(
  co: Co<R>,
  host: CoroutineHost<T>,
  task: T,
  done: (result: { ok: true; value: R } | { ok: false; error: unknown }) => void,
): void {
  new CoroutineRun(co, host, task, done).step(undefined);
}

/** One hosted coroutine's driver. */
class CoroutineRun<R, T> implements Later {
  private over = false;
  // The effect being waited on; a resume of any other (a late duplicate, e.g. a timeout racing a
  // reply) is ignored, so an effect resumes its coroutine once.
  private waiting = 0;
  private effects = 0;

  constructor(
    private readonly co: Co<R>,
    private readonly host: CoroutineHost<T>,
    private readonly task: T,
    private readonly done: (result: { ok: true; value: R } | { ok: false; error: unknown }) => void,
  ) {}

  later(): Resume {
    const id = ++this.effects;
    this.waiting = id;
    return (value) => {
      if (this.waiting !== id) return;
      this.waiting = 0;
      this.step(value);
    };
  }

  private finish(): void {
    if (this.over) return;
    this.over = true;
    this.host.finished(this.task);
  }

  step(first: unknown): void {
    const co = this.co;
    const host = this.host;
    const task = this.task;
    let input = first;
    for (;;) {
      if (!host.alive(task)) {
        this.finish();
        return;
      }
      let r: IteratorResult<Effect, R>;
      host.enter(task);
      try {
        r = input instanceof ReadFailed ? co.throw(input) : co.next(input);
      } catch (error) {
        this.finish();
        this.done({ ok: false, error });
        return;
      }
      if (r.done) {
        this.finish();
        this.done({ ok: true, value: r.value });
        return;
      }
      const v = host.perform(r.value, this, task);
      if (v === PENDING) return;
      input = v;
    }
  }
}
