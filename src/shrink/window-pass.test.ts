import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Scenario } from "../workload/scenario.ts";
import { applyEdits, checkEdits, runStepIndex } from "./scenario.ts";
import {
  type Answer,
  accepts,
  type Candidate,
  type RunTimes,
  SearchState,
  type TestOutcome,
} from "./search.ts";
import { timedUnits, windowsPass } from "./window-pass.ts";

const scenario: Scenario = {
  name: "synthetic",
  description: "windows fixture",
  cluster: { nodes: 3 },
  clients: [
    { names: ["p0"], generator: { mix: { append: 1 }, keys: ["k"], maxOps: 4 } },
    { names: ["p1"], generator: { mix: { append: 1 }, keys: ["k"], maxOps: 4 } },
  ],
  faults: [{ kind: "random", rates: { crash: 1 } }],
  runFor: "1s",
  runForUs: 1_000_000,
};

/** One client running a four-step script (reads with a pause), and no faults. */
const scripted: Scenario = {
  ...scenario,
  clients: [
    {
      names: ["r0"],
      script: [[["r", "k", null]], { pauseUs: 10 }, [["r", "k", null]], [["r", "k", null]]],
    },
  ],
  faults: [],
};

/** p0 invokes op j at j·100 µs, p1 at j·100 + 50; the two crashes come at 120 and 280 µs. */
const times: RunTimes = {
  ops: { p0: { 0: 0, 1: 100, 2: 200, 3: 300 }, p1: { 0: 50, 1: 150, 2: 250, 3: 350 } },
  faults: { "r0/crash#0": 120, "r0/crash#1": 280 },
};
const faultIds = ["r0/crash#0", "r0/crash#1"];

function state(): SearchState {
  return new SearchState(
    scenario,
    { edits: {}, seed: 1 },
    { maxAttempts: 1_000, initialFaultIds: faultIds, initialTimes: times },
  );
}

/** What a candidate removed, as "p0#1" (op 1 of client 0's process) and "crash#0". */
function removed(c: Candidate): Set<string> {
  const out = new Set<string>();
  for (const [ci, js] of Object.entries(c.edits.dropOps ?? {})) for (const j of js) out.add(`p${ci}#${j}`);
  for (const [ci, cap] of Object.entries(c.edits.maxOps ?? {}))
    for (let j = cap; j < 4; j++) out.add(`p${ci}#${j}`);
  for (const [ci, skip] of Object.entries(c.edits.skipOps ?? {}))
    for (let j = 0; j < skip; j++) out.add(`p${ci}#${j}`);
  for (const n of c.edits.dropArrivals?.["0/crash"] ?? []) out.add(`crash#${n}`);
  return out;
}

/** Runs the windows pass against `test`, serially; returns what the best candidate removed. */
function runPass(test: (gone: ReadonlySet<string>) => boolean): Set<string> {
  const s = state();
  const search = windowsPass(s);
  let step = search.next();
  while (!step.done) {
    const answer: Answer = [];
    for (const c of step.value.candidates) {
      const gone = removed(c);
      const ids = faultIds.filter((id) => !gone.has(id.slice(3)));
      const o: TestOutcome = { ok: test(gone), faultIds: ids, times };
      answer.push(o);
      if (accepts(o, step.value.limit)) break;
    }
    step = search.next(answer);
  }
  return removed(s.best);
}

describe("timedUnits", () => {
  it("lists the run's ops and faults in the order they happened", () => {
    const order = timedUnits(state()).map((u) => ("op" in u ? `p${u.op.ci}#${u.op.j}` : u.fault));
    expect(order).toEqual([
      "p0#0",
      "p1#0",
      "p0#1",
      "r0/crash#0",
      "p1#1",
      "p0#2",
      "p1#2",
      "r0/crash#1",
      "p0#3",
      "p1#3",
    ]);
  });

  it("finds a script step's time under its index in the script the run ran", () => {
    // Step 0 was removed: the run ran steps 1..3 of the original as its steps 0..2.
    const s = new SearchState(
      scripted,
      { edits: { dropSteps: { "0": [0] } }, seed: 1 },
      { initialTimes: { steps: { r0: { 1: 500, 2: 200 } } } },
    );
    expect(timedUnits(s).map((u) => ("op" in u ? [u.op.j, u.atUs] : []))).toEqual([
      [3, 200],
      [2, 500],
    ]);
  });

  it("leaves out faults the best run no longer injected", () => {
    const s = state();
    s.bestFaults = ["r0/crash#1"];
    expect(timedUnits(s).filter((u) => "fault" in u)).toEqual([{ atUs: 280, fault: "r0/crash#1" }]);
  });
});

describe("windowsPass", () => {
  it("removes a fault together with the op next to it when neither can go alone", () => {
    const gone = runPass(
      (g) => [...g].every((x) => x === "crash#0" || x === "p0#1") && g.has("crash#0") === g.has("p0#1"),
    );
    expect([...gone].sort()).toEqual(["crash#0", "p0#1"]);
  });

  it("removes any stretch of two or more neighbours in time that can only go together", () => {
    const order = timedUnits(state()).map((u) => ("op" in u ? `p${u.op.ci}#${u.op.j}` : u.fault.slice(3)));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: order.length - 2 }),
        fc.integer({ min: 2, max: 4 }),
        (at, len) => {
          const stretch = new Set(order.slice(at, at + len));
          const gone = runPass(
            (g) => g.size === 0 || (g.size === stretch.size && [...g].every((x) => stretch.has(x))),
          );
          // Delta debugging finds the stretch whenever a chunk of it lines up: always for two (chunks
          // of two, also offset by one); for longer ones, when some sweep's chunk is exactly it.
          if (stretch.size === 2) expect(gone).toEqual(stretch);
          else expect(gone.size === 0 || [...gone].every((x) => stretch.has(x))).toBe(true);
        },
      ),
    );
  });
});

describe("held script steps", () => {
  it("holds a removed step for as long as it held its process, and counts it in the script run", () => {
    const s = new SearchState(
      scripted,
      { edits: {}, seed: 1 },
      { initialTimes: { steps: { r0: { 0: 0, 2: 300, 3: 900 } }, stepHolds: { r0: { 0: 250, 2: 600 } } } },
    );
    const c = s.withEdits({ dropSteps: { "0": [0] } });
    expect(c.edits.holdStepsUs).toEqual({ "0": { "0": 250 } });
    const run = applyEdits(scripted, c.edits).clients[0]!.script!;
    expect(run[0]).toEqual({ pauseUs: 250, think: true });
    // Held, step 0 still takes a place in the script run: step 2 is still its step 2.
    expect(runStepIndex(c.edits, 0, 2)).toBe(2);
    expect(runStepIndex({ dropSteps: { "0": [0] } }, 0, 2)).toBe(1);
  });

  it("rejects holds of steps that a scenario does not have", () => {
    expect(checkEdits({ holdStepsUs: { "0": { "9": 5 } } }, scripted)).toMatch(/holdStepsUs\.0\.9/);
    expect(checkEdits({ holdStepsUs: { "1": { "0": 5 } } }, scripted)).toMatch(/no script client 1/);
    expect(checkEdits({ dropSteps: { "0": [0] }, holdStepsUs: { "0": { "0": 5 } } }, scripted)).toBeNull();
  });
});
