import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Scenario } from "../workload/scenario.ts";
import {
  type Answer,
  accepts,
  type Candidate,
  type DdminOptions,
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
