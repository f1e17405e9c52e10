import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Scenario } from "../workload/scenario.ts";
import {
  applyEdits,
  type Candidate,
  checkEdits,
  FAULT_WEIGHT,
  type RunSize,
  shrinkFailure,
  shrinkFailureAsync,
  type TestOutcome,
} from "./index.ts";

const base: Scenario = {
  name: "synthetic",
  description: "shrink fixture",
  cluster: { nodes: 3 },
  clients: [
    {
      names: ["p0"],
      script: [[["append", "k", 1]], [["del", "k", null]], [["r", "k", null]], [["append", "k", 2]]],
    },
    { names: ["p1", "p2"], generator: { mix: { append: 1 }, keys: ["k"] } },
    { names: ["p3"], generator: { mix: { r: 1 }, keys: ["k"], maxOps: 50 } },
  ],
  faults: [
    { kind: "scripted", at: "1s", fault: { name: "crash-leader" } },
    { kind: "scripted", at: "2s", fault: { name: "isolate-leader" } },
    { kind: "random", rates: { crash: 0.1 } },
  ],
  runFor: "5s",
  runForUs: 5_000_000,
};

/**
 * A stand-in for "run and check": the failure needs p0's DEL step, fault 1 (at 2 s, so a run
 * longer than that), generated ops 5 to 7 of p1..p2 issued, and a tape choice of at least 4.
 */
function fails(c: Candidate): { ok: boolean; tape: number[] } {
  const s = applyEdits(base, c.edits);
  const p0 = s.clients.find((x) => x.names[0] === "p0");
  const gen = s.clients.find((x) => x.names[0] === "p1");
  const hasDel = p0?.script?.some((step) => Array.isArray(step) && step[0]?.[0] === "del") ?? false;
  const hasFault = s.faults?.some((f) => f.kind === "scripted" && f.fault.name === "isolate-leader") ?? false;
  const cap = gen?.generator ? (gen.generator.maxOps ?? 1000) : 0;
  const skip = gen?.generator?.skipOps ?? 0;
  const dropped = gen?.generator?.dropOps ?? [];
  const tape = c.tape ?? [9, 9, 9, 9, 9, 9, 9, 9, 9, 9];
  const ok =
    hasDel &&
    hasFault &&
    s.runForUs > 2_000_000 &&
    cap >= 7 &&
    skip <= 4 &&
    !dropped.some((j) => j >= 4 && j < 7) &&
    tape.some((x) => x >= 4);
  // The "run" consumes 10 choices.
  return { ok, tape: Array.from({ length: 10 }, (_, i) => tape[i] ?? 0) };
}

describe("shrinkFailure", () => {
  it("removes what the failure does not need and lowers the rest", () => {
    const initial: Candidate = { edits: {}, tape: [9, 8, 7, 6, 5, 4, 3, 2, 1, 9, 9, 9] };
    const r = shrinkFailure(base, initial, fails, { opsHint: 200 });
    expect(fails(r.best).ok).toBe(true);
    expect(r.best.tape).toEqual([4]);
    expect(r.best.edits).toEqual({
      dropClients: [2],
      dropFaults: [0, 2],
      dropSteps: { "0": [0, 2, 3] },
      dropProcesses: { "1": [1] },
      maxOps: { "1": 7 },
      skipOps: { "1": 4 },
      runForUs: 2_001_000,
      // Nothing in the stand-in depends on time, so everything runs 64 times faster.
      timeDivisor: 64,
      // Nor on the final reads, or on which node a process talks to.
      finalReads: false,
      keepNodes: true,
    });
    const s = applyEdits(base, r.best.edits);
    expect(s.clients.map((c) => c.names)).toEqual([["p0"], ["p1"]]);
    expect(s.clients[1]!.generator).toMatchObject({ maxOps: 7, skipOps: 4 });
    expect(s.runForUs).toBe(2_001_000);
    expect(checkEdits(r.best.edits, base)).toBeNull();
    // Deterministic: the same inputs give the same answer.
    expect(shrinkFailure(base, initial, fails, { opsHint: 200 })).toEqual(r);
  });

  it("shrinks the scenario under the seed first, then the tape the run consumed", () => {
    const seen: string[] = [];
    const r = shrinkFailure(
      base,
      { edits: {}, seed: 42 },
      (c) => {
        seen.push(c.tape === undefined ? "seed" : "tape");
        return fails(c);
      },
      { opsHint: 200 },
    );
    expect(r.best.seed).toBeUndefined();
    expect(r.best.tape).toEqual([4]);
    expect(r.best.edits.dropFaults).toEqual([0, 2]);
    // Seed-driven attempts all come before tape-driven ones.
    expect(seen.indexOf("tape")).toBeGreaterThan(0);
    expect(seen.slice(seen.indexOf("tape"))).not.toContain("seed");
    // Out of budget during the seed phase, the best is still a seed-driven candidate.
    const early = shrinkFailure(base, { edits: {}, seed: 42 }, fails, { opsHint: 200, maxAttempts: 2 });
    expect(early.best).toMatchObject({ seed: 42 });
    expect(early.best.tape).toBeUndefined();
  });

  it("drops ops from the middle of a client's sequence when only their time matters", () => {
    // The failure needs p3's ops 2 and 7 issued, in that order, with the run long enough.
    const needs = (c: Candidate) => {
      const s = applyEdits(base, c.edits);
      const g = s.clients.find((x) => x.names[0] === "p3")?.generator;
      const issued = (j: number) =>
        g !== undefined && j >= (g.skipOps ?? 0) && j < (g.maxOps ?? 1000) && !(g.dropOps ?? []).includes(j);
      return { ok: issued(2) && issued(7), tape: [1] };
    };
    const r = shrinkFailure(base, { edits: {}, tape: [1] }, needs, { opsHint: 200 });
    expect(r.best.edits).toMatchObject({
      maxOps: { "2": 8 },
      skipOps: { "2": 2 },
      dropOps: { "2": [3, 4, 5, 6] },
    });
    expect(checkEdits(r.best.edits, base)).toBeNull();
    const g = applyEdits(base, r.best.edits).clients.at(-1)!.generator!;
    expect(g.dropOps).toEqual([3, 4, 5, 6]);
  });

  it("respects the attempt budget", () => {
    let calls = 0;
    const r = shrinkFailure(
      base,
      { edits: {}, tape: [9, 9, 9] },
      (c) => {
        calls++;
        return fails(c);
      },
      { maxAttempts: 4, opsHint: 200 },
    );
    expect(calls).toBe(4);
    expect(r.exhausted).toBe(true);
    expect(fails(r.best).ok).toBe(true);
  });

  it("validates edits read from a file", () => {
    expect(checkEdits({ dropFaults: [7] }, base)).toMatch(/dropFaults/);
    expect(checkEdits({ dropClients: [0, 1, 2] }, base)).toMatch(/every client/);
    expect(checkEdits({ maxOps: { "0": 3 } }, base)).toMatch(/generator/);
    expect(checkEdits({ bogus: 1 }, base)).toMatch(/unknown field/);
    expect(checkEdits({ dropProcesses: { "1": [0, 1] } }, base)).toMatch(/every process/);
    expect(checkEdits({ skipOps: { "0": 1 } }, base)).toMatch(/generator/);
    expect(checkEdits({ runForUs: 0 }, base)).toMatch(/runForUs/);
    expect(checkEdits({ dropOps: { "0": [1] } }, base)).toMatch(/generator/);
    expect(checkEdits({ dropOps: { "1": [-1] } }, base)).toMatch(/dropOps/);
    expect(checkEdits({ dropOps: { "1": [3, 9] } }, base)).toBeNull();
    expect(
      checkEdits({ dropSteps: { "0": [1] }, maxOps: { "1": 2 }, skipOps: { "1": 1 }, runForUs: 5 }, base),
    ).toBeNull();
  });

  it("drops single random fault arrivals and whole fault specs by delta debugging", () => {
    // The failure needs the random spec's crash arrivals 1 and 4 (of 6 injected) and nothing else.
    const needs = (c: Candidate): TestOutcome => {
      const s = applyEdits(base, c.edits);
      const random = s.faults?.find((f) => f.kind === "random");
      const skip = random?.kind === "random" ? (random.skip?.crash ?? []) : [0, 1, 2, 3, 4, 5];
      const injected = [0, 1, 2, 3, 4, 5].filter((n) => !skip.includes(n));
      const scripted = s.faults?.filter((f) => f.kind === "scripted").length ?? 0;
      return {
        ok: injected.includes(1) && injected.includes(4),
        tape: [1],
        size: { ops: 10, faults: injected.length + scripted },
        faultIds: injected.map((n) => `r2/crash#${n}`),
      };
    };
    const r = shrinkFailure(base, { edits: {}, tape: [1] }, needs, {
      opsHint: 200,
      initialSize: { ops: 10, faults: 8 },
      initialFaultIds: ["s0", "s1", ...[0, 1, 2, 3, 4, 5].map((n) => `r2/crash#${n}`)],
    });
    expect(r.best.edits.dropFaults).toEqual([0, 1]);
    expect(r.best.edits.dropArrivals).toEqual({ "2/crash": [0, 2, 3, 5] });
    expect(r.size).toEqual({ ops: 10, faults: 2 });
    expect(checkEdits(r.best.edits, base)).toBeNull();
  });

  it("never adopts a run heavier than the one it holds or larger than the input, so the result is never larger than the input", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(40), { minLength: 3, maxLength: 12 }), fc.nat(1000), (sizes, salt) => {
        // A stand-in whose run size jumps around with the candidate; it always "fails".
        const sizeOf = (c: Candidate): RunSize => {
          const h = JSON.stringify(c).length + salt;
          return { ops: sizes[h % sizes.length]!, faults: sizes[(h * 7) % sizes.length]! % 5 };
        };
        const initialSize = { ops: 20, faults: 2 };
        const r = shrinkFailure(
          base,
          { edits: {}, tape: [3, 1, 2] },
          (c) => ({ ok: true, tape: c.tape ?? [], size: sizeOf(c) }),
          { opsHint: 50, maxAttempts: 60, initialSize },
        );
        expect(r.size!.ops).toBeLessThanOrEqual(initialSize.ops);
        expect(r.size!.faults).toBeLessThanOrEqual(initialSize.faults);
        // A fault may go at the price of a few ops, but the weighted size never grows.
        const weight = (x: RunSize) => x.ops + FAULT_WEIGHT * x.faults;
        expect(weight(r.size!)).toBeLessThanOrEqual(weight(initialSize));
      }),
      { numRuns: 30 },
    );
  });

  it("gives the same result and attempt count serially and a batch at a time, for any budget", async () => {
    const test = (c: Candidate) => fails(c);
    for (const maxAttempts of [1, 5, 17, 40, 1000]) {
      const initial: Candidate = { edits: {}, seed: 7 };
      const serial = shrinkFailure(base, initial, test, { opsHint: 200, maxAttempts });
      // Same inputs, same answer.
      expect(shrinkFailure(base, initial, test, { opsHint: 200, maxAttempts })).toEqual(serial);
      for (const width of [2, 3, 8]) {
        let ran = 0;
        const batched = await shrinkFailureAsync(
          base,
          initial,
          async (cs) => {
            ran += cs.length;
            return cs.map(test);
          },
          { opsHint: 200, maxAttempts, width },
        );
        expect(batched).toEqual(serial);
        // Speculative runs past the first success are not counted as attempts.
        expect(ran).toBeGreaterThanOrEqual(serial.attempts);
      }
    }
  });

  it("applies key, time and cap edits together", () => {
    const s = applyEdits(base, {
      maxOps: { "1": 5 },
      skipOps: { "1": 1 },
      onlyKeys: ["k"],
      timeDivisor: 4,
      dropArrivals: { "2/crash": [0, 3] },
    });
    expect(s.clients[1]!.generator).toMatchObject({
      maxOps: 5,
      skipOps: 1,
      onlyKeys: ["k"],
      thinkUs: [0, 500],
    });
    expect(s.faults![0]).toMatchObject({ at: "250ms" });
    expect(s.faults![2]).toMatchObject({ skip: { crash: [0, 3] }, durationDivisor: 4 });
    expect(
      checkEdits({ onlyKeys: ["k"], timeDivisor: 4, dropArrivals: { "2/crash": [0, 3] } }, base),
    ).toBeNull();
    expect(checkEdits({ dropArrivals: { "0/crash": [1] } }, base)).toMatch(/dropArrivals/);
    expect(checkEdits({ timeDivisor: 0 }, base)).toMatch(/timeDivisor/);
  });

  it("drops ops of one process by running its client as one client per process", () => {
    const s = applyEdits(base, { maxOps: { "1": 4 }, dropOps: { "1": [0] }, dropProcessOps: { "1/1": [2] } });
    expect(s.clients.map((c) => c.names)).toEqual([["p0"], ["p1"], ["p2"], ["p3"]]);
    expect(s.clients[1]!.generator).toMatchObject({ maxOps: 4, dropOps: [0] });
    expect(s.clients[2]!.generator).toMatchObject({ maxOps: 4, dropOps: [0, 2] });
    // Without per-process drops the client stays whole.
    expect(applyEdits(base, { maxOps: { "1": 4 } }).clients).toHaveLength(3);
    expect(checkEdits({ dropProcessOps: { "1/1": [2] } }, base)).toBeNull();
    expect(checkEdits({ dropProcessOps: { "1/2": [2] } }, base)).toMatch(/dropProcessOps/);
    expect(checkEdits({ dropProcessOps: { "0/0": [2] } }, base)).toMatch(/dropProcessOps/);
  });

  it("keeps the remaining processes on their original nodes once clients or processes go", () => {
    const nodes = (e: Parameters<typeof applyEdits>[1]) =>
      applyEdits(base, e).clients.map((c) => [c.names.join(","), c.node]);
    // p0..p3 sit on nodes 0, 1, 2, 0 by position; without keepNodes, removing p0 moves the rest.
    expect(nodes({ dropClients: [0] })).toEqual([
      ["p1,p2", undefined],
      ["p3", undefined],
    ]);
    // With it, a client whose processes sat on different nodes runs as one client per process.
    expect(nodes({ dropClients: [0], keepNodes: true })).toEqual([
      ["p1", 1],
      ["p2", 2],
      ["p3", 0],
    ]);
    expect(nodes({ dropProcesses: { "1": [0] }, keepNodes: true })).toEqual([
      ["p0", 0],
      ["p2", 2],
      ["p3", 0],
    ]);
    expect(checkEdits({ dropClients: [0], keepNodes: true, finalReads: false }, base)).toBeNull();
    expect(checkEdits({ keepNodes: 1 }, base)).toMatch(/keepNodes/);
    expect(checkEdits({ finalReads: "no" }, base)).toMatch(/finalReads/);
    expect(applyEdits(base, { finalReads: false }).finalReads).toBe(false);
  });

  it("leaves the placement of a repro that removed clients without keepNodes as it was", () => {
    const initial: Candidate = { edits: { dropClients: [2] }, tape: [9, 8, 7, 6, 5, 4, 3, 2, 1, 9, 9, 9] };
    const r = shrinkFailure(base, initial, fails, { opsHint: 200 });
    expect(fails(r.best).ok).toBe(true);
    expect(r.best.edits.dropProcesses).toEqual({ "1": [1] });
    expect(r.best.edits.keepNodes).toBeUndefined();
  });
});
