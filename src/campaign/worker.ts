/**
 * The fuzz worker: runs one seed, or shrinks one failure, in a worker thread (piscina loads it
 * through worker.js, which registers the TypeScript loader first). Tasks and results are plain
 * data; a failing run ships its history back so that the main thread can write its folder.
 */
import type { History } from "../check/history.ts";
import type { AllKnobs } from "../cluster/knobs.ts";
import type { RunFailure, TimelineEvent } from "../cluster/types.ts";
import type { RunResult } from "../report/types.ts";
import type { Candidate, TestOutcome } from "../shrink/index.ts";
import { type CampaignRepro, makeCampaignRepro } from "./artifacts.ts";
import { knobsFor } from "./catalog.ts";
import type { Evaluation } from "./evaluate.ts";
import { runAndCheck } from "./evaluate.ts";
import { loadScenario } from "./scenarios.ts";
import { type AttemptSpec, judgeCandidate, type Measure, shrinkCase } from "./shrink.ts";

export interface RunTask {
  kind: "run";
  scenario: string;
  variant: string;
  overrides: Record<string, string>;
  seed: number;
}

export interface ShrinkTask {
  kind: "shrink";
  scenario: string;
  variant: string;
  overrides: Record<string, string>;
  seed: number;
  target: string[];
  timeMs: number;
  /**
   * Wall-clock time (epoch ms) by which the shrink must have returned its best so far: a campaign's
   * `--duration` ends then. A task may wait in the pool's queue, so `timeMs` alone cannot say it.
   */
  notAfterEpochMs?: number;
}

/** One shrink candidate to judge (see shrink-pool.ts). */
export interface AttemptTask {
  kind: "attempt";
  spec: AttemptSpec;
  candidate: Candidate;
}

export type Task = RunTask | ShrinkTask | AttemptTask;

/** What the main thread needs of an evaluation to write a run folder (see artifacts.ts). */
export interface ShippedEvaluation {
  result: RunResult;
  history: History;
  events: TimelineEvent[];
  failures: RunFailure[];
  tape: number[];
  error?: { message: string; stack?: string };
}

export interface RunTaskResult {
  kind: "run";
  result: RunResult;
  /** Present when the run failed (valid === false). */
  failed?: { evaluation: ShippedEvaluation; repro: CampaignRepro };
}

export interface ShrinkTaskResult {
  kind: "shrink";
  reproduced: boolean;
  before: Measure;
  after: Measure;
  attempts: number;
  wallMs: number;
  evaluation: ShippedEvaluation;
  repro: CampaignRepro;
}

export interface AttemptTaskResult {
  kind: "attempt";
  outcome: TestOutcome;
}

export type TaskResult = RunTaskResult | ShrinkTaskResult | AttemptTaskResult;

function ship(ev: Evaluation, withHistory: boolean): ShippedEvaluation {
  return {
    result: ev.result,
    history: withHistory ? ev.history : [],
    events: withHistory ? ev.events : [],
    failures: ev.failures,
    tape: [],
    ...(ev.error ? { error: ev.error } : {}),
  };
}

async function prepare(
  t: RunTask | ShrinkTask,
): Promise<{ scenario: Awaited<ReturnType<typeof loadScenario>>; knobs: AllKnobs }> {
  const loaded = await loadScenario(t.scenario);
  return { scenario: loaded, knobs: knobsFor(loaded.scenario, t.variant, t.overrides, loaded.ref) };
}

/** Scenarios loaded by this worker, by reference (an attempt task names its scenario). */
const loadedScenarios = new Map<string, Promise<Awaited<ReturnType<typeof loadScenario>>>>();

export async function handleTask(t: Task): Promise<TaskResult> {
  if (t.kind === "attempt") {
    let loading = loadedScenarios.get(t.spec.scenarioRef);
    if (loading === undefined) {
      loading = loadScenario(t.spec.scenarioRef);
      loadedScenarios.set(t.spec.scenarioRef, loading);
    }
    const loaded = await loading;
    return { kind: "attempt", outcome: judgeCandidate(loaded.scenario, t.spec, t.candidate).outcome };
  }
  const { scenario: loaded, knobs } = await prepare(t);
  const swarm = loaded.scenario.swarm ?? true;
  if (t.kind === "run") {
    const ev = runAndCheck({
      scenario: loaded.scenario,
      scenarioRef: loaded.ref,
      variant: t.variant,
      knobs,
      seed: t.seed,
      swarm,
    });
    if (ev.result.valid !== false) return { kind: "run", result: ev.result };
    const repro = makeCampaignRepro(ev, {
      scenarioRef: loaded.ref,
      variant: t.variant,
      knobs,
      seed: t.seed,
      swarm,
      createdBy: "sim fuzz",
    });
    return { kind: "run", result: ev.result, failed: { evaluation: ship(ev, true), repro } };
  }
  const r = shrinkCase(
    {
      scenario: loaded.scenario,
      scenarioRef: loaded.ref,
      variant: t.variant,
      knobs,
      seed: t.seed,
      swarm,
      target: t.target,
    },
    {
      timeMs:
        t.notAfterEpochMs === undefined
          ? t.timeMs
          : Math.max(0, Math.min(t.timeMs, t.notAfterEpochMs - Date.now())),
    },
    "sim fuzz",
  );
  return {
    kind: "shrink",
    reproduced: r.reproduced,
    before: r.before,
    after: r.after,
    attempts: r.attempts,
    wallMs: r.wallMs,
    evaluation: ship(r.final, true),
    repro: r.repro,
  };
}

export default handleTask;
