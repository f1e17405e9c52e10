import { describe, expect, it } from "vitest";
import { RandomSource } from "../engine/rng.ts";
import { defaultKnobs } from "./knobs.ts";
import { drawScheduleParams, legacyScheduleKnobs } from "./sched-knobs.ts";

describe("scheduling knobs", () => {
  it("off draws nothing, in swarm mode too, so a coarse run keeps its old tape", () => {
    const src = new RandomSource({ seed: 4 });
    const p = drawScheduleParams({ ...defaultKnobs, schedStrategy: "off" }, src.stream("swarm"), true);
    expect(p.strategy).toBe("off");
    expect(src.choices).toBe(0);
  });

  it("mixed draws a strategy per seed in swarm mode, and is random without swarm", () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const p = drawScheduleParams(defaultKnobs, new RandomSource({ seed }).stream("swarm"), true);
      seen.add(p.strategy);
    }
    expect([...seen].sort()).toEqual(["pct", "pos", "random"]);
    const src = new RandomSource({ seed: 1 });
    expect(drawScheduleParams(defaultKnobs, src.stream("swarm"), false).strategy).toBe("random");
    expect(src.choices).toBe(0);
  });

  it("a named strategy is kept in swarm mode", () => {
    for (let seed = 0; seed < 10; seed++) {
      const p = drawScheduleParams(
        { ...defaultKnobs, schedStrategy: "pct" },
        new RandomSource({ seed }).stream("swarm"),
        true,
      );
      expect(p.strategy).toBe("pct");
    }
  });

  it("repro files without the knobs load the coarse model", () => {
    expect(legacyScheduleKnobs).toEqual({
      schedStrategy: "off",
      readCallFence: false,
      readProxyToLeader: false,
    });
  });
});
