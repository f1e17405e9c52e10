import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDurationMs, parseKnobArgs, parseSeed, parseShard } from "./options.ts";
import { campaignId, failureDirName, jobCount, jobs, type Plan, shrunkPath, unshardedId } from "./plan.ts";

const take = (plan: Plan, n = 10_000) => {
  const out = [];
  for (const j of jobs(plan)) {
    out.push(j);
    if (out.length >= n) break;
  }
  return out;
};

describe("seed plan", () => {
  const pairs = [
    { scenario: "a", variant: "fixed" },
    { scenario: "b", variant: "fixed" },
    { scenario: "c", variant: "head" },
  ];

  it("runs every pair for each seed offset, `--seeds` being the total", () => {
    const js = take({ pairs, firstSeed: 10, total: 7 });
    expect(js.map((j) => `${j.pair.scenario}${j.seed}`)).toEqual([
      "a10",
      "b10",
      "c10",
      "a11",
      "b11",
      "c11",
      "a12",
    ]);
    expect(jobCount({ pairs, firstSeed: 10, total: 7 })).toBe(7);
  });

  it("shards partition the campaign exactly, for any shard count", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 3 }),
        (n, total, p) => {
          const ps = pairs.slice(0, p);
          const all = take({ pairs: ps, firstSeed: 1, total }).map((j) => j.index);
          const union: number[] = [];
          for (let i = 0; i < n; i++) {
            const plan = { pairs: ps, firstSeed: 1, total, shard: { index: i, count: n } };
            const js = take(plan);
            expect(js.length).toBe(jobCount(plan));
            // Shard i takes the seeds first + k with k mod n = i.
            for (const j of js) expect((j.seed - 1) % n).toBe(i);
            union.push(...js.map((j) => j.index));
          }
          expect(union.sort((a, b) => a - b)).toEqual(all);
        },
      ),
    );
  });

  it("is unbounded without a total", () => {
    expect(take({ pairs, firstSeed: 1 }, 1000)).toHaveLength(1000);
    expect(jobCount({ pairs, firstSeed: 1 })).toBeUndefined();
  });

  it("names campaigns from their arguments, not the clock", () => {
    const id = campaignId({
      variantArg: "fixed",
      scenarios: ["mixed", "./x/y.ts"],
      firstSeed: 1,
      shard: { index: 2, count: 4 },
    });
    expect(id).toBe("fuzz-fixed-mixed+y-from-1-shard-2-of-4");
    expect(unshardedId(id)).toBe("fuzz-fixed-mixed+y-from-1");
    expect(campaignId({ variantArg: "a,b", scenarios: [], firstSeed: 5 })).toBe("fuzz-a+b-default-from-5");
    expect(failureDirName({ scenario: "dir/q.ts", variant: "head" }, 3, true)).toBe("q-head-3");
  });
});

describe("flag values", () => {
  it("parses durations, seeds, shards and knobs", () => {
    expect(parseDurationMs("90")).toBe(90_000);
    expect(parseDurationMs("90s")).toBe(90_000);
    expect(parseDurationMs("5m")).toBe(300_000);
    expect(parseDurationMs("2h")).toBe(7_200_000);
    expect(parseDurationMs("1.5")).toBe(1500);
    expect(() => parseDurationMs("soon")).toThrow(/--duration/);
    expect(parseSeed("42")).toBe(42);
    expect(() => parseSeed("-1")).toThrow(/--seed/);
    expect(() => parseSeed("1e3")).toThrow(/--seed/);
    expect(parseShard("1/4")).toEqual({ index: 1, count: 4 });
    expect(() => parseShard("4/4")).toThrow(/--shard/);
    expect(parseKnobArgs(["a=1", "b = x=y"])).toEqual({ a: "1", b: "x=y" });
    expect(() => parseKnobArgs(["novalue"])).toThrow(/--knob/);
    expect(shrunkPath("dir/repro.json")).toBe("dir/repro.shrunk.json");
    expect(shrunkPath("repro")).toBe("repro.shrunk");
  });
});
