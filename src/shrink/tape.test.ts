import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Attempts, shortlexLess, shrinkTape, tapeKey, trimTape } from "./tape.ts";

/** "The tape contains a 7 somewhere after a 3" — the classic synthetic shrink target. */
function sevenAfterThree(t: readonly number[]): boolean {
  const i = t.indexOf(3);
  return i >= 0 && t.indexOf(7, i + 1) > i;
}

const failingTape = fc
  .tuple(fc.array(fc.nat(20)), fc.array(fc.nat(20)), fc.array(fc.nat(20)))
  .map(([a, b, c]) => [...a, 3, ...b, 7, ...c]);

describe("shrinkTape", () => {
  it("finds the minimal [3, 7] for 'a 7 after a 3'", () => {
    fc.assert(
      fc.property(failingTape, (tape) => {
        const r = shrinkTape(tape, (t) => ({ ok: sevenAfterThree(t) }), new Attempts());
        expect(r.tape).toEqual([3, 7]);
      }),
      { numRuns: 60 },
    );
  });

  it("is deterministic and never returns a tape that fails the test or is larger", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { maxLength: 40 }), fc.nat(3000), (tape, bound) => {
        const test = (t: number[]) => ({ ok: t.reduce((s, x) => s + x, 0) >= bound });
        if (!test(tape).ok) return;
        const a = shrinkTape(tape, test, new Attempts());
        const b = shrinkTape(tape, test, new Attempts());
        expect(a).toEqual(b);
        expect(test(a.tape).ok).toBe(true);
        expect(shortlexLess(trimTape(tape), a.tape)).toBe(false);
        // A local minimum: removing any one entry or lowering any one by 1 no longer fails.
        for (let i = 0; i < a.tape.length; i++) {
          expect(test([...a.tape.slice(0, i), ...a.tape.slice(i + 1)]).ok).toBe(false);
          const lower = a.tape.slice();
          lower[i]!--;
          expect(test(lower).ok).toBe(false);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("adopts the consumed tape the test reports", () => {
    // The "run" reads only the first 3 choices; whatever follows is never consumed.
    const r = shrinkTape(
      [5, 9, 9, 4, 4, 4],
      (t) => ({ ok: (t[1] ?? 0) >= 2, tape: t.slice(0, 3) }),
      new Attempts(),
    );
    expect(r.tape).toEqual([0, 2]);
  });

  it("stops at the attempt cap and at the budget callback", () => {
    let calls = 0;
    const test = (t: number[]) => {
      calls++;
      return { ok: sevenAfterThree(t) };
    };
    const tape = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const capped = new Attempts({ maxAttempts: 5 });
    shrinkTape(tape, test, capped);
    expect(calls).toBe(5);
    expect(capped.exhausted).toBe(true);

    calls = 0;
    let budget = 3;
    shrinkTape(tape, test, new Attempts({ budget: () => budget-- > 0 }));
    expect(calls).toBe(3);
  });

  it("trims trailing zeros and normalises odd entries", () => {
    expect(trimTape([1, 0, 2, 0, 0])).toEqual([1, 0, 2]);
    expect(trimTape([2.7, -1, Number.NaN, 3])).toEqual([2, 0, 0, 3]);
    expect(tapeKey([1, 2])).not.toBe(tapeKey([2, 1]));
  });
});
