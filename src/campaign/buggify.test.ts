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

  it("draws the wider dimensions only with buggifyWider, after every other draw", () => {
    expect(valueWhenUnrecorded.buggifyWider).toBe(false);
    for (let seed = 1; seed <= 30; seed++) {
      const narrow = new RandomSource({ seed });
      const wide = new RandomSource({ seed });
      const a = applyBuggify(scenario, { ...knobs, buggifyWider: false }, narrow.stream("buggify"), true);
      const b = applyBuggify(scenario, knobs, wide.stream("buggify"), true);
      // The wider draws extend the tape; what the first block drew is unchanged.
      expect(wide.tape.slice(0, narrow.tape.length)).toEqual(narrow.tape);
      expect(b.draw!.shapes.slice(0, a.draw!.shapes.length)).toEqual(a.draw!.shapes);
    }
    const shapes = new Set<string>();
    for (let seed = 1; seed <= 80; seed++) {
      const r = applyBuggify(scenario, knobs, new RandomSource({ seed }).stream("buggify"), true);
      for (const s of r.draw!.shapes) shapes.add(s.split(/[=:(]/)[0]!.trim());
    }
    for (const s of [
      "read path",
      "clientTimeoutUs",
      "one hot key per client",
      "MULTI/EXEC of each client's own commands",
      "twice the clients",
    ])
      expect(shapes).toContain(s);
  });

  it("keeps the read path a scenario sets, and every edited workload well formed", () => {
    const set = { ...knobs, readCallFence: false };
    let seen = 0;
    for (let seed = 1; seed <= 80; seed++) {
      const r = applyBuggify(scenario, set, new RandomSource({ seed }).stream("buggify"), true);
      expect(r.knobs.readCallFence).toBe(false);
      expect(r.knobs.readProxyToLeader).toBe(true);
      const names = r.scenario.clients.flatMap((c) => c.names);
      expect(new Set(names).size).toBe(names.length);
      const shapes = r.draw!.shapes;
      // A small delta scan page never meets a hot key or twin clients (the store would refuse
      // writes beyond the progress bound).
      if ((r.knobs.maxDeltaScanLimit as number) < 1024) {
        expect(shapes).not.toContain("one hot key per client (real)");
        expect(shapes).not.toContain("twice the clients (real)");
      }
      if (shapes.includes("one hot key per client (real)")) {
        seen |= 1;
        for (const c of r.scenario.clients) expect(c.generator?.keys.length ?? 1).toBe(1);
      }
      if (shapes.includes("MULTI/EXEC of each client's own commands (real)")) {
        seen |= 2;
        for (const c of r.scenario.clients) {
          const g = c.generator;
          if (!g) continue;
          expect(g.mix.txn).toBeGreaterThan(0);
        }
      }
      if (shapes.includes("twice the clients (real)")) {
        seen |= 4;
        expect(names.length).toBeGreaterThan(scenario.clients.flatMap((c) => c.names).length);
      }
    }
    expect(seen).toBe(7);
  });
});
