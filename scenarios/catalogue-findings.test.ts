/**
 * Regression for this testbed's findings in elastickv HEAD (README "Findings"): each finding's
 * variant (`fixed` with that one fix knob put back) must be exposed by its own scenario within a
 * few seeds, from the history alone; the failure must shrink and replay to the same history; and
 * the same scenarios must report nothing under `fixed`.
 */
import { describe, expect, it } from "vitest";
import { hunt, matchesExpected, sweep } from "../src/campaign/hunt.ts";

/** Each hunt must find its finding within this many seeds (all on seed 1 today). */
const BOUND = 10;
const SHRINK_MS = 4_000;
const TIMEOUT_MS = 60_000;

const VARIANTS = [
  "finding-empty-snapshot-start-ts",
  "finding-empty-snapshot-clock-start-ts",
  "finding-out-of-order-apply",
  "finding-stale-apply-keys-only",
  "finding-stale-apply-same-shape",
];

const SCENARIOS = [
  "f1-empty-snapshot-start-ts",
  "f2-out-of-order-apply",
  "f3-stale-apply-keys-only",
  "f4-stale-apply-same-shape",
];

describe("findings in HEAD (F1–F4)", () => {
  for (const variant of VARIANTS) {
    it(
      `${variant}: found within ${BOUND} seeds, shrinks, replays`,
      async () => {
        const r = await hunt(variant, { maxSeeds: BOUND, shrinkMs: SHRINK_MS });
        expect(r.found, `${variant} not found in ${BOUND} seeds of ${r.scenario}`).toBeDefined();
        expect(matchesExpected(r.found!.anomalyTypes, r.expected)).toBe(true);
        const s = r.shrink!;
        expect(s.reproduced).toBe(true);
        expect(
          matchesExpected(s.final.result.anomalyTypes, r.expected),
          s.final.result.anomalyTypes.join(" "),
        ).toBe(true);
        expect(s.after.ops).toBeLessThanOrEqual(s.before.ops);
        expect(matchesExpected(r.replayed!.anomalyTypes, r.expected)).toBe(true);
        expect(r.replayed!.sameHash).toBe(true);
      },
      TIMEOUT_MS,
    );
  }

  for (const scenario of SCENARIOS) {
    it(
      `${scenario}: nothing under fixed (10 seeds)`,
      async () => {
        expect(await sweep(scenario, "fixed", 10)).toEqual([]);
      },
      TIMEOUT_MS,
    );
  }
});
