import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Scenario } from "../workload/scenario.ts";
import {
  type Answer,
  accepts,
  type Candidate,
  type DdminOptions,
  FAULT_WEIGHT,
  normalize,
  SearchState,
  type TestOutcome,
} from "./search.ts";

const scenario: Scenario = {
  name: "synthetic",
  description: "ddmin fixture",
  cluster: { nodes: 3 },
  clients: [{ names: ["p0"], generator: { mix: { append: 1 }, keys: ["k"] } }],
  runFor: "1s",
  runForUs: 1_000_000,
};

/** Runs `s.ddmin` over 0..n-1 (the removed ones kept in `dropFaults`) against `test`, serially. */
function ddminOver(n: number, test: (removed: ReadonlySet<number>) => boolean, opts: DdminOptions = {}) {
  const s = new SearchState(scenario, { edits: {}, tape: [1] }, { maxAttempts: 10_000 });
  const removed = () => new Set(s.best.edits.dropFaults ?? []);
  const tried: number[][] = [];
  const search = s.ddmin(
    () => [...Array(n).keys()].filter((i) => !removed().has(i)),
    (chunk): Candidate => s.withEdits({ ...s.best.edits, dropFaults: [...removed(), ...chunk] }),
    opts,
  );
  let step = search.next();
  while (!step.done) {
    const answer: Answer = [];
    for (const c of step.value.candidates) {
      const gone = new Set(c.edits.dropFaults ?? []);
      tried.push([...gone].filter((i) => !removed().has(i)));
      const o: TestOutcome = { ok: test(gone), tape: [1] };
      answer.push(o);
      if (accepts(o, step.value.limit)) break;
    }
    step = search.next(answer);
  }
  return { kept: [...Array(n).keys()].filter((i) => !removed().has(i)), attempts: s.attempts, tried };
}

/** Elements `a` and `a + 1` can go only together; nothing else can go. */
const onlyThePair = (a: number) => (gone: ReadonlySet<number>) =>
  [...gone].every((i) => i === a || i === a + 1) && gone.has(a) === gone.has(a + 1);

describe("ddmin", () => {
  it("keeps exactly the elements the failure needs", () => {
    const r = ddminOver(64, (gone) => !gone.has(3) && !gone.has(40));
    expect(r.kept).toEqual([3, 40]);
  });

  it("removes a removable half whole, right after trying the whole list", () => {
    const tried: number[] = [];
    const r = ddminOver(64, (gone) => {
      tried.push(gone.size);
      return [...gone].every((i) => i >= 32);
    });
    expect(r.kept).toEqual([...Array(32).keys()]);
    expect(tried.slice(0, 2)).toEqual([64, 32]);
  });

  it("tries every chunk of every size once where nothing can go", () => {
    const r = ddminOver(16, (gone) => gone.size === 0);
    expect(r.kept).toHaveLength(16);
    // The whole list, halves, quarters, eighths, single elements: 1 + 2 + 4 + 8 + 16 attempts.
    expect(r.attempts).toBe(31);
  });

  it("removes a pair that straddles a chunk boundary only when the chunks are also offset", () => {
    // Chunks of two end at 8, 6, 4, 2: {4,5} and {2,3}, never {3,4}.
    expect(ddminOver(8, onlyThePair(3)).kept).toHaveLength(8);
    expect(ddminOver(8, onlyThePair(3), { shifted: true }).kept).toEqual([0, 1, 2, 5, 6, 7]);
  });

  it("with offset chunks, removes any adjacent pair that can only go together", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.nat(), (n, at) => {
        const a = at % (n - 1);
        const r = ddminOver(n, onlyThePair(a), { shifted: true });
        expect(r.kept).toEqual([...Array(n).keys()].filter((i) => i !== a && i !== a + 1));
      }),
    );
  });

  it("with offset chunks, still keeps exactly the elements a failure needs", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.nat(), { maxLength: 5 }), (n, picks) => {
        const needed = new Set(picks.map((p) => p % n));
        const r = ddminOver(n, (gone) => ![...needed].some((i) => gone.has(i)), { shifted: true });
        expect(r.kept).toEqual([...needed].sort((x, y) => x - y));
      }),
    );
  });

  it("never tries a chunk smaller than minChunk", () => {
    const r = ddminOver(16, (gone) => gone.size === 0, { shifted: true, minChunk: 2 });
    expect(r.kept).toHaveLength(16);
    expect(Math.min(...r.tried.map((t) => t.length))).toBe(2);
  });
});

describe("accepts", () => {
  const ok = (ops: number, faults: number): TestOutcome => ({ ok: true, size: { ops, faults } });
  const ceiling = { ops: 100, faults: 20 };

  it("takes a fault fewer for a few ops more, within the failure's size", () => {
    const limit = { ops: 10, faults: 4, ceiling };
    expect(accepts(ok(10, 4), limit)).toBe(true);
    expect(accepts(ok(10 + FAULT_WEIGHT - 1, 3), limit)).toBe(true);
    // As heavy as the run held: not a step down.
    expect(accepts(ok(10 + FAULT_WEIGHT, 3), limit)).toBe(false);
    // Without the failure's size to stay within, only runs no larger in both count.
    expect(accepts(ok(11, 3), { ops: 10, faults: 4 })).toBe(false);
    expect(accepts(ok(101, 0), limit)).toBe(false);
    expect(accepts({ ok: false, size: { ops: 1, faults: 0 } }, limit)).toBe(false);
  });

  it("never accepts a run heavier than the one held or beyond the ceiling, so adoptions cannot cycle", () => {
    fc.assert(
      fc.property(fc.nat(60), fc.nat(12), fc.nat(120), fc.nat(25), (ops, faults, cOps, cFaults) => {
        const limit = { ops, faults, ceiling };
        if (!accepts(ok(cOps, cFaults), limit)) return;
        const w = (o: number, f: number) => o + FAULT_WEIGHT * f;
        expect(w(cOps, cFaults)).toBeLessThanOrEqual(w(ops, faults));
        expect(cOps <= ceiling.ops && cFaults <= ceiling.faults).toBe(true);
        // Heavier in ops only when lighter in weight.
        if (cOps > ops) expect(w(cOps, cFaults)).toBeLessThan(w(ops, faults));
      }),
    );
  });
});

describe("holds of skipped ops", () => {
  const two: Scenario = {
    ...scenario,
    clients: [{ names: ["p0"], generator: { mix: { append: 1 }, keys: ["k"], maxOps: 6 } }],
  };

  it("holds ops newly skipped for as long as they held their process", () => {
    const s = new SearchState(
      two,
      { edits: {}, seed: 1 },
      { initialOpHoldsUs: { p0: { "0": 300, "1": 400, "2": 500 } } },
    );
    const c = s.withEdits({ skipOps: { "0": 2 } });
    expect(c.edits.holdOpsUs).toEqual({ p0: { "0": 300, "1": 400 } });
  });

  it("offers a candidate that skips ops twice: those ops unheld first, then held", () => {
    const s = new SearchState(
      two,
      { edits: { skipOps: { "0": 1 }, holdOpsUs: { p0: { "0": 300 } } }, seed: 1 },
      { initialOpHoldsUs: { p0: { "0": 300, "1": 400, "2": 500, "3": 600 } } },
    );
    // Dropping ops 1 and 2 makes a skip of 3 once normalized.
    const step = s.firstOf([s.withEdits({ ...s.best.edits, dropOps: { "0": [1, 2] } })]).next();
    expect(step.done).toBe(false);
    const batch = step.done ? [] : step.value.candidates;
    expect(batch.map((c) => c.edits.skipOps)).toEqual([{ "0": 3 }, { "0": 3 }]);
    // Op 0 was skipped (and held) before: only the ops newly skipped go unheld.
    expect(batch[0]!.edits.holdOpsUs).toEqual({ p0: { "0": 300 } });
    expect(batch[1]!.edits.holdOpsUs).toEqual({ p0: { "0": 300, "1": 400, "2": 500 } });
  });

  it("offers a candidate that skips nothing new once", () => {
    const s = new SearchState(two, { edits: {}, seed: 1 }, { initialOpHoldsUs: { p0: { "3": 600 } } });
    const step = s.firstOf([s.withEdits({ dropOps: { "0": [3] } })]).next();
    expect(step.done ? [] : step.value.candidates).toHaveLength(1);
  });

  it("keeps the holds of leading ops that normalizing turns into a skip", () => {
    const e = normalize(two, {
      dropOps: { "0": [0, 1, 3] },
      holdOpsUs: { p0: { "0": 1, "1": 2, "3": 3, "5": 9 } },
    });
    expect(e.skipOps).toEqual({ "0": 2 });
    expect(e.dropOps).toEqual({ "0": [3] });
    // Op 5 is issued, so its hold changes nothing and goes.
    expect(e.holdOpsUs).toEqual({ p0: { "0": 1, "1": 2, "3": 3 } });
  });
});
