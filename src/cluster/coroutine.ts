/**
 * Drives a coroutine (a generator of Effects, see src/kv/types.ts) inside the simulation: each
 * yielded effect is handed to the host, which resumes the coroutine when the effect completes —
 * in a later simulated event. A coroutine whose node crashed is abandoned (its `alive` check fails),
 * which is exactly what happens to a goroutine of a killed process.
 */
import type { Co, Effect } from "../kv/types.ts";

export type Resume = (value: unknown) => void;
export type PerformEffect = (effect: Effect, resume: Resume) => void;

export function runCoroutine<R>(
  co: Co<R>,
  perform: PerformEffect,
  done: (result: { ok: true; value: R } | { ok: false; error: unknown }) => void,
  alive: () => boolean = () => true,
): void {
  const step = (input: unknown): void => {
    if (!alive()) return;
    let r: IteratorResult<Effect, R>;
    try {
      r = co.next(input);
    } catch (error) {
      done({ ok: false, error });
      return;
    }
    if (r.done) {
      done({ ok: true, value: r.value });
      return;
    }
    let resumed = false;
    perform(r.value, (value) => {
      // An effect resumes its coroutine once; a late duplicate (e.g. a timeout racing a reply) is ignored.
      if (resumed) return;
      resumed = true;
      step(value);
    });
  };
  step(undefined);
}
