/**
 * Catalogue regression, group a: the list-append / MULTI-EXEC bugs of spec §5 B1–B7 (PR #485 and
 * the fixes that followed it). Each variant's own scenario must expose its bug within a few seeds,
 * from the history alone; the failure must shrink and replay to the same history; and the same
 * scenarios must report nothing under `fixed`.
 */
import { describe, expect, it } from "vitest";
import { hunt, matchesExpected, sweep } from "../src/campaign/hunt.ts";

/** Each hunt must find its bug within this many seeds (all find it in 1–3 today). */
const BOUND = 10;
const SHRINK_MS = 4_000;
const TIMEOUT_MS = 40_000;

const VARIANTS = [
  "pr485",
  "multi-reads-base-meta",
  "multi-double-count",
  "start-ts-base-meta-only",
  "start-ts-clock-next",
  "snapshot-ts-hlc-current",
  "read-set-pre-raft",
  "multi-lrange-no-read-key",
];

const SCENARIOS = [
  "b1-multi-base-meta",
  "b2-multi-double-count",
  "b3-start-ts-base-meta",
  "b4-start-ts-clock-next",
  "b5-snapshot-hlc-current",
  "b6-read-set-pre-raft",
  "b7-multi-lrange-phantom",
];

describe("catalogue a: list-append and MULTI/EXEC bugs (B1–B7)", () => {
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
