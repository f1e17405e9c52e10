/**
 * Recall: how soon the default scenario set (every built-in scenario without a catalogued `bug`,
 * as `sim scenarios --json` reports it) finds each variant's bug on its own, with no tailored
 * scenario. For each variant it runs seed 1 of every default scenario, then seed 2, … in one
 * process (one worker), until a run fails or the seed cap or the variant's wall cap is reached.
 *
 *   npm run bench -- --only recall [--seeds 300] [--variants a,b] [--variant-cap-s 60]
 *
 * A variant not found is reported as such, with how many seeds it got and why it stopped. A failing
 * run counts only when `fixed` passes the same scenario and seed: a failure `fixed` shares is not
 * the variant's bug (it is counted in `sharedWithFixed`, and the search goes on).
 */
import { runAndCheck } from "../src/campaign/evaluate.ts";
import { loadBuiltinScenarios } from "../src/campaign/scenarios.ts";
import { resolveKnobs, variantNames } from "../src/cluster/knobs.ts";
import type { BenchResult } from "./index.ts";

export const RECALL_MAX_SEEDS = 300;

export interface RecallOptions {
  seeds?: number;
  variants?: string[];
  /** Wall-clock cap per variant (ms); unbounded when absent. */
  variantCapMs?: number;
  emit: (r: BenchResult) => void;
}

export async function runRecall(opts: RecallOptions): Promise<void> {
  const cap = Math.min(RECALL_MAX_SEEDS, Math.max(1, opts.seeds ?? RECALL_MAX_SEEDS));
  const defaults = (await loadBuiltinScenarios()).filter((l) => !l.scenario.bug);
  const variants = (opts.variants ?? variantNames()).filter((v) => v !== "fixed");
  for (const variant of variants) {
    const t0 = performance.now();
    const knobs = defaults.map((l) => resolveKnobs(l.scenario, variant));
    const fixedKnobs = defaults.map((l) => resolveKnobs(l.scenario, "fixed"));
    let sharedWithFixed = 0;
    let found: { seed: number; scenario: string; anomalyTypes: string[] } | undefined;
    let seed = 0;
    let runs = 0;
    let stopped: "found" | "seed-cap" | "wall-cap" = "seed-cap";
    outer: for (seed = 1; seed <= cap; seed++) {
      for (let i = 0; i < defaults.length; i++) {
        const l = defaults[i]!;
        const ev = runAndCheck({ scenario: l.scenario, scenarioRef: l.ref, variant, knobs: knobs[i]!, seed });
        runs++;
        if (ev.result.valid === false) {
          const base = runAndCheck({
            scenario: l.scenario,
            scenarioRef: l.ref,
            variant: "fixed",
            knobs: fixedKnobs[i]!,
            seed,
          });
          if (base.result.valid === false) {
            sharedWithFixed++;
            continue;
          }
          found = { seed, scenario: l.ref, anomalyTypes: ev.result.anomalyTypes };
          stopped = "found";
          break outer;
        }
      }
      if (opts.variantCapMs !== undefined && performance.now() - t0 > opts.variantCapMs) {
        stopped = "wall-cap";
        break;
      }
    }
    const wallS = Math.round(performance.now() - t0) / 1000;
    opts.emit({
      name: `recall.${variant}`,
      value: found ? found.seed : Math.min(seed, cap),
      unit: "seeds",
      target: cap,
      ok: found !== undefined,
      found: found !== undefined,
      stopped,
      runs,
      sharedWithFixed,
      wallS,
      scenarios: defaults.length,
      ...(found ? { scenario: found.scenario, anomalyTypes: found.anomalyTypes } : {}),
    });
  }
}
