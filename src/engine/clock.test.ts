import { describe, expect, it } from "vitest";
import { Clocks } from "./clock.ts";
import { Simulation } from "./sim.ts";

describe("Clocks.onChange", () => {
  it("is told before a skew changes, with the old clock still readable, and not when nothing changes", () => {
    const sim = new Simulation();
    const clocks = new Clocks(sim, 3);
    const seen: string[] = [];
    clocks.onChange((node) => seen.push(`${node}:${clocks.wallUs(node)}`));
    sim.schedule(1_000, () => {
      clocks.jump(1, 500);
      clocks.setSkew(1, 500);
      clocks.setSkew(2, -300);
      clocks.jump(0, 0);
    });
    sim.run();
    expect(seen).toEqual(["1:1000", "2:1000"]);
    expect(clocks.wallUs(1)).toBe(1_500);
    seen.length = 0;
    clocks.reset();
    expect(seen).toEqual(["1:1500", "2:700"]);
    expect([0, 1, 2].map((i) => clocks.skew(i))).toEqual([0, 0, 0]);
  });
});
