/**
 * Catalogue regression, group b: the queue bugs of spec §5 — claims, holes, pushes racing pops at
 * one end, the compactor's and the reaper's Len-0 base meta, the reused push write set and the Len
 * clamp (B8, B9, B10(b), B13, B14, B18, B23). Each variant's own scenario must expose its bug within
 * a few seeds, from the history alone; the failure must shrink and replay to the same history; and
 * the same scenarios must report nothing under `fixed`.
 */
import { describe, expect, it } from "vitest";
import { hunt, matchesExpected, sweep } from "../src/campaign/hunt.ts";

/** Each hunt must find its bug within this many seeds (all find it at seed 1 or 2 today). */
const BOUND = 10;
const SHRINK_MS = 4_000;
const TIMEOUT_MS = 40_000;

const VARIANTS = [
  "stale-claim-on-push",
  "head-past-gap",
  "pop-push-same-end",
  "compactor-deletes-empty-meta",
  "lazy-tombstone-reap",
  "reuse-past-tail",
  "len-clamp",
];

const SCENARIOS = [
  "b8-stale-claim",
  "b9-head-past-gap",
  "b10-pop-push-same-end",
  "b13-compactor-empty-meta",
  "b14-lazy-reap",
  "b18-reuse-past-tail",
  "b23-len-clamp",
];

describe("catalogue b: queue bugs (B8, B9, B10(b), B13, B14, B18, B23)", () => {
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
