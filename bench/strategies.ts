/**
 * Strategies: how many seeds each scheduling strategy of the tasks inside a node (the
 * `schedStrategy` knob: random, pct, pos, mixed, off; docs/model.md) needs before a catalogued
 * variant's own scenario shows its bug. For every catalogued variant (one with a scenario file),
 * and every strategy, it runs seeds 1, 2, … of the variant's scenario with that strategy forced,
 * in one process (one worker), until a run reports one of the anomaly classes the scenario
 * expects (as `hunt()` judges it), the seed cap or the cell's wall cap.
 *
 *   npm run bench -- --only strategies [--seeds 100] [--cell-cap-s 15] [--variants a,b]
 *                                      [--strategies random,pct]
 *
 * Only `schedStrategy` is forced: every other knob is the scenario's and the variant's own (so
 * `off` still fences and proxies reads as the scenario says). `mixed` draws a strategy per seed in
 * swarm mode and is `random` otherwise. One JSON line per (strategy, variant): the first failing
 * seed, or "not found within N" with how many seeds it got and why it stopped (the seed cap, or the
 * wall cap checked between seeds, so a cell may overrun it by one run); wall and CPU time of the
 * cell. Then one summary line per strategy: variants found, and the median seeds over all
 * variants, where a variant not found counts as more than its cap (the median is then censored).
 */
import { knobsFor } from "../src/campaign/catalog.ts";
import { runAndCheck } from "../src/campaign/evaluate.ts";
import { matchesExpected, targetOf } from "../src/campaign/hunt.ts";
import { builtinScenarioNames } from "../src/campaign/scenarios.ts";
import type { ScheduleKnobs } from "../src/cluster/sched-knobs.ts";
import { variants } from "../src/redis/variants.ts";
import type { BenchResult } from "./index.ts";

export type Strategy = ScheduleKnobs["schedStrategy"];
export const STRATEGIES: readonly Strategy[] = ["random", "pct", "pos", "mixed", "off"];
export const STRATEGIES_DEFAULT_SEEDS = 100;

export interface CellCaps {
  seeds: number;
  /** Wall-clock cap of one (strategy, variant) cell (ms), checked between seeds; none when absent. */
  cellCapMs?: number;
}

export interface Cell {
  strategy: Strategy;
  variant: string;
  scenario: string;
  found: boolean;
  /** The first seed whose run showed an expected anomaly class. */
  seed?: number;
  anomalyTypes?: string[];
  seedsRun: number;
  /** Runs that failed with none of the expected classes (not counted as finding the bug). */
  otherFailures: number;
  stopped: "found" | "seed-cap" | "wall-cap";
  wallMs: number;
  cpuMs: number;
}

/** Variants whose scenario file exists: the ones the catalogue measures. */
export function cataloguedVariants(): string[] {
  const files = new Set(builtinScenarioNames());
  return variants.filter((v) => v.scenario !== undefined && files.has(v.scenario)).map((v) => v.name);
}

/** Seeds 1, 2, … of the variant's own scenario with `strategy` forced, to the first expected failure. */
export async function strategyCell(variant: string, strategy: Strategy, caps: CellCaps): Promise<Cell> {
  const t = await targetOf(variant);
  const knobs = knobsFor(t.scenario, variant, { schedStrategy: strategy }, t.scenarioRef);
  const cell: Cell = {
    strategy,
    variant,
    scenario: t.scenarioRef,
    found: false,
    seedsRun: 0,
    otherFailures: 0,
    stopped: "seed-cap",
    wallMs: 0,
    cpuMs: 0,
  };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let seed = 1; seed <= caps.seeds; seed++) {
    if (caps.cellCapMs !== undefined && seed > 1 && performance.now() - t0 >= caps.cellCapMs) {
      cell.stopped = "wall-cap";
      break;
    }
    const ev = runAndCheck({ scenario: t.scenario, scenarioRef: t.scenarioRef, variant, knobs, seed });
    cell.seedsRun++;
    if (matchesExpected(ev.result.anomalyTypes, t.expected)) {
      cell.found = true;
      cell.seed = seed;
      cell.anomalyTypes = ev.result.anomalyTypes;
      cell.stopped = "found";
      break;
    }
    if (ev.result.valid !== true) cell.otherFailures++;
  }
  const cpu = process.cpuUsage(c0);
  cell.wallMs = Math.round(performance.now() - t0);
  cell.cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  return cell;
}

/** The median of the seeds each variant needed; a variant not found counts as more than any cap. */
export function censoredMedian(cells: readonly Cell[]): { median: number | null; censored: boolean } {
  if (cells.length === 0) return { median: null, censored: false };
  const xs = cells.map((c) => (c.found ? c.seed! : Number.POSITIVE_INFINITY)).sort((a, b) => a - b);
  const m = xs.length >> 1;
  const med = xs.length % 2 === 1 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
  return Number.isFinite(med) ? { median: med, censored: false } : { median: null, censored: true };
}

export interface StrategiesOptions {
  seeds?: number;
  cellCapMs?: number;
  variants?: string[];
  strategies?: string[];
  emit: (r: BenchResult) => void;
}

export async function runStrategies(opts: StrategiesOptions): Promise<Cell[]> {
  if (opts.seeds !== undefined && !(Number.isInteger(opts.seeds) && opts.seeds >= 1))
    throw new Error(`--seeds: expected a whole number ≥ 1, found '${opts.seeds}'`);
  if (opts.cellCapMs !== undefined && !(opts.cellCapMs > 0))
    throw new Error(`--cell-cap-s: expected a number of seconds > 0, found '${opts.cellCapMs / 1000}'`);
  const seeds = opts.seeds ?? STRATEGIES_DEFAULT_SEEDS;
  const caps: CellCaps = { seeds, ...(opts.cellCapMs !== undefined ? { cellCapMs: opts.cellCapMs } : {}) };
  const catalogued = cataloguedVariants();
  for (const v of opts.variants ?? []) {
    if (!catalogued.includes(v))
      throw new Error(`--variants: '${v}' is not a catalogued variant (known: ${catalogued.join(", ")})`);
  }
  for (const s of opts.strategies ?? []) {
    if (!STRATEGIES.includes(s as Strategy))
      throw new Error(`--strategies: unknown strategy '${s}' (known: ${STRATEGIES.join(", ")})`);
  }
  const chosen = opts.variants ?? catalogued;
  const strategies = (opts.strategies as Strategy[] | undefined) ?? STRATEGIES;
  const cells: Cell[] = [];
  // Variant by variant, all strategies in a row: a change of machine load then falls on every
  // strategy alike rather than on whichever ran last.
  for (const variant of chosen) {
    for (const strategy of strategies) {
      const c = await strategyCell(variant, strategy, caps);
      cells.push(c);
      opts.emit({
        name: `strategies.${strategy}.${variant}`,
        value: c.found ? c.seed! : c.seedsRun,
        unit: "seeds",
        target: null,
        ok: c.found,
        ...c,
        result: c.found ? `found at seed ${c.seed}` : `not found within ${c.seedsRun} seeds (${c.stopped})`,
        seedCap: seeds,
        cellCapS: caps.cellCapMs !== undefined ? caps.cellCapMs / 1000 : null,
      });
    }
  }
  for (const strategy of strategies) {
    const mine = cells.filter((c) => c.strategy === strategy);
    const found = mine.filter((c) => c.found);
    const med = censoredMedian(mine);
    const medFound = censoredMedian(found);
    opts.emit({
      name: `strategies.${strategy}`,
      value: med.median ?? seeds,
      unit: "seeds (median over variants)",
      target: null,
      ok: found.length === mine.length,
      strategy,
      variants: mine.length,
      variantsFound: found.length,
      notFound: mine.filter((c) => !c.found).map((c) => c.variant),
      medianSeeds: med.median,
      ...(med.censored ? { censored: "over half the variants not found: the median exceeds the caps" } : {}),
      medianSeedsFound: medFound.median,
      seedsRun: mine.reduce((a, c) => a + c.seedsRun, 0),
      wallS: Math.round(mine.reduce((a, c) => a + c.wallMs, 0)) / 1000,
      cpuS: Math.round(mine.reduce((a, c) => a + c.cpuMs, 0)) / 1000,
      seedCap: seeds,
      cellCapS: caps.cellCapMs !== undefined ? caps.cellCapMs / 1000 : null,
    });
  }
  return cells;
}
