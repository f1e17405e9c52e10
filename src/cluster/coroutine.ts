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
 * Carries out one effect: returns its result now, or calls `later()` for the resume function,
 * arranges to call it, and returns PENDING.
 */
export type PerformEffect = (effect: Effect, later: () => Resume) => unknown;

export function runCoroutine<R>(
  co: Co<R>,
  perform: PerformEffect,
  done: (result: { ok: true; value: R } | { ok: false; error: unknown }) => void,
  alive: () => boolean = ALWAYS,
  /** Called once when the coroutine ends or is found abandoned. */
  finished?: () => void,
  /** Called before each resumption, so the host knows which coroutine is running. */
  enter?: () => void,
): void {
  new CoroutineRun(co, perform, done, alive, finished, enter).step(undefined);
}

const ALWAYS = (): boolean => true;

/**
 * One hosted coroutine's driver. A class rather than closures over local state: a command starts
 * several coroutines, and each closure bound to a name cost a call of its own at creation under the
 * loader that runs the sources.
 */
class CoroutineRun<R> {
  private over = false;
  // The effect being waited on; a resume of any other (a late duplicate, e.g. a timeout racing a
  // reply) is ignored, so an effect resumes its coroutine once.
  private waiting = 0;
  private effects = 0;
  private readonly laterFn: () => Resume;

  constructor(
    private readonly co: Co<R>,
    private readonly perform: PerformEffect,
    private readonly done: (result: { ok: true; value: R } | { ok: false; error: unknown }) => void,
    private readonly alive: () => boolean,
    private readonly finished: (() => void) | undefined,
    private readonly enter: (() => void) | undefined,
  ) {
    this.laterFn = () => this.later();
  }

  private later(): Resume {
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
    this.finished?.();
  }

  step(first: unknown): void {
    const co = this.co;
    let input = first;
    for (;;) {
      if (!this.alive()) {
        this.finish();
        return;
      }
      let r: IteratorResult<Effect, R>;
      this.enter?.();
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
      const v = this.perform(r.value, this.laterFn);
      if (v === PENDING) return;
      input = v;
    }
  }
}
