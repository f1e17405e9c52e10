/**
 * Hunting one catalogued bug: run a variant's exposing scenario seed after seed until the checker
 * reports one of the anomaly classes expected of it, shrink that failure, and replay the shrunk
 * repro. The checker is never told what to look for: it checks the history as it checks any other,
 * and the hunt only reads `anomalyTypes` afterwards. Used by the catalogue regression tests, the
 * benchmarks and the table of docs/catalogue.md.
 */
import type { AllKnobs } from "../cluster/knobs.ts";
import { variants } from "../redis/variants.ts";
import { applyEdits } from "../shrink/index.ts";
import type { Scenario } from "../workload/scenario.ts";
import { knobsFor } from "./catalog.ts";
import { type Evaluation, runAndCheck } from "./evaluate.ts";
import { loadScenario } from "./scenarios.ts";
import {
  type AttemptRunner,
  type ShrinkBudget,
  type ShrinkCase,
  type ShrinkReport,
  shrinkCase,
  shrinkCaseParallel,
} from "./shrink.ts";

export interface HuntOptions {
  /** Give up after this many seeds (the regression bound). */
  maxSeeds: number;
  firstSeed?: number;
  /** Shrink the failure found with this attempt budget (the default budget with `true`). */
  shrink?: boolean | number;
  /** An outer wall-clock cap on the shrink (ms); the attempt budget decides the result. */
  shrinkMs?: number;
  /** Run the shrink's attempts this many at a time on a worker pool (same result, less wall time). */
  pool?: { run: AttemptRunner; width: number };
  /** Told of every shrink attempt run in this thread (see ShrinkCase.onAttempt). */
  onAttempt?: ShrinkCase["onAttempt"];
  /** Scenario override (name or path); default: the variant's own scenario. */
  scenario?: string;
}

export interface HuntResult {
  variant: string;
  scenario: string;
  /** The anomaly classes the variant is expected to produce (docs/catalogue.md); any one suffices. */
  expected: string[];
  found?: {
    seed: number;
    seedsTried: number;
    anomalyTypes: string[];
    evaluation: Evaluation;
    wallMs: number;
  };
  shrink?: ShrinkReport;
  /** The shrunk candidate, replayed from scratch, shows the same classes again. */
  replayed?: { anomalyTypes: string[]; historyHash: string; sameHash: boolean };
  seedsTried: number;
  wallMs: number;
}

/** Whether a run's anomaly types contain one of the expected classes (a suffix like -realtime counts). */
export function matchesExpected(anomalyTypes: readonly string[], expected: readonly string[]): boolean {
  return anomalyTypes.some((t) => expected.some((e) => t === e || t.startsWith(`${e}-`)));
}

export interface VariantTarget {
  variant: string;
  scenarioRef: string;
  scenario: Scenario;
  knobs: AllKnobs;
  expected: string[];
}

/** The variant's exposing scenario, its knobs, and what its scenario file says to expect. */
export async function targetOf(variant: string, scenarioOverride?: string): Promise<VariantTarget> {
  const v = variants.find((x) => x.name === variant);
  if (!v) throw new Error(`unknown variant ${variant}`);
  const ref = scenarioOverride ?? v.scenario;
  if (!ref) throw new Error(`variant ${variant} names no scenario`);
  const loaded = await loadScenario(ref);
  const expected = loaded.scenario.bug?.expect ?? [];
  if (expected.length === 0) throw new Error(`scenario ${ref} declares no bug.expect`);
  return {
    variant,
    scenarioRef: loaded.ref,
    scenario: loaded.scenario,
    knobs: knobsFor(loaded.scenario, variant, {}, loaded.file),
    expected,
  };
}

export async function hunt(variant: string, opts: HuntOptions): Promise<HuntResult> {
  const t0 = performance.now();
  const t = await targetOf(variant, opts.scenario);
  const first = opts.firstSeed ?? 1;
  const result: HuntResult = {
    variant,
    scenario: t.scenarioRef,
    expected: t.expected,
    seedsTried: 0,
    wallMs: 0,
  };
  for (let i = 0; i < opts.maxSeeds; i++) {
    const seed = first + i;
    result.seedsTried++;
    const ev = runAndCheck({
      scenario: t.scenario,
      scenarioRef: t.scenarioRef,
      variant,
      knobs: t.knobs,
      seed,
    });
    if (matchesExpected(ev.result.anomalyTypes, t.expected)) {
      result.found = {
        seed,
        seedsTried: i + 1,
        anomalyTypes: ev.result.anomalyTypes,
        evaluation: ev,
        wallMs: performance.now() - t0,
      };
      break;
    }
  }
  if (result.found && opts.shrink !== undefined && opts.shrink !== false) {
    const target = result.found.anomalyTypes.filter((a) => matchesExpected([a], t.expected)).slice(0, 1);
    const sc: ShrinkCase = {
      scenario: t.scenario,
      scenarioRef: t.scenarioRef,
      variant,
      knobs: t.knobs,
      seed: result.found.seed,
      swarm: t.scenario.swarm ?? true,
      target,
      ...(opts.onAttempt ? { onAttempt: opts.onAttempt } : {}),
    };
    const budget: ShrinkBudget = {
      ...(typeof opts.shrink === "number" ? { maxAttempts: opts.shrink } : {}),
      ...(opts.shrinkMs !== undefined ? { timeMs: opts.shrinkMs } : {}),
    };
    const report = opts.pool
      ? await shrinkCaseParallel(sc, budget, opts.pool.run, opts.pool.width, "catalogue hunt")
      : shrinkCase(sc, budget, "catalogue hunt");
    result.shrink = report;
    const again = runAndCheck({
      scenario: applyEdits(t.scenario, report.best.edits),
      scenarioRef: t.scenarioRef,
      variant,
      knobs: t.knobs,
      ...(report.best.tape !== undefined ? { tape: report.best.tape } : { seed: report.best.seed }),
    });
    result.replayed = {
      anomalyTypes: again.result.anomalyTypes,
      historyHash: again.result.historyHash,
      sameHash: again.result.historyHash === report.final.result.historyHash,
    };
  }
  result.wallMs = performance.now() - t0;
  return result;
}

/** Runs `seeds` seeds of a scenario under a variant and returns the failing ones (for `fixed`). */
export async function sweep(
  scenarioRef: string,
  variant: string,
  seeds: number,
  firstSeed = 1,
): Promise<Array<{ seed: number; anomalyTypes: string[] }>> {
  const loaded = await loadScenario(scenarioRef);
  const knobs = knobsFor(loaded.scenario, variant, {}, loaded.file);
  const bad: Array<{ seed: number; anomalyTypes: string[] }> = [];
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const ev = runAndCheck({ scenario: loaded.scenario, scenarioRef: loaded.ref, variant, knobs, seed });
    if (ev.result.valid !== true) bad.push({ seed, anomalyTypes: ev.result.anomalyTypes });
  }
  return bad;
}
