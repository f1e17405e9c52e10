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
  alive: () => boolean = () => true,
  /** Called once when the coroutine ends or is found abandoned. */
  finished?: () => void,
  /** Called before each resumption, so the host knows which coroutine is running. */
  enter?: () => void,
): void {
  let over = false;
  const finish = () => {
    if (over) return;
    over = true;
    finished?.();
  };
  // The effect being waited on; a resume of any other (a late duplicate, e.g. a timeout racing a
  // reply) is ignored, so an effect resumes its coroutine once.
  let waiting = 0;
  let effects = 0;
  const later = (): Resume => {
    const id = ++effects;
    waiting = id;
    return (value) => {
      if (waiting !== id) return;
      waiting = 0;
      step(value);
    };
  };
  const step = (first: unknown): void => {
    let input = first;
    for (;;) {
      if (!alive()) {
        finish();
        return;
      }
      let r: IteratorResult<Effect, R>;
      enter?.();
      try {
        r = input instanceof ReadFailed ? co.throw(input) : co.next(input);
      } catch (error) {
        finish();
        done({ ok: false, error });
        return;
      }
      if (r.done) {
        finish();
        done({ ok: true, value: r.value });
        return;
      }
      const v = perform(r.value, later);
      if (v === PENDING) return;
      input = v;
    }
  };
  step(undefined);
}
