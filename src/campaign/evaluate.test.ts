import { beforeEach, describe, expect, it, vi } from "vitest";
import { defaultKnobs } from "../cluster/knobs.ts";
import type { RunOutcome } from "../cluster/types.ts";
import type { Scenario } from "../workload/scenario.ts";

// The simulator and the checker are stubbed: this tests how a run's verdict is put together.
const sim = vi.hoisted(() => ({ run: (): RunOutcome => ({}) as RunOutcome }));
const checker = vi.hoisted(() => ({
  verdict: { valid: true as boolean | "unknown", anomalyTypes: [] as string[], anomalies: [] as unknown[] },
}));
vi.mock("../cluster/run.ts", () => ({ runScenario: () => sim.run() }));
vi.mock("../check/index.ts", () => ({
  checkHistory: () => ({ ...checker.verdict, stats: {}, models: [], notModels: [] }),
}));

const { runAndCheck, showsFailure } = await import("./evaluate.ts");

const scenario = {
  name: "s",
  description: "",
  cluster: { nodes: 1 },
  clients: [],
  runFor: "1s",
  runForUs: 1e6,
} as Scenario;
const input = { scenario, scenarioRef: "s", variant: "fixed", knobs: defaultKnobs, seed: 7 };
const outcome = (over: Partial<RunOutcome> = {}): RunOutcome => ({
  history: [],
  historyHash: "h1",
  failures: [],
  stats: { ops: 3, ok: 2, fail: 1, info: 0, simTimeMs: 5, leaderChanges: 1, faults: 0, events: 99 },
  config: { swarm: 1 },
  probes: { p: 2 },
  events: [],
  tape: [1, 2],
  ...over,
});

describe("runAndCheck", () => {
  beforeEach(() => {
    checker.verdict = { valid: true, anomalyTypes: [], anomalies: [] };
  });

  it("gives the run --json shape", () => {
    sim.run = () => outcome();
    const ev = runAndCheck(input);
    expect(ev.result).toMatchObject({
      scenario: "s",
      variant: "fixed",
      seed: 7,
      valid: true,
      anomalyTypes: [],
      stats: { ops: 3, ok: 2, fail: 1, info: 0, simTimeMs: 5, leaderChanges: 1, faults: 0 },
      config: { swarm: 1 },
      probes: { p: 2 },
      historyHash: "h1",
    });
    expect(ev.result.stats).not.toHaveProperty("events");
    expect(ev.tape).toEqual([1, 2]);
  });

  it("counts the run's own failures as failures, even when the checker is unsure", () => {
    checker.verdict = { valid: "unknown", anomalyTypes: ["empty-transaction-graph"], anomalies: [] };
    sim.run = () => outcome();
    expect(runAndCheck(input).result.valid).toBe("unknown");
    sim.run = () => outcome({ failures: [{ type: "liveness", message: "stuck", atUs: 1500 }] });
    const r = runAndCheck(input).result;
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(["empty-transaction-graph", "liveness"]);
    expect(r.anomalies.at(-1)).toMatchObject({
      type: "liveness",
      explanation: "stuck (at 1.500 ms simulated)",
    });
  });

  it("turns an exception in the simulation into a sim-error with a stable hash", () => {
    sim.run = () => {
      throw new Error("boom");
    };
    const a = runAndCheck(input);
    const b = runAndCheck(input);
    expect(a.result.valid).toBe(false);
    expect(a.result.anomalyTypes).toEqual(["sim-error"]);
    expect(a.error?.stack).toMatch(/boom/);
    expect(a.result.historyHash).toBe(b.result.historyHash);
    expect(a.result.historyHash).toMatch(/^sim-error:/);
  });

  it("knows when a run still shows the target failure", () => {
    expect(showsFailure(["G0", "lost-append"], ["G0"])).toBe(true);
    expect(showsFailure(["G0"], ["G0", "lost-append"])).toBe(false);
    expect(showsFailure(["x"], [])).toBe(true);
    expect(showsFailure([], [])).toBe(false);
  });
});
