/**
 * Shrinking at the edge: wraps the deterministic shrinker (src/shrink) around `runAndCheck`, with an
 * attempt budget (which decides the result) and an optional wall-clock cap (an outer limit only).
 * Used by `sim shrink FILE`, the catalogue hunts and fuzz workers.
 */

import { isProvable } from "../check/incremental.ts";
import type { AllKnobs } from "../cluster/knobs.ts";
import { InputError } from "../io/errors.ts";
import { writeRepro } from "../io/repro.ts";
import { TOOL } from "../io/version.ts";
import {
  applyEdits,
  type Candidate,
  DEFAULT_SHRINK_ATTEMPTS,
  type RunTimes,
  type ScenarioEdits,
  type ShrinkOptions,
  type ShrinkResult,
  shrinkFailure,
  shrinkFailureAsync,
  type TestOutcome,
  trimTape,
} from "../shrink/index.ts";
import type { Scenario } from "../workload/scenario.ts";
import { type CampaignRepro, makeCampaignRepro } from "./artifacts.ts";
import { type CliIO, EXIT, line, printJson } from "./cli-io.ts";
import { type Evaluation, runAndCheck, showsFailure } from "./evaluate.ts";
import { parseCount, parseDurationMs } from "./options.ts";
import { shrunkPath } from "./plan.ts";
import { prepareRepro } from "./replay.ts";
import { opRoles } from "./roles.ts";

export interface ShrinkCase {
  /** The scenario as loaded (edits are relative to it). */
  scenario: Scenario;
  scenarioRef: string;
  variant: string;
  knobs: AllKnobs;
  seed?: number;
  tape?: number[];
  swarm: boolean;
  model?: string;
  edits?: ScenarioEdits;
  /** The anomaly types that must keep appearing (default: those of the first run). */
  target?: string[];
  /** Told of every attempt judged in this thread, in order (progress output, diagnostics). */
  onAttempt?: (cand: Candidate, outcome: TestOutcome, wallMs: number) => void;
}

export interface ShrinkBudget {
  /** At most this many runs (default DEFAULT_SHRINK_ATTEMPTS): the budget that decides the result. */
  maxAttempts?: number;
  /**
   * An outer wall-clock cap in ms (default none). Only a search cut short by it depends on the
   * machine: every search that ends within it gives the same repro for the same attempt budget.
   */
  timeMs?: number;
  /** False: every attempt runs to its cap even where the target can be proved early (to compare). */
  stopEarly?: boolean;
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
  /** The attempt budget the search had. */
  maxAttempts: number;
  /** The budget (attempts, or the outer wall-clock cap) ran out before the shrinker reached a fixpoint. */
  exhausted: boolean;
  /** The outer wall-clock cap ended the search (the result then depends on the machine's speed). */
  timedOut: boolean;
  wallMs: number;
  best: Candidate;
  final: Evaluation;
  repro: CampaignRepro;
}

function measure(ev: Evaluation): Measure {
  return { ops: ev.result.stats.ops, faults: ev.result.stats.faults, tapeLength: trimTape(ev.tape).length };
}

/** What a worker needs to judge one candidate: everything but the candidate, as plain data. */
export interface AttemptSpec {
  scenarioRef: string;
  variant: string;
  knobs: AllKnobs;
  swarm: boolean;
  model?: string;
  target: string[];
  /** Runs of more events than this are cut short (and rejected unless the target is sim-error). */
  eventCap?: number;
  /**
   * End each run as soon as its ops so far prove the target (src/check/incremental.ts): set only
   * when every target type is one a prefix of a history can prove. A proof holds for every
   * continuation, so the candidate, replayed to its end, fails the same way.
   */
  stopEarly?: boolean;
}

/**
 * Runs one candidate and judges it by the shrinker's one rule: the run still shows every anomaly
 * type of the target (and no simulator error, unless that is the target).
 */
export function judgeCandidate(
  scenario: Scenario,
  spec: AttemptSpec,
  cand: Candidate,
): { outcome: TestOutcome; evaluation: Evaluation } {
  const ev = runAndCheck({
    scenario: withEventCap(applyEdits(scenario, cand.edits), spec.eventCap),
    scenarioRef: spec.scenarioRef,
    variant: spec.variant,
    knobs: spec.knobs,
    swarm: spec.swarm,
    ...(spec.model !== undefined ? { model: spec.model } : {}),
    ...(cand.tape !== undefined ? { tape: cand.tape } : { seed: cand.seed ?? 0 }),
    // Shrink attempts are small runs: check their ops from the first few on.
    ...(spec.stopEarly === true ? { stopAtFirstAnomaly: { minOps: 4 } } : {}),
  });
  const targetIsSimError = spec.target.includes("sim-error");
  const ok =
    ev.result.valid === false &&
    showsFailure(ev.result.anomalyTypes, spec.target) &&
    (targetIsSimError || !ev.result.anomalyTypes.includes("sim-error"));
  return {
    outcome: {
      ok,
      tape: ev.tape,
      size: { ops: ev.result.stats.ops, faults: ev.result.stats.faults },
      faultIds: ev.faultIds ?? [],
      ...(ok ? { anomalyKeys: anomalyFocus(ev, spec.target).anomalyKeys ?? [] } : {}),
      ...(ok && ev.opHoldsUs ? { opHoldsUs: ev.opHoldsUs } : {}),
      ...(ok ? { times: runTimes(ev) } : {}),
    },
    evaluation: ev,
  };
}

/** When the run's ops, script steps and faults happened (see RunTimes). */
function runTimes(ev: Evaluation): RunTimes {
  const faults: Record<string, number> = {};
  const at = ev.faultTimesUs ?? [];
  (ev.faultIds ?? []).forEach((id, i) => {
    if (at[i] !== undefined) faults[id] = at[i]!;
  });
  return {
    ...(ev.opStartsUs ? { ops: ev.opStartsUs } : {}),
    ...(ev.stepStartsUs ? { steps: ev.stepStartsUs } : {}),
    ...(ev.stepHoldsUs ? { stepHolds: ev.stepHoldsUs } : {}),
    faults,
  };
}

/** Judges candidates somewhere else (a worker pool), all at once; outcomes in the same order. */
export type AttemptRunner = (spec: AttemptSpec, cands: Candidate[]) => Promise<TestOutcome[]>;

interface Prepared {
  spec: AttemptSpec;
  initial: Candidate;
  baseline: Evaluation;
  target: string[];
  before: Measure;
  options: ShrinkOptions;
  maxAttempts: number;
  t0: number;
  deadlineHit: () => boolean;
  reproOf: (ev: Evaluation, cand: Candidate) => CampaignRepro;
  /** The last accepted evaluation in this thread (saves re-running the winner). */
  lastPass: { key: string; ev: Evaluation } | undefined;
}

function prepare(c: ShrinkCase, budget: ShrinkBudget, createdBy: string): Prepared {
  const t0 = performance.now();
  const deadline = budget.timeMs !== undefined ? t0 + budget.timeMs : Number.POSITIVE_INFINITY;
  const maxAttempts = budget.maxAttempts ?? DEFAULT_SHRINK_ATTEMPTS;
  const spec: AttemptSpec = {
    scenarioRef: c.scenarioRef,
    variant: c.variant,
    knobs: c.knobs,
    swarm: c.swarm,
    ...(c.model !== undefined ? { model: c.model } : {}),
    target: c.target ?? [],
  };
  const initial: Candidate =
    c.tape !== undefined
      ? { edits: c.edits ?? {}, tape: c.tape }
      : { edits: c.edits ?? {}, seed: c.seed ?? 0 };
  const baseline = judgeCandidate(c.scenario, { ...spec, target: ["sim-error"] }, initial).evaluation;
  const target = c.target ?? baseline.result.anomalyTypes;
  spec.target = target;
  // Candidates explore odd corners (all-zero tapes, one client left) where a run can spin until its
  // caps; a run of many times the original's events is cut short and, unless the target is itself a
  // sim-error, rejected, so one attempt cannot eat the budget or the heap.
  if (!target.includes("sim-error") && baseline.simEvents > 0)
    spec.eventCap = Math.max(50_000, baseline.simEvents * 4);
  if (budget.stopEarly !== false && target.length > 0 && target.every(isProvable)) spec.stopEarly = true;
  const before = measure(baseline);
  let hit = false;
  const p: Prepared = {
    spec,
    initial,
    baseline,
    target,
    before,
    maxAttempts,
    t0,
    deadlineHit: () => hit,
    options: {
      maxAttempts,
      budget: () => {
        if (performance.now() < deadline) return true;
        hit = true;
        return false;
      },
      opsHint: baseline.result.stats.ops,
      seedTape: baseline.tape,
      initialSize: { ops: before.ops, faults: before.faults },
      initialFaultIds: baseline.faultIds ?? [],
      ...(baseline.opHoldsUs ? { initialOpHoldsUs: baseline.opHoldsUs } : {}),
      initialTimes: runTimes(baseline),
      ...anomalyFocus(baseline, target),
      ...medianLatency(baseline),
    },
    reproOf: (ev, cand) =>
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
        roles: opRoles(ev, target),
      }),
    lastPass: undefined,
  };
  return p;
}

/** The keys the target anomalies name, and when (after the clients start) their last op ended. */
function anomalyFocus(
  ev: Evaluation,
  target: readonly string[],
): Pick<ShrinkOptions, "anomalyKeys" | "failureAtUs"> {
  const picked = ev.result.anomalies.filter((a) => target.length === 0 || target.includes(a.type));
  const keys = new Set<number | string>();
  let last = -1;
  for (const a of picked) {
    for (const k of a.keys) if (typeof k === "number" || typeof k === "string") keys.add(k);
    for (const i of [...(a.ops ?? []), ...(a.cycle?.steps.flatMap((s) => [s.from, s.to]) ?? [])]) {
      last = Math.max(last, completionTime(ev, i));
    }
  }
  // The first client op stands in for the time the clients started (scenario times count from it).
  const first = ev.history.find((o) => o.process !== "nemesis" && o.time !== undefined)?.time;
  const out: Pick<ShrinkOptions, "anomalyKeys" | "failureAtUs"> = {};
  if (keys.size > 0) out.anomalyKeys = [...keys];
  if (last >= 0 && first !== undefined) out.failureAtUs = Math.max(0, Math.ceil((last - first) / 1000));
  return out;
}

/** The median client op latency of a run (µs), from its history. */
function medianLatency(ev: Evaluation): Pick<ShrinkOptions, "opLatencyUs"> {
  const open = new Map<number | string, number>();
  const lat: number[] = [];
  for (const op of ev.history) {
    if (op.process === "nemesis" || op.time === undefined) continue;
    if (op.type === "invoke") open.set(op.process, op.time);
    else {
      const t = open.get(op.process);
      if (t !== undefined) lat.push(op.time - t);
      open.delete(op.process);
    }
  }
  if (lat.length === 0) return {};
  lat.sort((a, b) => a - b);
  return { opLatencyUs: Math.round(lat[lat.length >> 1]! / 1000) };
}

/** The time (ns) the op at history index `i` completed (its own time if it has no completion). */
function completionTime(ev: Evaluation, i: number): number {
  const op = ev.history[i];
  if (op === undefined) return -1;
  if (op.type !== "invoke") return op.time ?? -1;
  for (let j = i + 1; j < ev.history.length; j++) {
    const o = ev.history[j]!;
    if (o.process === op.process && o.type !== "invoke") return o.time ?? -1;
  }
  return op.time ?? -1;
}

function finish(c: ShrinkCase, p: Prepared, r: ShrinkResult): ShrinkReport {
  let best = r.best;
  const key = keyOfCandidate(best);
  // The repro is replayed to its end, so an attempt that stopped early is run again in full.
  const full: AttemptSpec = { ...p.spec, stopEarly: false };
  let final =
    p.lastPass && p.lastPass.key === key && p.spec.stopEarly !== true
      ? p.lastPass.ev
      : judgeCandidate(c.scenario, full, best).evaluation;
  // Sizes seen with early stops leave out the ops after the proof: should the full run be larger
  // than the failure it came from after all, the failure itself is the smaller repro.
  if (
    p.spec.stopEarly === true &&
    (final.result.stats.ops > p.before.ops || final.result.stats.faults > p.before.faults)
  ) {
    best = p.initial;
    final = p.baseline;
  }
  const after = measure(final);
  // The invariant every shrink keeps: the repro handed back is never larger than the failing run.
  if (after.ops > p.before.ops || after.faults > p.before.faults) {
    throw new Error(
      `shrinker invariant broken: result (${after.ops} ops, ${after.faults} faults) is larger than its input (${p.before.ops} ops, ${p.before.faults} faults)`,
    );
  }
  return {
    reproduced: true,
    target: p.target,
    baseline: p.baseline,
    before: p.before,
    after,
    attempts: r.attempts,
    maxAttempts: p.maxAttempts,
    exhausted: r.exhausted,
    timedOut: p.deadlineHit(),
    wallMs: elapsed(p.t0),
    best,
    final,
    repro: p.reproOf(final, best),
  };
}

function notReproduced(p: Prepared): ShrinkReport | undefined {
  if (showsFailure(p.baseline.result.anomalyTypes, p.target) && p.baseline.result.valid === false)
    return undefined;
  return {
    reproduced: false,
    target: p.target,
    baseline: p.baseline,
    before: p.before,
    after: p.before,
    attempts: 0,
    maxAttempts: p.maxAttempts,
    exhausted: false,
    timedOut: false,
    wallMs: elapsed(p.t0),
    best: p.initial,
    final: p.baseline,
    repro: p.reproOf(p.baseline, p.initial),
  };
}

function keyOfCandidate(c: Candidate): string {
  return `${JSON.stringify(c.edits)}#${c.tape !== undefined ? trimTape(c.tape).join(",") : `seed:${c.seed}`}`;
}

/** Shrinks a failure in this thread, one attempt after another. */
export function shrinkCase(c: ShrinkCase, budget: ShrinkBudget = {}, createdBy = "sim shrink"): ShrinkReport {
  const p = prepare(c, budget, createdBy);
  const early = notReproduced(p);
  if (early) return early;
  const r = shrinkFailure(
    c.scenario,
    p.initial,
    (cand) => {
      const t = performance.now();
      const { outcome, evaluation } = judgeCandidate(c.scenario, p.spec, cand);
      c.onAttempt?.(cand, outcome, performance.now() - t);
      if (outcome.ok) {
        const adopted = cand.tape !== undefined ? { ...cand, tape: trimTape(evaluation.tape) } : cand;
        p.lastPass = { key: keyOfCandidate(adopted), ev: evaluation };
      }
      return outcome;
    },
    p.options,
  );
  return finish(c, p, r);
}

/**
 * Shrinks a failure with `width` attempts at a time on `run` (a worker pool): the same search and
 * the same result as `shrinkCase` with the same attempt budget, in less wall time.
 */
export async function shrinkCaseParallel(
  c: ShrinkCase,
  budget: ShrinkBudget,
  run: AttemptRunner,
  width: number,
  createdBy = "sim shrink",
): Promise<ShrinkReport> {
  const p = prepare(c, budget, createdBy);
  const early = notReproduced(p);
  if (early) return early;
  const r = await shrinkFailureAsync(c.scenario, p.initial, (cands) => run(p.spec, cands), {
    ...p.options,
    width,
  });
  return finish(c, p, r);
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
  /** Outer wall-clock cap (a duration; default 5m); the attempt budget decides the result. */
  time?: string;
  /** At most this many runs (default DEFAULT_SHRINK_ATTEMPTS). */
  attempts?: string;
}

/**
 * `sim shrink FILE [-o OUT]`: minimize a failing repro while its anomaly types keep appearing,
 * and write the smaller repro. Exits 1 (the shrunk repro still fails), 3 when the repro does not
 * fail as it says, 2 when it does not fail at all.
 */
export async function shrinkCommand(file: string, opts: ShrinkCommandOptions, io: CliIO): Promise<number> {
  const timeMs = opts.time !== undefined ? parseDurationMs(opts.time, "--time") : 300_000;
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
      maxAttempts: r.maxAttempts,
      exhausted: r.exhausted,
      timedOut: r.timedOut,
      wallMs: r.wallMs,
      opRoles: r.repro.opRoles ?? [],
    });
  } else {
    const m = (x: Measure) => `${x.ops} ops, ${x.faults} faults, tape ${x.tapeLength}`;
    line(io, `${io.c.bold(file)} → ${io.c.bold(out)}`);
    line(io, `  before: ${m(r.before)}`);
    line(io, `  after:  ${io.c.green(m(r.after))}  [${r.final.result.anomalyTypes.join(", ")}]`);
    const why = r.timedOut
      ? " (wall-clock cap reached; --time for more)"
      : r.exhausted
        ? " (attempt budget spent; --attempts for more)"
        : " (no smaller run found)";
    line(io, io.c.dim(`  ${r.attempts} runs in ${(r.wallMs / 1000).toFixed(1)} s${why}`));
    for (const o of r.repro.opRoles ?? []) {
      const who = o.process === "nemesis" ? "nemesis" : `p${o.process}`;
      const text = `    #${o.index} ${who} ${o.text}`;
      line(io, o.role === "anomaly" ? text : io.c.dim(`${text}  (context)`));
    }
  }
  return EXIT.failure;
}
