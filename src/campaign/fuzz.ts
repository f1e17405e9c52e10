/**
 * `sim fuzz`: a campaign over scenarios × variants × seeds on a pool of worker threads.
 *
 * - Seeds are assigned by plan.ts (deterministic; `--shard I/N` splits them across machines).
 * - Every failure is written at once as a run folder (`failures/<scenario>-<seed>/`: repro.json,
 *   history.edn, anomalies.json, summary.json, report.html), then shrunk in a worker for a bounded
 *   time; the shrunk run is written to `failures/<…>/shrunk/` and becomes the repro the summary
 *   points at. Shrinking stops after `--shrink-limit` failures per signature (default 3): with a
 *   buggy variant nearly every seed fails the same way and the rest would shrink to the same thing.
 * - Ctrl-C stops dispatching, abandons runs in flight, writes everything found so far and exits 130
 *   (SIGTERM, as a batch system sends it, does the same and exits 143).
 * - At the end: summary.json, junit.xml and report.html in the campaign folder.
 */
import { rm } from "node:fs/promises";
import { availableParallelism, totalmem } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { AllKnobs } from "../cluster/knobs.ts";
import { ensureDir, writeFileAtomic } from "../io/atomic.ts";
import { InputError } from "../io/errors.ts";
import { formatJson } from "../io/json.ts";
import { claimOutDir } from "../io/outdir.ts";
import { isRecord } from "../io/repro.ts";
import { TOOL } from "../io/version.ts";
import { junitCasesFromSummary, renderJunit } from "../report/junit.ts";
import {
  type CampaignFailure,
  type CampaignSummary,
  groupFailures,
  listUnknownRuns,
  type ShrinkingSummary,
  signatureOf,
  type UnknownRun,
} from "../report/summary.ts";
import type { RunReport, RunResult } from "../report/types.ts";
import { makeCampaignRepro, writeRunDir } from "./artifacts.ts";
import { knobsFor, resolveVariantArg, variantInfo } from "./catalog.ts";
import { type CliIO, EXIT, line, printJson } from "./cli-io.ts";
import type { Evaluation } from "./evaluate.ts";
import { parseCount, parseDurationMs, parseKnobArgs, parseSeed, parseShard, type Shard } from "./options.ts";
import { campaignId, failureDirName, type Job, jobCount, jobs, type Pair, type Plan } from "./plan.ts";
import { Progress } from "./progress.ts";
import { renderReport } from "./render.ts";
import { campaignRunReports } from "./report.ts";
import { defaultScenarioNames, loadScenario } from "./scenarios.ts";
import type { ShippedEvaluation, Task, TaskResult } from "./worker.ts";
import { workerBundle } from "./worker-bundle.ts";

export interface FuzzOptions {
  seeds?: string;
  duration?: string;
  firstSeed?: string;
  variant?: string;
  workers?: string;
  shard?: string;
  out?: string;
  json?: boolean;
  junit?: string;
  stopOnFirst?: boolean;
  knob?: string[];
  /** Wall-clock shrink budget per failure (a duration; default 10s). */
  shrinkTime?: string;
  /** Failures shrunk per signature: a count, or `all` (default 3). */
  shrinkLimit?: string;
  /** Write into an `--out` folder that already holds results. */
  force?: boolean;
  /**
   * `performance.now()` when the command started (default: when the campaign starts). The `sim`
   * command passes 0, the process start, so that `--duration` counts start-up too.
   */
  startedAtMs?: number;
}

/** `sim fuzz --json` (README), extended with where the campaign was written. */
export interface FuzzJson {
  tool: string;
  scenarios: string[];
  variant: string;
  variants: string[];
  seeds: number;
  failures: Array<{
    seed: number;
    scenario: string;
    variant?: string;
    anomalyTypes: string[];
    repro: string;
  }>;
  seedsPerSecond: number;
  opsPerSecond: number;
  wallMs: number;
  /**
   * Worker start-up: from the campaign's start until the first seed began on a worker (the pool's
   * threads loading the sources and the scenario), so that it can be told apart from the seeds'
   * own time. Absent when no seed finished.
   */
  startupMs?: number;
  out: string;
  stopped?: boolean;
  shrinking?: ShrinkingSummary;
}

const WORKER_FILE = fileURLToPath(new URL("./worker.js", import.meta.url));
const DEFAULT_DURATION_MS = 60_000;
const DEFAULT_SHRINK_MS = 10_000;
const DEFAULT_SHRINK_LIMIT = 3;
/** A shrink given less time than this would rarely get past its first attempts: skip it. */
const MIN_SHRINK_MS = 1_000;

/**
 * The part of `--duration` kept for the end of the campaign (summary, JUnit, report.html), so that
 * the whole command, shrinking and writing included, ends within the duration asked for.
 */
export function closingReserveMs(durationMs: number): number {
  return Math.min(2_000, durationMs * 0.1);
}

interface Settings {
  plan: Plan;
  variantArg: string;
  variants: string[];
  overrides: Record<string, string>;
  durationMs?: number;
  workers: number;
  out: string;
  /** The default folder was taken by an earlier campaign; `out` is a fresh one beside it. */
  outRenamedFrom?: string;
  id: string;
  shard?: Shard;
  shrinkMs: number;
  shrinkLimit: number;
  /** Knob values per `scenario\u0000variant`. */
  knobs: Map<string, AllKnobs>;
}

async function settle(opts: FuzzOptions, scenarioArgs: string[]): Promise<Settings> {
  const total = opts.seeds !== undefined ? parseCount(opts.seeds, "--seeds") : undefined;
  let durationMs = opts.duration !== undefined ? parseDurationMs(opts.duration) : undefined;
  if (total === undefined && durationMs === undefined) durationMs = DEFAULT_DURATION_MS;
  const firstSeed = opts.firstSeed !== undefined ? parseSeed(opts.firstSeed, "--first-seed") : 1;
  const shard = opts.shard !== undefined ? parseShard(opts.shard) : undefined;
  const variantArg = opts.variant ?? "fixed";
  const variants = resolveVariantArg(variantArg);
  const overrides = parseKnobArgs(opts.knob);
  const shrinkMs =
    opts.shrinkTime !== undefined ? parseDurationMs(opts.shrinkTime, "--shrink-time") : DEFAULT_SHRINK_MS;
  const shrinkLimit =
    opts.shrinkLimit === undefined
      ? DEFAULT_SHRINK_LIMIT
      : opts.shrinkLimit.trim() === "all"
        ? Number.POSITIVE_INFINITY
        : parseCount(opts.shrinkLimit, "--shrink-limit", 0);

  // Which scenarios each variant runs: the named ones; else its own exposing scenario; else the
  // standard workloads.
  const pairs: Pair[] = [];
  const knobs = new Map<string, AllKnobs>();
  let defaults: string[] | undefined;
  for (const v of variants) {
    let names = scenarioArgs;
    if (names.length === 0) {
      const own = variantInfo(v)?.scenario;
      if (own) names = [own];
      else {
        defaults ??= await defaultScenarioNames();
        if (defaults.length === 0) {
          throw new InputError({
            file: "scenarios/",
            problem: "no standard scenarios installed; name a scenario to fuzz",
          });
        }
        names = defaults;
      }
    }
    for (const n of names) {
      const loaded = await loadScenario(n).catch((e: unknown) => {
        // Say why a scenario nobody named was wanted: it is the variant's own.
        if (scenarioArgs.length === 0 && e instanceof InputError) {
          throw new InputError({
            file: n,
            problem: `${e.message.replace(/^[^:]*: /, "")} (the scenario of variant ${v})`,
          });
        }
        throw e;
      });
      // Resolve the knobs once here so that a bad --knob is an input error, not a failure per seed.
      knobs.set(`${loaded.ref}\u0000${v}`, knobsFor(loaded.scenario, v, overrides, loaded.ref));
      pairs.push({ scenario: loaded.ref, variant: v });
    }
  }
  const id = campaignId({ variantArg, scenarios: scenarioArgs, firstSeed, ...(shard ? { shard } : {}) });
  const plan: Plan = {
    pairs,
    firstSeed,
    ...(total !== undefined ? { total } : {}),
    ...(shard ? { shard } : {}),
  };
  const count = jobCount(plan);
  let workers =
    opts.workers !== undefined ? parseCount(opts.workers, "--workers", 0) : availableParallelism();
  if (count !== undefined && workers > count) workers = Math.max(1, count);
  // Claimed last, so that a usage error leaves no empty folder behind.
  const outDir = await claimOutDir({ out: opts.out, defaultDir: join("reports", id), force: opts.force });
  if (outDir.reused) await clearPrevious(outDir.dir);
  return {
    plan,
    variantArg,
    variants,
    overrides,
    ...(durationMs !== undefined ? { durationMs } : {}),
    workers,
    out: outDir.dir,
    ...(outDir.renamedFrom !== undefined ? { outRenamedFrom: outDir.renamedFrom } : {}),
    id,
    ...(shard ? { shard } : {}),
    shrinkMs,
    shrinkLimit,
    knobs,
  };
}

/** Runs tasks on the pool, or in this thread with `--workers 0` (handy under a debugger). */
interface Executor {
  run(task: Task, signal: AbortSignal): Promise<TaskResult>;
  close(): Promise<void>;
}

async function executor(workers: number): Promise<Executor> {
  if (workers === 0) {
    const { handleTask } = await import("./worker.ts");
    return {
      // Yield between tasks so that Ctrl-C and the progress line are still served.
      run: (task, signal) =>
        new Promise((res, rej) =>
          setImmediate(() => (signal.aborted ? rej(signal.reason) : handleTask(task).then(res, rej))),
        ),
      close: async () => {},
    };
  }
  // A heap limit per worker: a seed whose run balloons then kills its worker (recorded as a
  // sim-error of that seed) instead of the whole campaign with everything it found.
  const heapMb = Math.max(512, Math.floor(((totalmem() / 2 ** 20) * 0.75) / workers));
  const pool = new Piscina<Task, TaskResult>({
    filename: WORKER_FILE,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 30_000,
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
    // Built (when stale) inside the start-up the campaign reports.
    workerData: { bundle: await workerBundle() },
  });
  return { run: (task, signal) => pool.run(task, { signal }), close: () => pool.destroy() };
}

function toEvaluation(s: ShippedEvaluation): Evaluation {
  return {
    result: s.result,
    history: s.history,
    events: s.events,
    failures: s.failures,
    tape: s.tape,
    simEvents: 0,
    ...(s.error ? { error: s.error } : {}),
  };
}

/**
 * A run task whose worker died (out of memory, a crash in native code): a sim-error failure of that
 * seed, with a repro, so that the campaign goes on and the seed can be looked at alone.
 */
function workerDied(job: Job, e: unknown, st: Settings): Extract<TaskResult, { kind: "run" }> {
  const message = `the worker running this seed died: ${e instanceof Error ? e.message : String(e)}`;
  const result: RunResult = {
    tool: TOOL,
    scenario: job.pair.scenario,
    variant: job.pair.variant,
    seed: job.seed,
    valid: false,
    anomalyTypes: ["sim-error"],
    anomalies: [{ type: "sim-error", keys: [], explanation: message }],
    stats: { ops: 0, ok: 0, fail: 0, info: 0, simTimeMs: 0, leaderChanges: 0, faults: 0 },
    config: {},
    probes: {},
    historyHash: "worker-died",
    wallMs: 0,
  };
  const failures = [
    { type: "sim-error", message, ...(e instanceof Error && e.stack ? { stack: e.stack } : {}) },
  ];
  const evaluation: ShippedEvaluation = { result, history: [], events: [], failures, tape: [] };
  const repro = makeCampaignRepro(toEvaluation(evaluation), {
    scenarioRef: job.pair.scenario,
    variant: job.pair.variant,
    knobs: st.knobs.get(`${job.pair.scenario}\u0000${job.pair.variant}`),
    seed: job.seed,
    createdBy: "sim fuzz",
  });
  return { kind: "run", result, failed: { evaluation, repro } };
}

/**
 * With `--force` on a folder of an earlier campaign: clears its failure folders, so that the new
 * summary does not sit beside repros it does not list (only in a folder deltasim wrote).
 */
async function clearPrevious(out: string): Promise<void> {
  try {
    const { readFile } = await import("node:fs/promises");
    const prev = JSON.parse(await readFile(join(out, "summary.json"), "utf8")) as unknown;
    if (isRecord(prev) && typeof prev.tool === "string" && prev.tool.startsWith("deltasim@")) {
      await rm(join(out, "failures"), { recursive: true, force: true });
    }
  } catch {
    // No earlier campaign here.
  }
}

export async function fuzzCommand(
  scenarioArgs: string[],
  opts: FuzzOptions,
  io: CliIO,
  signals: NodeJS.EventEmitter = process,
): Promise<number> {
  const st = await settle(opts, scenarioArgs);
  return new FuzzCampaign(st, opts, io, signals).run();
}

/**
 * One `sim fuzz` campaign in flight. Its stages (dispatching seeds, taking a run's result, starting
 * a shrink, writing the summary) share the counters, the deadline and the stop state that signals,
 * the deadline and internal errors set; a class keeps that state in one place and lets each stage
 * be a method of its own.
 */
class FuzzCampaign {
  private readonly manyVariants: boolean;
  private readonly total: number | undefined;
  private readonly t0: number;
  /**
   * `--duration` caps the whole command: seeds stop, and runs and shrinks still going are abandoned,
   * at `deadline`, leaving the closing reserve to write the results.
   */
  private readonly deadline: number;
  private readonly shrinkMarginMs: number;
  private outOfTime = false;
  private readonly abort = new AbortController();
  /**
   * The dispatch loop sleeps on `woken()` until a task settles, the deadline passes or a signal
   * arrives (one fresh promise per wait, so nothing accumulates on long-running tasks).
   */
  private wake = () => {};
  private interrupted = false;
  private stopCode: number = EXIT.interrupted;
  private stopSeeds = false;
  private readonly onSigint: () => void;
  private readonly onSigterm: () => void;
  private progress: Progress | undefined;
  private exec!: Executor;
  private readonly failures: CampaignFailure[] = [];
  private readonly results: RunResult[] = [];
  private readonly shrunkPerSignature = new Map<string, number>();
  private readonly perPair = new Map<string, { seeds: number; ms: number }>();
  private readonly probes: Record<string, number> = {};
  private done = 0;
  /** Worker start-up: until the first seed began on a worker (see `FuzzJson.startupMs`). */
  private startupMs: number | undefined;
  private ops = 0;
  private readonly unknownRuns: UnknownRun[] = [];
  private shrinking = 0;
  private readonly shrinkStats: ShrinkingSummary;
  /** When each shrink in flight will be over at the latest (for an honest ETA). */
  private readonly shrinkEnds = new Set<number>();
  private internalError: unknown;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly st: Settings,
    private readonly opts: FuzzOptions,
    private readonly io: CliIO,
    private readonly signals: NodeJS.EventEmitter,
  ) {
    this.manyVariants = st.variants.length > 1;
    this.total = jobCount(st.plan);
    this.t0 = performance.now();
    this.deadline =
      st.durationMs !== undefined
        ? (opts.startedAtMs ?? this.t0) + st.durationMs - closingReserveMs(st.durationMs)
        : Number.POSITIVE_INFINITY;
    this.shrinkMarginMs = st.durationMs !== undefined ? Math.min(2_000, st.durationMs * 0.1) : 0;
    this.onSigint = this.stopper(EXIT.interrupted);
    this.onSigterm = this.stopper(EXIT.terminated);
    signals.on("SIGINT", this.onSigint);
    signals.on("SIGTERM", this.onSigterm);
    this.shrinkStats = {
      started: 0,
      shrunk: 0,
      cutShort: 0,
      skippedForTime: 0,
      limitMs: st.shrinkMs,
    };
  }

  /**
   * Ctrl-C (SIGINT, exit 130) or a batch system stopping the job (SIGTERM, exit 143): stop
   * dispatching, abandon runs in flight, write what was found. A second signal exits at once.
   */
  private stopper(code: number): () => void {
    return () => {
      if (this.interrupted) process.exit(this.stopCode);
      this.interrupted = true;
      this.stopCode = code;
      this.stopSeeds = true;
      this.abort.abort(new Error("interrupted"));
      this.wake();
    };
  }

  private woken(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  async run(): Promise<number> {
    const { st, io } = this;
    if (!io.json) this.announce();
    // The bar and ETA run to the command's end: the deadline plus the closing reserve, from now.
    const untilEndMs =
      st.durationMs !== undefined ? this.deadline + closingReserveMs(st.durationMs) - this.t0 : undefined;
    this.progress = io.progress ? new Progress(io.err, io.ce, this.total, untilEndMs) : undefined;
    this.exec = await executor(st.workers);
    await this.dispatchAll();
    if (this.internalError !== undefined && !this.interrupted) throw this.internalError;
    return this.finish();
  }

  private announce(): void {
    const { st, io, total } = this;
    const what = `${st.plan.pairs.length} scenario×variant pair${st.plan.pairs.length === 1 ? "" : "s"}`;
    const size = total !== undefined ? `${total} seeds` : `${Math.round((st.durationMs ?? 0) / 1000)} s`;
    if (st.outRenamedFrom !== undefined) {
      io.err.write(`${st.outRenamedFrom} holds an earlier campaign; keeping it and writing to ${st.out}\n`);
    }
    io.err.write(
      `${io.ce.bold("sim fuzz")} ${what}, ${size}${st.shard ? `, shard ${st.shard.index}/${st.shard.count}` : ""}, ${st.workers || "no"} worker${st.workers === 1 ? "" : "s"} → ${st.out}\n`,
    );
  }

  private track(p: Promise<void>): void {
    const q = p.catch((e) => {
      // An abandoned task (Ctrl-C) is expected; anything else is a bug worth surfacing.
      if (!this.abort.signal.aborted) this.internalError ??= e;
    });
    this.inflight.add(q);
    void q.finally(() => {
      this.inflight.delete(q);
      this.wake();
    });
  }

  /**
   * Keeps up to two runs per worker in flight until the seeds run out, the deadline passes, a
   * signal arrives or a task fails unexpectedly, then waits for (or abandons) what is still going.
   */
  private async dispatchAll(): Promise<void> {
    const { st, t0, deadline } = this;
    const it = jobs(st.plan);
    const window = Math.max(1, st.workers) * 2;
    let runsInFlight = 0;
    const deadlineTimer = Number.isFinite(deadline)
      ? setTimeout(() => this.wake(), Math.max(0, deadline - performance.now()))
      : undefined;
    const tick = setInterval(() => {
      const now = performance.now();
      this.progress?.update({
        done: this.done,
        failures: this.failures.length,
        shrinking: this.shrinking,
        elapsedMs: now - t0,
        shrinkLeftMs: this.shrinkEnds.size > 0 ? Math.max(...this.shrinkEnds) - now : 0,
      });
    }, 100);
    tick.unref();
    try {
      for (;;) {
        const wait = this.woken();
        if (performance.now() >= deadline) this.stopSeeds = true;
        while (!this.stopSeeds && runsInFlight < window) {
          const next = it.next();
          if (next.done) {
            this.stopSeeds = true;
            break;
          }
          const job = next.value;
          runsInFlight++;
          this.track(
            this.runJob(job).finally(() => {
              runsInFlight--;
            }),
          );
        }
        if (this.inflight.size === 0) break;
        if (performance.now() >= deadline && !this.outOfTime) {
          // The duration is spent: abandon what is still running (its seeds are not counted; its
          // failures keep their unshrunk repros) and write the results.
          this.outOfTime = true;
          this.abort.abort(new Error("--duration reached"));
        }
        await wait;
        if (this.internalError !== undefined) {
          this.stopSeeds = true;
          this.abort.abort(this.internalError);
        }
      }
    } finally {
      clearInterval(tick);
      clearTimeout(deadlineTimer);
      this.progress?.finish();
      this.signals.off("SIGINT", this.onSigint);
      this.signals.off("SIGTERM", this.onSigterm);
      await this.exec.close();
    }
  }

  /** One seed's run; a worker that died on it counts as a sim-error failure of that seed. */
  private runJob(job: Job): Promise<void> {
    const { st, abort } = this;
    return this.exec
      .run(
        {
          kind: "run",
          scenario: job.pair.scenario,
          variant: job.pair.variant,
          overrides: st.overrides,
          seed: job.seed,
        },
        abort.signal,
      )
      .then(
        (r) => (r.kind === "run" ? this.onRun(job, r) : undefined),
        (e: unknown) => (abort.signal.aborted ? undefined : this.onRun(job, workerDied(job, e, st))),
      );
  }

  /** Counts a finished run; a failure is written to its folder at once, then shrunk if allowed. */
  private async onRun(job: Job, r: Extract<TaskResult, { kind: "run" }>): Promise<void> {
    const { st } = this;
    if (this.done === 0)
      this.startupMs = Math.max(0, Math.round(performance.now() - this.t0 - r.result.wallMs));
    this.done++;
    this.ops += r.result.stats.ops;
    for (const [k, v] of Object.entries(r.result.probes)) this.probes[k] = (this.probes[k] ?? 0) + v;
    if (r.result.valid === "unknown") {
      this.unknownRuns.push({
        scenario: job.pair.scenario,
        ...(this.manyVariants ? { variant: job.pair.variant } : {}),
        seed: job.seed,
        anomalyTypes: r.result.anomalyTypes,
      });
    }
    const pk = `${job.pair.scenario}\u0000${job.pair.variant}`;
    const pp = this.perPair.get(pk) ?? { seeds: 0, ms: 0 };
    pp.seeds++;
    pp.ms += r.result.wallMs;
    this.perPair.set(pk, pp);
    if (!r.failed) return;
    if (this.opts.stopOnFirst) this.stopSeeds = true;
    const name = failureDirName(job.pair, job.seed, this.manyVariants);
    const dir = join(st.out, "failures", name);
    const ev = toEvaluation(r.failed.evaluation);
    await writeRunDir(dir, ev, r.failed.repro);
    const failure: CampaignFailure = {
      seed: job.seed,
      scenario: job.pair.scenario,
      ...(this.manyVariants ? { variant: job.pair.variant } : {}),
      anomalyTypes: r.result.anomalyTypes,
      repro: `failures/${name}/repro.json`,
      ops: r.result.stats.ops,
      historyHash: r.result.historyHash,
    };
    this.failures.push(failure);
    this.results.push({ ...ev.result, repro: failure.repro });
    this.maybeShrink(job, r, failure, dir, name);
  }

  /**
   * Starts shrinking a failure, unless its signature has had its share of shrinks, the campaign is
   * stopping, or too little time is left for a shrink to get anywhere.
   */
  private maybeShrink(
    job: Job,
    r: Extract<TaskResult, { kind: "run" }>,
    failure: CampaignFailure,
    dir: string,
    name: string,
  ): void {
    const { st, shrinkStats } = this;
    const sig = signatureOf(failure);
    const n = this.shrunkPerSignature.get(sig) ?? 0;
    // A seed that killed its worker would kill the shrinking worker too.
    if (n >= st.shrinkLimit || this.interrupted || this.outOfTime || r.result.historyHash === "worker-died")
      return;
    // Shrinking shares --duration with the seeds: a shrink gets at most the time left, less a
    // margin so that it returns its best so far (an attempt can overrun) before the campaign must
    // abandon it.
    const shrinkUntil = this.deadline - this.shrinkMarginMs;
    const timeMs = Math.min(st.shrinkMs, shrinkUntil - performance.now());
    if (timeMs < Math.min(MIN_SHRINK_MS, st.shrinkMs)) {
      shrinkStats.skippedForTime++;
      return;
    }
    this.shrunkPerSignature.set(sig, n + 1);
    this.shrinking++;
    shrinkStats.started++;
    const ends = performance.now() + timeMs;
    this.shrinkEnds.add(ends);
    this.track(
      this.exec
        .run(
          {
            kind: "shrink",
            scenario: job.pair.scenario,
            variant: job.pair.variant,
            overrides: st.overrides,
            seed: job.seed,
            target: r.result.anomalyTypes,
            timeMs,
            ...(Number.isFinite(shrinkUntil)
              ? { notAfterEpochMs: Date.now() + (shrinkUntil - performance.now()) }
              : {}),
          },
          this.abort.signal,
        )
        .then(async (s) => {
          if (s.kind !== "shrink" || !s.reproduced) return;
          const sev = toEvaluation(s.evaluation);
          await writeRunDir(join(dir, "shrunk"), sev, s.repro);
          failure.repro = `failures/${name}/shrunk/repro.json`;
          failure.ops = s.after.ops;
          failure.historyHash = sev.result.historyHash;
          shrinkStats.shrunk++;
        })
        .catch((e: unknown) => {
          if (this.outOfTime && !this.interrupted) shrinkStats.cutShort++;
          throw e;
        })
        .finally(() => {
          this.shrinking--;
          this.shrinkEnds.delete(ends);
        }),
    );
  }

  /** Writes the campaign folder's summary files, prints the outcome and returns the exit code. */
  private async finish(): Promise<number> {
    const { st, opts, io, failures } = this;
    const wallMs = Math.round(performance.now() - this.t0);
    failures.sort(
      (a, b) => a.seed - b.seed || cmp(a.scenario, b.scenario) || cmp(a.variant ?? "", b.variant ?? ""),
    );
    const scenarios = [...new Set(st.plan.pairs.map((p) => p.scenario))];
    const summary = this.summary(scenarios, wallMs);
    // Each group's smallest run is drawn from its folder, as `sim report` would.
    await writeCampaignFiles(
      st.out,
      summary,
      await campaignRunReports(st.out, summary),
      this.results,
      this.perPair,
      opts.junit,
    );

    if (io.json) {
      printJson(io, this.fuzzJson(summary, scenarios, wallMs));
    } else {
      printFuzzText(io, summary, st.out, this.interrupted);
      if (this.done === 0 && st.durationMs !== undefined && !this.interrupted) {
        line(
          io,
          io.c.yellow(
            `  no seed finished within --duration ${opts.duration}: start-up alone took most of it`,
          ),
        );
      }
    }
    if (this.interrupted) return this.stopCode;
    return failures.length > 0 ? EXIT.failure : EXIT.valid;
  }

  private summary(scenarios: string[], wallMs: number): CampaignSummary {
    const { st, opts, failures, done, ops, probes, unknownRuns, shrinkStats } = this;
    const unknown = unknownRuns.length;
    return {
      tool: TOOL,
      campaign: st.id,
      scenarios,
      variant: st.variantArg,
      variants: st.variants,
      seeds: done,
      firstSeed: st.plan.firstSeed,
      ...(st.shard ? { shard: st.shard } : {}),
      wallMs,
      seedsPerSecond: rate(done, wallMs),
      opsPerSecond: rate(ops, wallMs),
      ops,
      ...(this.interrupted || (opts.stopOnFirst && failures.length > 0) ? { stopped: true } : {}),
      failures,
      groups: groupFailures(failures),
      probes: Object.fromEntries(Object.entries(probes).sort(([a], [b]) => cmp(a, b))),
      ...(unknown > 0 ? { unknown, unknownRuns: listUnknownRuns(unknownRuns) } : {}),
      ...(shrinkStats.started + shrinkStats.skippedForTime > 0 ? { shrinking: shrinkStats } : {}),
    };
  }

  private fuzzJson(summary: CampaignSummary, scenarios: string[], wallMs: number): FuzzJson {
    const { st } = this;
    return {
      tool: TOOL,
      scenarios,
      variant: st.variantArg,
      variants: st.variants,
      seeds: this.done,
      failures: this.failures.map((f) => ({
        seed: f.seed,
        scenario: f.scenario,
        ...(f.variant ? { variant: f.variant } : {}),
        anomalyTypes: f.anomalyTypes,
        repro: join(st.out, f.repro),
      })),
      seedsPerSecond: summary.seedsPerSecond,
      opsPerSecond: summary.opsPerSecond,
      wallMs,
      ...(this.startupMs !== undefined ? { startupMs: this.startupMs } : {}),
      out: st.out,
      ...(summary.stopped ? { stopped: true } : {}),
      ...(summary.shrinking ? { shrinking: summary.shrinking } : {}),
    };
  }
}

/** summary.json, junit.xml (and a copy at `--junit FILE`) and report.html of a campaign folder. */
export async function writeCampaignFiles(
  out: string,
  summary: CampaignSummary,
  reports: RunReport[],
  results: RunResult[] = [],
  perPair?: Map<string, { seeds: number; ms: number }>,
  junitFile?: string,
): Promise<void> {
  await ensureDir(out);
  await writeFileAtomic(join(out, "summary.json"), formatJson(summary));
  const cases = junitCasesFromSummary(summary, results).map((c) => {
    const pp = perPair?.get(`${c.scenario}\u0000${c.variant}`);
    return pp ? { ...c, seeds: pp.seeds, timeMs: pp.ms } : c;
  });
  const junit = renderJunit(summary.campaign, cases);
  await writeFileAtomic(join(out, "junit.xml"), junit);
  if (junitFile !== undefined && resolve(junitFile) !== resolve(out, "junit.xml")) {
    await ensureDir(resolve(junitFile, ".."));
    await writeFileAtomic(junitFile, junit);
  }
  const sorted = [...reports].sort((a, b) => cmp(signatureOf(a), signatureOf(b)));
  await writeFileAtomic(join(out, "report.html"), renderReport({ summary, failures: sorted }));
}

function printFuzzText(io: CliIO, s: CampaignSummary, out: string, interrupted: boolean): void {
  const { c } = io;
  const head = interrupted
    ? c.yellow("interrupted")
    : s.failures.length > 0
      ? c.red.bold("FAILED")
      : c.green.bold("ok");
  line(
    io,
    `${head}  ${s.seeds} seeds in ${(s.wallMs / 1000).toFixed(1)} s (${s.seedsPerSecond} seeds/s, ${s.opsPerSecond} ops/s), ${s.failures.length} failure${s.failures.length === 1 ? "" : "s"}`,
  );
  for (const g of s.groups) {
    line(
      io,
      `  ${c.red(g.signature)}  ×${g.count}  smallest: seed ${g.smallest.seed}${g.smallest.ops !== undefined ? ` (${g.smallest.ops} ops)` : ""}  ${join(out, g.smallest.repro)}`,
    );
  }
  if (s.unknown !== undefined && s.unknown > 0) {
    const shown = (s.unknownRuns ?? []).slice(0, 5).map(unknownRunText);
    const more = s.unknown > shown.length ? `, … (${s.unknown - shown.length} more in summary.json)` : "";
    line(
      io,
      c.yellow(
        `  verdict unknown in ${s.unknown} run${s.unknown === 1 ? "" : "s"}: ${shown.join(", ")}${more}`,
      ),
    );
  }
  if (s.shrinking !== undefined) line(io, c.dim(`  ${shrinkingLine(s.shrinking)}`));
  const probes = Object.entries(s.probes);
  if (probes.length > 0) line(io, c.dim(`  probes: ${probes.map(([k, v]) => `${k} ${v}`).join(", ")}`));
  line(
    io,
    c.dim(`  report: ${relative(process.cwd(), join(out, "report.html")) || join(out, "report.html")}`),
  );
}

/** "hash seed 17 (cycle-search-timeout)": enough to run `sim run hash --seed 17` again. */
function unknownRunText(r: UnknownRun): string {
  const why = r.anomalyTypes.length > 0 ? ` (${r.anomalyTypes.join(", ")})` : "";
  return `${r.scenario}${r.variant ? `/${r.variant}` : ""} seed ${r.seed}${why}`;
}

/** "shrinking: 3 of 4 shrunk (10 s each at most), 1 cut short by --duration, 2 not started: no time left" */
export function shrinkingLine(k: ShrinkingSummary): string {
  const parts = [
    `shrinking: ${k.shrunk} of ${k.started} shrunk (${Math.round(k.limitMs / 1000)} s each at most)`,
  ];
  if (k.cutShort > 0) parts.push(`${k.cutShort} cut short by --duration`);
  if (k.skippedForTime > 0) parts.push(`${k.skippedForTime} not started: --duration nearly spent`);
  return parts.join(", ");
}

function rate(n: number, ms: number): number {
  return ms > 0 ? Math.round((n / (ms / 1000)) * 100) / 100 : 0;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
