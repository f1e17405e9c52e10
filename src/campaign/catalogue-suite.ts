/**
 * The catalogue regression suite, shared by `scenarios/catalogue-*.test.ts`: for each variant, a
 * bounded hunt on its own scenario must report one of the anomaly classes its scenario file
 * expects (the checker is never told which), the failure must shrink and still show that class,
 * and the shrunk run must replay to the same history; each scenario must report nothing under
 * `fixed`. Only test files import this module (it registers Vitest tests).
 */
import { describe, expect, it } from "vitest";
import { hunt, matchesExpected, sweep } from "./hunt.ts";

export interface CatalogueSuite {
  title: string;
  variants: string[];
  scenarios: string[];
  /** Each hunt must find its bug within this many seeds (named in the test title). */
  bound: number;
  /** A larger bound for a variant whose bug the model reaches more rarely (say why at the call). */
  bounds?: Record<string, number>;
  shrinkMs?: number;
  timeoutMs?: number;
  /** Seeds of the `fixed` sweep per scenario. */
  fixedSeeds?: number;
  /** Variants documented as not reproducible, with the reason (shown as skipped tests). */
  notReproduced?: Record<string, string>;
}

export function catalogueSuite(s: CatalogueSuite): void {
  const shrinkMs = s.shrinkMs ?? 4_000;
  const timeoutMs = s.timeoutMs ?? 40_000;
  const fixedSeeds = s.fixedSeeds ?? 10;
  describe(s.title, () => {
    for (const variant of s.variants) {
      const bound = s.bounds?.[variant] ?? s.bound;
      it(
        `${variant}: found within ${bound} seeds, shrinks, replays`,
        async () => {
          const r = await hunt(variant, { maxSeeds: bound, shrinkMs });
          expect(r.found, `${variant} not found in ${bound} seeds of ${r.scenario}`).toBeDefined();
          expect(matchesExpected(r.found!.anomalyTypes, r.expected)).toBe(true);
          const sh = r.shrink!;
          expect(sh.reproduced).toBe(true);
          expect(
            matchesExpected(sh.final.result.anomalyTypes, r.expected),
            sh.final.result.anomalyTypes.join(" "),
          ).toBe(true);
          expect(sh.after.ops).toBeLessThanOrEqual(sh.before.ops);
          expect(matchesExpected(r.replayed!.anomalyTypes, r.expected)).toBe(true);
          expect(r.replayed!.sameHash).toBe(true);
        },
        timeoutMs,
      );
    }
    for (const [variant, why] of Object.entries(s.notReproduced ?? {})) {
      it.skip(`${variant}: not reproduced — ${why}`, () => {});
    }
    for (const scenario of s.scenarios) {
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
