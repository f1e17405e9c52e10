import { describe, expect, it } from "vitest";
import { mapStep, ready, yieldOnce, yieldOnceMap, yieldOnceThen } from "./steps.ts";
import type { Co, Effect } from "./types.ts";

const sleep = (us: number): Effect => ({ kind: "sleep", us });

/** Drives `co` as a host does: each yielded effect is logged and answered with `answer(effect)`. */
function drive<R>(co: Co<R>, answer: (e: Effect) => unknown): { effects: Effect[]; value: R } {
  const effects: Effect[] = [];
  let r = co.next(undefined);
  while (!r.done) {
    effects.push(r.value);
    r = co.next(answer(r.value));
  }
  return { effects, value: r.value };
}

/** Like `drive`, but the first effect is answered by throwing `error` into the coroutine. */
function driveThrowing<R>(co: Co<R>, error: Error): unknown {
  const r = co.next(undefined);
  expect(r.done).toBe(false);
  try {
    co.throw(error);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("steps", () => {
  it("behave under yield* as the generators they stand for", () => {
    function* viaSteps(): Co<string> {
      const a = yield* ready(1);
      const b = yield* yieldOnce<number>(sleep(10));
      const c = yield* yieldOnceThen(sleep(20), "fixed");
      const d = yield* yieldOnceMap(sleep(30), (x: number) => x * 2);
      const e = yield* mapStep(ready(5), (x) => x + 1);
      const f = yield* mapStep(yieldOnce<number>(sleep(40)), (x) => x + 1);
      return `${a} ${b} ${c} ${d} ${e} ${f}`;
    }
    function* viaGenerators(): Co<string> {
      const a = 1;
      const b = (yield sleep(10)) as number;
      yield sleep(20);
      const c = "fixed";
      const d = ((yield sleep(30)) as number) * 2;
      const e = 5 + 1;
      const f = ((yield sleep(40)) as number) + 1;
      return `${a} ${b} ${c} ${d} ${e} ${f}`;
    }
    const answer = (e: Effect) => (e.kind === "sleep" ? e.us + 1 : undefined);
    const steps = drive(viaSteps(), answer);
    expect(steps).toEqual(drive(viaGenerators(), answer));
    expect(steps.value).toBe("1 11 fixed 62 6 42");
  });

  it("ready steps yield nothing", () => {
    expect(drive(ready("v"), () => undefined)).toEqual({ effects: [], value: "v" });
    expect(
      drive(
        mapStep(ready(2), (x) => x * 3),
        () => undefined,
      ),
    ).toEqual({ effects: [], value: 6 });
  });

  it("an error thrown in, or by a map, leaves through the caller", () => {
    const boom = new Error("boom");
    function* caller(step: Co<unknown>): Co<string> {
      try {
        yield* step;
        return "no error";
      } catch (e) {
        return `caught ${(e as Error).message}`;
      }
    }
    for (const step of [yieldOnce(sleep(1)), yieldOnceThen(sleep(1), 0), yieldOnceMap(sleep(1), (x) => x)]) {
      const co = caller(step);
      co.next(undefined);
      expect(co.throw(boom)).toEqual({ done: true, value: "caught boom" });
    }
    const throwingMap = yieldOnceMap(sleep(1), () => {
      throw boom;
    });
    expect(drive(caller(throwingMap), () => 0).value).toBe("caught boom");
    expect(driveThrowing(yieldOnce(sleep(1)), boom)).toBe(boom);
  });
});
