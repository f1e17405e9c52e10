import { describe, expect, it } from "vitest";
import { applyBuggify } from "../cluster/buggify.ts";
import { resolveKnobs, valueWhenUnrecorded } from "../cluster/knobs.ts";
import { RandomSource } from "../engine/rng.ts";
import { loadScenario } from "./scenarios.ts";

describe("BUGGIFY", async () => {
  const { scenario } = await loadScenario("mixed");
  const knobs = resolveKnobs(scenario, "fixed");

  it("draws nothing without swarm, or for a run recorded before it existed", () => {
    expect(valueWhenUnrecorded.buggify).toBe(false);
    for (const [k, swarm] of [
      [knobs, false],
      [{ ...knobs, buggify: false }, true],
    ] as const) {
      const rs = new RandomSource({ seed: 3 });
      const r = applyBuggify(scenario, k, rs.stream("buggify"), swarm);
      expect(r.draw).toBeUndefined();
      expect(r.scenario).toBe(scenario);
      expect(rs.tape).toEqual([]);
    }
  });

  it("is a function of the seed, an all-zero tape keeps everything, and seeds vary knobs and shapes", () => {
    const draw = (seed: number) =>
      applyBuggify(scenario, knobs, new RandomSource({ seed }).stream("buggify"), true);
    expect(draw(5)).toEqual(draw(5));
    const zero = applyBuggify(scenario, knobs, new RandomSource({ tape: [] }).stream("buggify"), true);
    expect(zero.draw).toEqual({ knobs: {}, shapes: [] });
    expect(zero.knobs).toEqual(knobs);
    const shapes = new Set<string>();
    for (let seed = 1; seed <= 60; seed++)
      for (const s of draw(seed).draw!.shapes) shapes.add(s.split(/[= ]/)[0]!);
    for (const s of [
      "maxDeltaScanLimit",
      "compactorTickScanLimit",
      "coordinator",
      "keys",
      "MULTI/EXEC",
      "quick",
    ])
      expect(shapes).toContain(s);
  });

  it("never redraws a knob that the scenario, the variant or --knob set", () => {
    const set = { ...knobs, maxDeltaScanLimit: 7, compactionThreshold: 3, electionTicks: 10 };
    for (let seed = 1; seed <= 60; seed++) {
      const r = applyBuggify(scenario, set, new RandomSource({ seed }).stream("buggify"), true);
      expect(r.knobs.maxDeltaScanLimit).toBe(7);
      expect(r.knobs.compactionThreshold).toBe(3);
      expect(r.knobs.electionTicks).toBe(10);
      expect(r.knobs.coordinator).toBe("production");
    }
  });

  it("renames keys one to one", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = applyBuggify(scenario, knobs, new RandomSource({ seed }).stream("buggify"), true);
      if (!r.draw!.shapes.some((s) => s.startsWith("keys"))) continue;
      const before = scenario.clients.flatMap((c) => c.generator?.keys ?? []);
      const after = r.scenario.clients.flatMap((c) => c.generator?.keys ?? []);
      expect(new Set(after).size).toBe(new Set(before).size);
      return;
    }
    throw new Error("no seed of 40 drew a key style");
  });
});
