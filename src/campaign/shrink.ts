/**
 * Shrinking at the edge: wraps the deterministic shrinker (src/shrink) around `runAndCheck`, with a
 * wall-clock budget and an attempt cap. Used by `sim shrink FILE` and by fuzz workers, which
 * shrink every failure they find for a bounded time.
 */
import type { KnobSet } from "../cluster/types.ts";
import { InputError } from "../io/errors.ts";
import { writeRepro } from "../io/repro.ts";
import { TOOL } from "../io/version.ts";
import { applyEdits, type Candidate, type ScenarioEdits, shrinkFailure, trimTape } from "../shrink/index.ts";
import type { Scenario } from "../workload/scenario.ts";
import { type CampaignRepro, makeCampaignRepro } from "./artifacts.ts";
import { type CliIO, EXIT, line, printJson } from "./cli-io.ts";
import { type Evaluation, runAndCheck, showsFailure } from "./evaluate.ts";
import { parseCount, parseDurationMs } from "./options.ts";
import { shrunkPath } from "./plan.ts";
import { prepareRepro } from "./replay.ts";

export interface ShrinkCase {
  /** The scenario as loaded (edits are relative to it). */
  scenario: Scenario;
  scenarioRef: string;
  variant: string;
  knobs: KnobSet;
  seed?: number;
  tape?: number[];
  swarm: boolean;
  model?: string;
  edits?: ScenarioEdits;
  /** The anomaly types that must keep appearing (default: those of the first run). */
  target?: string[];
}

export interface ShrinkBudget {
  /** Wall-clock budget in ms. */
  timeMs: number;
  maxAttempts?: number;
}

export interface Measure {
  ops: number;
  faults: number;
  tapeLength: number;
}

export interface ShrinkReport {
  /** False when the case did not fail as expected to begin with (nothing was shrunk). */
  reproduced: boolean;
  target: string[];
  baseline: Evaluation;
  before: Measure;
  after: Measure;
  attempts: number;
  /** The budget ran out before the shrinker reached a fixpoint. */
  exhausted: boolean;
  wallMs: number;
  best: Candidate;
  final: Evaluation;
  repro: CampaignRepro;
}

function measure(ev: Evaluation): Measure {
  return { ops: ev.result.stats.ops, faults: ev.result.stats.faults, tapeLength: trimTape(ev.tape).length };
}

export function shrinkCase(c: ShrinkCase, budget: ShrinkBudget, createdBy = "sim shrink"): ShrinkReport {
  const t0 = performance.now();
  const deadline = t0 + budget.timeMs;
  // Candidates explore odd corners (all-zero tapes, one client left) where a run can spin until its
  // caps; a run of many times the original's events is cut short and, unless the target is itself a
  // sim-error, rejected (see `ok` below), so one attempt cannot eat the budget or the heap.
  let eventCap: number | undefined;
  const evaluate = (cand: Candidate) =>
    runAndCheck({
      scenario: withEventCap(applyEdits(c.scenario, cand.edits), eventCap),
      scenarioRef: c.scenarioRef,
      variant: c.variant,
      knobs: c.knobs,
      swarm: c.swarm,
      ...(c.model !== undefined ? { model: c.model } : {}),
      ...(cand.tape !== undefined ? { tape: cand.tape } : { seed: cand.seed ?? 0 }),
    });
  const initial: Candidate =
    c.tape !== undefined
      ? { edits: c.edits ?? {}, tape: c.tape }
      : { edits: c.edits ?? {}, seed: c.seed ?? 0 };
  const baseline = evaluate(initial);
  const target = c.target ?? baseline.result.anomalyTypes;
  const targetIsSimError = target.includes("sim-error");
  if (!targetIsSimError && baseline.simEvents > 0) eventCap = Math.max(50_000, baseline.simEvents * 4);
  const before = measure(baseline);
  const reproOf = (ev: Evaluation, cand: Candidate) =>
    makeCampaignRepro(ev, {
      scenarioRef: c.scenarioRef,
      variant: c.variant,
      knobs: c.knobs,
      // Still driven by the seed when the budget ended before the tape phase.
      ...(cand.tape !== undefined ? { tape: cand.tape } : { seed: cand.seed ?? 0 }),
      swarm: c.swarm,
      edits: cand.edits,
      ...(c.model !== undefined ? { model: c.model } : {}),
      createdBy: c.seed !== undefined ? `${createdBy} (from seed ${c.seed})` : createdBy,
    });

  if (!showsFailure(baseline.result.anomalyTypes, target) || baseline.result.valid !== false) {
    return {
      reproduced: false,
      target,
      baseline,
      before,
      after: before,
      attempts: 0,
      exhausted: false,
      wallMs: elapsed(t0),
      best: initial,
      final: baseline,
      repro: reproOf(baseline, initial),
    };
  }

  // The last passing evaluation, keyed as the shrinker will hold it, so that the winner need not
  // be run once more.
  const keyOf = (edits: ScenarioEdits, tape: readonly number[] | undefined) =>
    `${JSON.stringify(edits)}#${tape !== undefined ? trimTape(tape).join(",") : "seed"}`;
  let lastPass: { key: string; ev: Evaluation } | undefined;
  // Every passing candidate becomes the best one; one with more client ops than it is no simpler.
  // (Lowering the tape's pause choices makes commands quicker, so a run of fixed length can issue
  // more of them.)
  let bestOps = baseline.result.stats.ops;
  const r = shrinkFailure(
    c.scenario,
    initial,
    (cand) => {
      const ev = evaluate(cand);
      const ok =
        ev.result.valid === false &&
        showsFailure(ev.result.anomalyTypes, target) &&
        (targetIsSimError || !ev.result.anomalyTypes.includes("sim-error")) &&
        ev.result.stats.ops <= bestOps;
      if (ok) bestOps = ev.result.stats.ops;
      if (ok) lastPass = { key: keyOf(cand.edits, cand.tape !== undefined ? ev.tape : undefined), ev };
      return { ok, tape: ev.tape };
    },
    {
      budget: () => performance.now() < deadline,
      ...(budget.maxAttempts !== undefined ? { maxAttempts: budget.maxAttempts } : {}),
      opsHint: baseline.result.stats.ops,
      seedTape: baseline.tape,
    },
  );
  const best = r.best;
  const final = lastPass && lastPass.key === keyOf(best.edits, best.tape) ? lastPass.ev : evaluate(best);
  return {
    reproduced: true,
    target,
    baseline,
    before,
    after: measure(final),
    attempts: r.attempts,
    exhausted: r.exhausted,
    wallMs: elapsed(t0),
    best,
    final,
    repro: reproOf(final, best),
  };
}

function withEventCap(s: Scenario, cap: number | undefined): Scenario {
  if (cap === undefined || (s.caps?.events !== undefined && s.caps.events <= cap)) return s;
  return { ...s, caps: { ...s.caps, events: cap } };
}

function elapsed(t0: number): number {
  return Math.round(performance.now() - t0);
}

export interface ShrinkCommandOptions {
  out?: string;
  json?: boolean;
  /** Wall-clock budget (a duration; default 60s). */
  time?: string;
  /** At most this many runs. */
  attempts?: string;
}

/**
 * `sim shrink FILE [-o OUT]`: minimize a failing repro while its anomaly types keep appearing,
 * and write the smaller repro. Exits 1 (the shrunk repro still fails), 3 when the repro does not
 * fail as it says, 2 when it does not fail at all.
 */
export async function shrinkCommand(file: string, opts: ShrinkCommandOptions, io: CliIO): Promise<number> {
  const timeMs = opts.time !== undefined ? parseDurationMs(opts.time, "--time") : 60_000;
  const maxAttempts = opts.attempts !== undefined ? parseCount(opts.attempts, "--attempts") : undefined;
  const p = await prepareRepro(file);
  if (p.repro.expected.anomalyTypes.length === 0) {
    throw new InputError({
      file,
      field: "expected.anomalyTypes",
      problem: "the repro records no failure, so there is nothing to shrink",
    });
  }
  const r = shrinkCase(
    {
      scenario: p.loaded.scenario,
      scenarioRef: p.repro.scenario,
      variant: p.repro.variant,
      knobs: p.knobs,
      ...(p.repro.seed !== undefined ? { seed: p.repro.seed } : {}),
      ...(p.repro.tape !== undefined ? { tape: p.repro.tape } : {}),
      swarm: p.swarm,
      ...(p.repro.model !== undefined ? { model: p.repro.model } : {}),
      ...(p.edits ? { edits: p.edits } : {}),
      target: p.repro.expected.anomalyTypes,
    },
    { timeMs, ...(maxAttempts !== undefined ? { maxAttempts } : {}) },
  );
  if (!r.reproduced) {
    const got = r.baseline.result.anomalyTypes;
    io.err.write(
      `error: ${file} does not reproduce: expected anomaly types [${p.repro.expected.anomalyTypes.join(", ")}], got [${got.join(", ")}]; nothing shrunk\n`,
    );
    return EXIT.unknown;
  }
  const out = opts.out ?? shrunkPath(file);
  await writeRepro(out, r.repro);
  if (io.json) {
    printJson(io, {
      tool: TOOL,
      file,
      out,
      before: r.before,
      after: r.after,
      anomalyTypes: r.final.result.anomalyTypes,
      attempts: r.attempts,
      exhausted: r.exhausted,
      wallMs: r.wallMs,
    });
  } else {
    const m = (x: Measure) => `${x.ops} ops, ${x.faults} faults, tape ${x.tapeLength}`;
    line(io, `${io.c.bold(file)} → ${io.c.bold(out)}`);
    line(io, `  before: ${m(r.before)}`);
    line(io, `  after:  ${io.c.green(m(r.after))}  [${r.final.result.anomalyTypes.join(", ")}]`);
    line(
      io,
      io.c.dim(
        `  ${r.attempts} runs in ${(r.wallMs / 1000).toFixed(1)} s${r.exhausted ? " (budget spent; --time for more)" : " (no smaller run found)"}`,
      ),
    );
  }
  return EXIT.failure;
}
