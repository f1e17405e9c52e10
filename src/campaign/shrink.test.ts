import { afterAll, describe, expect, it } from "vitest";
import { checkEdits } from "../shrink/index.ts";
import { targetOf } from "./hunt.ts";
import { type ShrinkCase, shrinkCase, shrinkCaseParallel } from "./shrink.ts";
import { shrinkPool } from "./shrink-pool.ts";

// A real failure: B1's variant fails on seed 1 of its scenario (see the catalogue tests), with
// lost-append as long as BUGGIFY draws nothing (with its draws, seed 1 shows lost-element instead).
const t = await targetOf("multi-reads-base-meta");
const sc: ShrinkCase = {
  scenario: t.scenario,
  scenarioRef: t.scenarioRef,
  variant: t.variant,
  knobs: { ...t.knobs, buggify: false },
  seed: 1,
  swarm: t.scenario.swarm ?? true,
  target: ["lost-append"],
};

describe("shrinkCase on a real failure", () => {
  const pool = shrinkPool(2);
  afterAll(() => pool.close());

  it("gives the same repro for the same attempt budget, serially and on a worker pool", async () => {
    const a = shrinkCase(sc, { maxAttempts: 25 });
    expect(a.reproduced).toBe(true);
    expect(a.attempts).toBe(25);
    const b = shrinkCase(sc, { maxAttempts: 25 });
    expect(b.best).toEqual(a.best);
    expect(b.repro.expected).toEqual(a.repro.expected);
    const c = await shrinkCaseParallel(sc, { maxAttempts: 25 }, pool.run, pool.width);
    expect(c.best).toEqual(a.best);
    expect(c.attempts).toBe(a.attempts);
    expect(c.repro.expected).toEqual(a.repro.expected);
    // A repro file's edits are read back through the same validation as any other input.
    expect(checkEdits(a.best.edits, t.scenario)).toBeNull();
    // Never larger than the failing run.
    expect(a.after.ops).toBeLessThanOrEqual(a.before.ops);
    expect(a.after.faults).toBeLessThanOrEqual(a.before.faults);
  }, 120_000);

  it("lists the anomaly's ops first and the rest as context", () => {
    const r = shrinkCase(sc, { maxAttempts: 40 });
    const roles = r.repro.opRoles ?? [];
    expect(roles.length).toBeGreaterThan(0);
    const firstContext = roles.findIndex((o) => o.role === "context");
    const anomaly = roles.filter((o) => o.role === "anomaly");
    expect(anomaly.length).toBeGreaterThan(0);
    if (firstContext >= 0) expect(roles.slice(firstContext).every((o) => o.role === "context")).toBe(true);
    // Every client op of the shrunk run appears once.
    const invokes = r.final.history.filter((o) => o.process !== "nemesis" && o.type === "invoke").length;
    expect(roles.filter((o) => o.process !== "nemesis").length).toBe(invokes);
  }, 120_000);
});
