import { describe, expect, it } from "vitest";
import type { Scenario } from "../workload/scenario.ts";
import { type Answer, accepts, type Candidate, SearchState, type TestOutcome } from "./search.ts";

const scenario: Scenario = {
  name: "synthetic",
  description: "ddmin fixture",
  cluster: { nodes: 3 },
  clients: [{ names: ["p0"], generator: { mix: { append: 1 }, keys: ["k"] } }],
  runFor: "1s",
  runForUs: 1_000_000,
};

/** Runs `s.ddmin` over 0..n-1 (the removed ones kept in `dropFaults`) against `test`, serially. */
function ddminOver(n: number, test: (removed: ReadonlySet<number>) => boolean) {
  const s = new SearchState(scenario, { edits: {}, tape: [1] }, { maxAttempts: 1_000 });
  const removed = () => new Set(s.best.edits.dropFaults ?? []);
  const search = s.ddmin(
    () => [...Array(n).keys()].filter((i) => !removed().has(i)),
    (chunk): Candidate => s.withEdits({ ...s.best.edits, dropFaults: [...removed(), ...chunk] }),
  );
  let step = search.next();
  while (!step.done) {
    const answer: Answer = [];
    for (const c of step.value.candidates) {
      const o: TestOutcome = { ok: test(new Set(c.edits.dropFaults ?? [])), tape: [1] };
      answer.push(o);
      if (accepts(o, step.value.limit)) break;
    }
    step = search.next(answer);
  }
  return { kept: [...Array(n).keys()].filter((i) => !removed().has(i)), attempts: s.attempts };
}

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
});
