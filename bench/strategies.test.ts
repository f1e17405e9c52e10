import { describe, expect, it } from "vitest";
import type { BenchResult } from "./index.ts";
import { type Cell, cataloguedVariants, censoredMedian, runStrategies, strategyCell } from "./strategies.ts";

describe("strategies bench section", () => {
  it("lists the catalogued variants, each with its own scenario", () => {
    const vs = cataloguedVariants();
    expect(vs).toContain("multi-double-count");
    expect(vs).not.toContain("fixed");
  });

  it("one line per (strategy, variant) and one summary per strategy, on tiny caps", async () => {
    const lines: BenchResult[] = [];
    const cells = await runStrategies({
      seeds: 2,
      variants: ["multi-double-count"],
      strategies: ["pct", "off"],
      emit: (r) => lines.push(r),
    });
    expect(lines.map((l) => l.name)).toEqual([
      "strategies.pct.multi-double-count",
      "strategies.off.multi-double-count",
      "strategies.pct",
      "strategies.off",
    ]);
    for (const c of cells) {
      expect(c.seedsRun).toBeGreaterThanOrEqual(1);
      expect(c.seedsRun).toBeLessThanOrEqual(2);
      // Found means a run showed a class the scenario expects, at the seed the cell stopped on.
      if (c.found) expect(c.seed).toBe(c.seedsRun);
      else expect(c.stopped).toBe("seed-cap");
    }
  });

  it("a cell is deterministic in its seeds and verdict", async () => {
    const a = await strategyCell("multi-double-count", "random", { seeds: 2 });
    const b = await strategyCell("multi-double-count", "random", { seeds: 2 });
    expect([b.found, b.seed, b.seedsRun, b.anomalyTypes]).toEqual([
      a.found,
      a.seed,
      a.seedsRun,
      a.anomalyTypes,
    ]);
  });

  it("reports a capped cell as not found, with the seeds it got", async () => {
    // B15(a) is not reproduced in this model (docs/catalogue.md): one seed cannot find it.
    const c = await strategyCell("hlc-no-apply-observe", "random", { seeds: 1 });
    expect(c).toMatchObject({ found: false, seedsRun: 1, stopped: "seed-cap" });
  });

  it("rejects an unknown strategy or variant", async () => {
    const emit = () => {};
    await expect(runStrategies({ strategies: ["fifo"], emit })).rejects.toThrow(/unknown strategy 'fifo'/);
    await expect(runStrategies({ variants: ["nope"], emit })).rejects.toThrow(/not a catalogued variant/);
  });

  it("a median over variants counts one not found as more than any cap", () => {
    const cell = (seed?: number): Cell => ({
      strategy: "pct",
      variant: "v",
      scenario: "s",
      found: seed !== undefined,
      ...(seed !== undefined ? { seed } : {}),
      seedsRun: seed ?? 10,
      otherFailures: 0,
      stopped: seed !== undefined ? "found" : "seed-cap",
      wallMs: 0,
      cpuMs: 0,
    });
    expect(censoredMedian([cell(1), cell(5), cell()])).toEqual({ median: 5, censored: false });
    expect(censoredMedian([cell(1), cell(), cell()])).toEqual({ median: null, censored: true });
  });
});
