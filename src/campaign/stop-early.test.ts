/**
 * `sim run --stop-at-first-anomaly`: the run ends once the ops so far prove an anomaly, and the
 * shorter history still fails; a run with nothing to prove runs to its end.
 */
import { describe, expect, it } from "vitest";
import { resolveKnobs } from "../cluster/knobs.ts";
import { runScenario } from "../cluster/run.ts";
import type { RunInput } from "../cluster/types.ts";
import { appendOnlyKeys } from "../workload/append-only.ts";
import { normalizeScenario } from "../workload/normalize.ts";
import { generate, random, scenario } from "../workload/scenario.ts";
import { runAndCheck, stopAtFirstProvedAnomaly } from "./evaluate.ts";

const spec = scenario({
  description: "contended MULTI/EXEC appends and reads on three keys, with leader moves",
  cluster: { nodes: 3, knobs: {} },
  clients: [
    generate("p0..p5", { mix: { txn: 4, append: 2, r: 1 }, keys: [1, 2, 3], thinkUs: [0, 200] }),
    generate("p6", { mix: { pop: 1, append: 1 }, keys: ["q"] }),
  ],
  faults: [random({ "transfer-leader": 0.5, "isolate-leader": 0.3, "clock-skew": 0.5 })],
  runFor: "3s",
  expect: "strict-serializable",
});
const s = normalizeScenario(spec, "stop-early");

describe("stopping a run at the first proved anomaly", () => {
  it("declares only RPUSH/LRANGE keys append-only", () => {
    const only = appendOnlyKeys(s);
    expect([1, 2, 3].map(only)).toEqual([true, true, true]);
    expect(only("q")).toBe(false);
    expect(only(4)).toBe(false);
  });

  it("rules out keys whose MULTI/EXEC may carry other commands (txnKinds)", () => {
    const popsInTxn = normalizeScenario(
      scenario({
        description: "MULTI/EXEC with pops",
        cluster: { nodes: 3, knobs: {} },
        clients: [
          generate("p0", { mix: { txn: 1, rpush: 1 }, keys: [1], txnKinds: ["rpush", "lpop"] }),
          generate("p1", { mix: { txn: 1 }, keys: [2], txnKinds: ["rpush", "lrange"] }),
        ],
        runFor: "1s",
        expect: "strict-serializable",
      }),
      "pops-in-txn",
    );
    const only = appendOnlyKeys(popsInTxn);
    expect([only(1), only(2)]).toEqual([false, true]);
  });

  it("judges append-only keys on the scenario BUGGIFY hands the run", () => {
    // Some seeds draw MULTI shapes with pops for the txn clients: keys 1–3 are then not append-only.
    const knobs = resolveKnobs(s, "fixed");
    const flipped: number[] = [];
    for (let seed = 1; seed <= 40 && flipped.length === 0; seed++) {
      const input = { scenario: s, scenarioRef: "stop-early", variant: "fixed", knobs, seed };
      const runInput: RunInput = { scenario: s, variant: "fixed", knobs, seed };
      const appendOnly = stopAtFirstProvedAnomaly({ ...input, stopAtFirstAnomaly: true }, runInput);
      expect(appendOnly(1)).toBe(true); // as the scenario file declares it
      runInput.onOp = () => true; // the first op ends the run: only the drawn scenario matters here
      runScenario(runInput);
      if (!appendOnly(1)) flipped.push(seed);
    }
    expect(flipped.length).toBe(1);
  });

  it("ends an anomalous run early, and the shorter history still fails", () => {
    // B6 reopened: read keys are validated before proposing only.
    const knobs = resolveKnobs(s, "head", { readSetInRaft: "false" });
    // A seed whose run fails and whose anomaly is proved early (the BUGGIFY draws pick the shape).
    const base = { scenario: s, scenarioRef: "stop-early", variant: "head", knobs, seed: 4 };
    const whole = runAndCheck(base);
    const early = runAndCheck({ ...base, stopAtFirstAnomaly: true });
    expect(whole.result.valid).toBe(false);
    expect(early.result.valid).toBe(false);
    expect(early.history.length).toBeLessThan(whole.history.length / 2);
  });

  it("runs a valid run to its end", () => {
    const knobs = resolveKnobs(s, "fixed");
    const base = { scenario: s, scenarioRef: "stop-early", variant: "fixed", knobs, seed: 3 };
    const whole = runAndCheck(base);
    const early = runAndCheck({ ...base, stopAtFirstAnomaly: true });
    expect(whole.result.valid).toBe(true);
    expect(early.history).toEqual(whole.history);
  });
});
