/**
 * The catalogue regression suite, shared by `scenarios/catalogue-*.test.ts`: for each variant, a
 * bounded hunt on its own scenario must report one of the anomaly classes its scenario file
 * expects (the checker is never told which), the failure must shrink and still show that class,
 * and the shrunk run must replay to the same history; every scenario the variants table
 * (src/redis/variants.ts) links to these variants must report nothing under `fixed`. Only test
 * files import this module (it registers Vitest tests).
 */
import { describe, expect, it } from "vitest";
import { variantScenarios } from "./catalog.ts";
import { hunt, matchesExpected, sweep } from "./hunt.ts";

export interface CatalogueSuite {
  title: string;
  variants: string[];
  /**
   * Scenarios linked to these variants (in src/redis/variants.ts) that another test sweeps under
   * `fixed`, with where; every other linked scenario is swept here.
   */
  sweptElsewhere?: Record<string, string>;
  /** Each hunt must find its bug within this many seeds (named in the test title). */
  bound: number;
  /** A larger bound for a variant whose bug the model reaches more rarely (say why at the call). */
  bounds?: Record<string, number>;
  /**
   * The shrink's attempt budget (default 60). Counted in attempts, not wall time, so that a test
   * passes or fails the same way on an idle machine and on a loaded one.
   */
  shrinkAttempts?: number;
  timeoutMs?: number;
  /** Seeds of the `fixed` sweep per scenario. */
  fixedSeeds?: number;
  /** Variants documented as not reproducible, with the reason (shown as skipped tests). */
  notReproduced?: Record<string, string>;
}

export function catalogueSuite(s: CatalogueSuite): void {
  const shrinkAttempts = s.shrinkAttempts ?? 60;
  // Generous: a test's outcome never depends on it, only how long a hung run may hold the suite.
  const timeoutMs = s.timeoutMs ?? 120_000;
  const fixedSeeds = s.fixedSeeds ?? 10;
  describe(s.title, () => {
    for (const variant of s.variants) {
      const bound = s.bounds?.[variant] ?? s.bound;
      it(
        `${variant}: found within ${bound} seeds, shrinks, replays`,
        async () => {
          const r = await hunt(variant, { maxSeeds: bound, shrink: shrinkAttempts });
          expect(r.found, `${variant} not found in ${bound} seeds of ${r.scenario}`).toBeDefined();
          expect(matchesExpected(r.found!.anomalyTypes, r.expected)).toBe(true);
          const sh = r.shrink!;
          expect(sh.reproduced).toBe(true);
          expect(
            matchesExpected(sh.final.result.anomalyTypes, r.expected),
            sh.final.result.anomalyTypes.join(" "),
          ).toBe(true);
          expect(sh.attempts).toBeLessThanOrEqual(shrinkAttempts);
          expect(sh.timedOut).toBe(false);
          // Never larger than the failing run (the shrinker also asserts this itself).
          expect(sh.after.ops).toBeLessThanOrEqual(sh.before.ops);
          expect(sh.after.faults).toBeLessThanOrEqual(sh.before.faults);
          expect(matchesExpected(r.replayed!.anomalyTypes, r.expected)).toBe(true);
          expect(r.replayed!.sameHash).toBe(true);
        },
        timeoutMs,
      );
    }
    for (const [variant, why] of Object.entries(s.notReproduced ?? {})) {
      it.skip(`${variant}: not reproduced — ${why}`, () => {});
    }
    for (const scenario of catalogueScenarios(s)) {
      it(
        `${scenario}: nothing under fixed (${fixedSeeds} seeds)`,
        async () => {
          expect(await sweep(scenario, "fixed", fixedSeeds)).toEqual([]);
        },
        timeoutMs,
      );
    }
  });
}

/**
 * The scenarios a suite sweeps under `fixed`: those the variants table links to its variants (the
 * ones it hunts and the ones it lists as not reproduced), each once, less those swept elsewhere.
 */
export function catalogueScenarios(
  s: Pick<CatalogueSuite, "variants" | "notReproduced" | "sweptElsewhere">,
): string[] {
  const all = [...s.variants, ...Object.keys(s.notReproduced ?? {})].flatMap(variantScenarios);
  return [...new Set(all)].filter((x) => s.sweptElsewhere?.[x] === undefined);
}
