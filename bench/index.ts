/**
 * Every benchmark of docs/performance.md, one after another, each in a fresh child process (so one
 * section's heap and JIT state never colour the next one's figures). Prints one JSON object per
 * line, `{name, value, unit, target, ok, ...details}`; every line carries the machine (Node
 * version, cores, CPU model, 1-minute load average) so that runs can be compared.
 *
 *   npm run bench                       # capped: within 10 minutes on 2 cores
 *   npm run bench -- --full             # uncapped: ≥ 200 seeds, the 1M-op history, longer shrinks
 *   npm run bench -- --only sim,fuzz    # some sections (engine mvcc raft redis checker dense sim catalogue shrink fuzz)
 *   npm run bench -- --only shrink --variants del-unfenced,retry-recompute   # some variants' shrinks
 *   npm run bench -- --only recall --seeds 300 --variant-cap-s 60   # bench/recall.ts (only when named)
 *   npm run bench -- --only strategies --seeds 60 --cell-cap-s 15   # bench/strategies.ts (only when named)
 *
 * Capped mode bounds every campaign by wall time and reports how far it got (seeds run, campaigns
 * censored); nothing is skipped silently. Wall-clock figures on a shared machine measure the
 * neighbours too, so the simulation figures also give the rate per CPU-second of the process.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target: number | null;
  ok: boolean;
  [detail: string]: unknown;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SECTIONS = [
  "engine",
  "mvcc",
  "raft",
  "redis",
  "checker",
  "dense",
  "sim",
  "catalogue",
  "shrink",
  "fuzz",
  "recall",
  "strategies",
] as const;
/** Sections that run only when `--only` names them (they are campaigns of their own). */
const ON_REQUEST: readonly string[] = ["recall", "strategies"];
type Section = (typeof SECTIONS)[number];

/**
 * Wall-clock caps of capped mode (ms). Sized so that the whole run fits 10 minutes on 2 cores even
 * when every cap is reached (engine, mvcc, raft, redis and checker take about 2 minutes together).
 */
const CAPS = {
  /** Simulation speed: each of "simulation alone" and "simulation + check". */
  simPhaseMs: 45_000,
  /** One time-to-bug campaign (the target itself: a campaign past it fails either way). */
  campaignMs: 10_000,
  /** All time-to-bug campaigns together. */
  huntsMs: 100_000,
  /** Outer wall-clock cap of one shrink (the budget itself is counted in attempts). */
  shrinkOuterMs: 120_000,
  /** A section that runs longer than this is stopped and reported as an error. */
  sectionMs: 330_000,
  /** The shrink section's own limit: its budget is in attempts, so its wall time follows the load. */
  shrinkSectionMs: 900_000,
};

const TARGETS = {
  simOpsPerS: 50_000,
  timeToBugS: 10,
  shrunkOps: 12,
  shrunkFaults: 3,
  parallelEfficiency: 0.8,
  benchWallS: 600,
};

/**
 * Physical cores, told apart from hardware threads: on Linux the distinct (physical id, core id)
 * pairs of /proc/cpuinfo; elsewhere, or when the file does not say (some VMs and containers), the
 * figure is unknown and `source` says so.
 */
function physicalCores(): { cores: number | null; source: string } {
  try {
    const text = readFileSync("/proc/cpuinfo", "utf8");
    const pairs = new Set<string>();
    let phys = "0";
    for (const line of text.split("\n")) {
      const m = /^(physical id|core id)\s*:\s*(\d+)/.exec(line);
      if (m === null) continue;
      if (m[1] === "physical id") phys = m[2]!;
      else pairs.add(`${phys}/${m[2]}`);
    }
    if (pairs.size > 0) return { cores: pairs.size, source: "/proc/cpuinfo (physical id, core id)" };
    return { cores: null, source: "/proc/cpuinfo has no core ids: cores unknown" };
  } catch {
    return { cores: null, source: "no /proc/cpuinfo: cores unknown" };
  }
}

const CORES = physicalCores();

function machine(full: boolean): Record<string, unknown> {
  return {
    node: process.version,
    hardwareThreads: os.availableParallelism(),
    physicalCores: CORES.cores,
    physicalCoresSource: CORES.source,
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? "unknown",
    load1: Math.round(os.loadavg()[0] * 10) / 10,
    mode: full ? "full" : "capped",
  };
}

function print(r: BenchResult, full: boolean): void {
  console.log(JSON.stringify({ ...r, ...machine(full) }));
}

function note(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

function cpuMsSince(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

// ---------------------------------------------------------------------------------------------
// Simulation speed
// ---------------------------------------------------------------------------------------------

async function simSpeed(full: boolean, emit: (r: BenchResult) => void): Promise<void> {
  const { runScenario } = await import("../src/cluster/run.ts");
  const { resolveKnobs } = await import("../src/cluster/knobs.ts");
  const { normalizeScenario } = await import("../src/workload/normalize.ts");
  const { runAndCheck } = await import("../src/campaign/evaluate.ts");
  const spec = (await import("../scenarios/mixed.ts")).default;
  const scenario = normalizeScenario(spec, "mixed");
  const variant = "fixed";
  const knobs = resolveKnobs(scenario, variant);
  const seedsPlanned = 200;
  const firstSeed = 1;
  const capMs = full ? Number.POSITIVE_INFINITY : CAPS.simPhaseMs;

  // Warm-up on seeds outside the measured range: the figure is the steady state of a campaign.
  for (let s = 0; s < 3; s++) runScenario({ scenario, variant, knobs, seed: 1_000_000 + s });

  const common = {
    scenario: "mixed",
    variant,
    nodes: scenario.cluster.nodes,
    swarm: true,
    firstSeed,
    seedsPlanned,
  };
  // Scheduling points on (the default) and off (the coarse model), on the same seeds.
  const offKnobs = resolveKnobs(scenario, variant, {
    schedStrategy: "off",
    readCallFence: false,
    readProxyToLeader: false,
  });
  for (const [label, k] of [
    ["default", knobs],
    ["off", offKnobs],
  ] as const) {
    let ops = 0;
    let events = 0;
    let simMs = 0;
    let seeds = 0;
    const load1Start = os.loadavg()[0];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    while (seeds < seedsPlanned && performance.now() - t0 < capMs) {
      const out = runScenario({ scenario, variant, knobs: k, seed: firstSeed + seeds });
      seeds++;
      ops += out.stats.ops;
      events += out.stats.events;
      simMs += out.stats.simTimeMs;
    }
    const wallMs = performance.now() - t0;
    const cpuMs = cpuMsSince(c0);
    const opsPerS = (ops / wallMs) * 1000;
    const suffix = label === "default" ? "" : ".sched_off";
    emit({
      name: `sim.ops_per_s${suffix}`,
      value: Math.round(opsPerS),
      unit: "client ops/s",
      target: label === "default" ? TARGETS.simOpsPerS : null,
      ok: label === "default" ? opsPerS >= TARGETS.simOpsPerS : true,
      ...common,
      scheduling: label === "default" ? "default (schedStrategy mixed, reads fenced and proxied)" : "off",
      seeds,
      capped: seeds < seedsPlanned,
      ops,
      events,
      eventsPerOp: round(events / ops, 1),
      eventsPerS: Math.round((events / wallMs) * 1000),
      wallMs: Math.round(wallMs),
      cpuMs: Math.round(cpuMs),
      opsPerCpuS: Math.round((ops / cpuMs) * 1000),
      load1Start: round(load1Start, 1),
    });
    // Per CPU-second of this process: on a shared machine the wall rate also measures the
    // neighbours, the CPU rate much less so (it still slows when hardware threads share a core).
    const opsPerCpuS = (ops / cpuMs) * 1000;
    emit({
      name: `sim.ops_per_cpu_s${suffix}`,
      value: Math.round(opsPerCpuS),
      unit: "client ops per CPU-s",
      target: label === "default" ? TARGETS.simOpsPerS : null,
      ok: label === "default" ? opsPerCpuS >= TARGETS.simOpsPerS : true,
      ...common,
      seeds,
      ops,
      cpuMs: Math.round(cpuMs),
      eventsPerOp: round(events / ops, 1),
      load1Start: round(load1Start, 1),
    });
    emit({
      name: `sim.sim_time_per_wall_time${suffix}`,
      value: round(simMs / wallMs, 1),
      unit: "simulated s per wall s",
      target: null,
      ok: true,
      ...common,
      seeds,
      simMs,
      wallMs: Math.round(wallMs),
      perCpuS: round(simMs / cpuMs, 1),
    });
  }
  await eventsByKind(scenario, variant, knobs, common, emit);
  await batchingKnobs(full, scenario, variant, common, emit);
  {
    let ops = 0;
    let seeds = 0;
    let invalid = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    while (seeds < seedsPlanned && performance.now() - t0 < capMs) {
      const ev = runAndCheck({ scenario, scenarioRef: "mixed", variant, knobs, seed: firstSeed + seeds });
      seeds++;
      ops += ev.result.stats.ops;
      if (ev.result.valid !== true) invalid++;
    }
    const wallMs = performance.now() - t0;
    const cpuMs = cpuMsSince(c0);
    emit({
      name: "sim_check.ops_per_s",
      value: Math.round((ops / wallMs) * 1000),
      unit: "client ops/s",
      target: null,
      ok: invalid === 0,
      ...common,
      seeds,
      capped: seeds < seedsPlanned,
      ops,
      invalidRuns: invalid,
      wallMs: Math.round(wallMs),
      cpuMs: Math.round(cpuMs),
      opsPerCpuS: Math.round((ops / cpuMs) * 1000),
    });
  }
}

/**
 * What each batching knob gives when turned on (both are off by default, as elastickv): the same
 * seeds with the default and with the knob, events per op and ops per CPU-second of each. These
 * knobs change histories, so the rows compare rates, not runs.
 */
async function batchingKnobs(
  full: boolean,
  scenario: import("../src/cluster/types.ts").RunInput["scenario"],
  variant: string,
  common: Record<string, unknown>,
  emit: (r: BenchResult) => void,
): Promise<void> {
  const { runScenario } = await import("../src/cluster/run.ts");
  const { resolveKnobs } = await import("../src/cluster/knobs.ts");
  const seeds = full ? 200 : 40;
  const sets: Array<[string, Record<string, unknown>]> = [
    ["default", {}],
    ["readBatching", { readBatching: true }],
    ["appendBatchWindowUs_2000", { appendBatchWindowUs: 2_000 }],
    ["both", { readBatching: true, appendBatchWindowUs: 2_000 }],
  ];
  let base: { eventsPerOp: number; opsPerCpuS: number } | undefined;
  for (const [label, over] of sets) {
    const k = resolveKnobs(scenario, variant, over as never);
    let ops = 0;
    let events = 0;
    let simMs = 0;
    const load1Start = os.loadavg()[0];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let s = 0; s < seeds; s++) {
      const out = runScenario({ scenario, variant, knobs: k, seed: 1 + s });
      ops += out.stats.ops;
      events += out.stats.events;
      simMs += out.stats.simTimeMs;
    }
    const wallMs = performance.now() - t0;
    const cpuMs = cpuMsSince(c0);
    const eventsPerOp = events / Math.max(1, ops);
    const opsPerCpuS = (ops / cpuMs) * 1000;
    if (label === "default") base = { eventsPerOp, opsPerCpuS };
    emit({
      name: `sim.batching.${label}`,
      value: round(eventsPerOp, 1),
      unit: "events/client op",
      target: null,
      ok: true,
      ...common,
      knobs: over,
      seeds,
      ops,
      opsPerSimS: round((ops / Math.max(1, simMs)) * 1000, 1),
      events,
      opsPerCpuS: Math.round(opsPerCpuS),
      opsPerWallS: Math.round((ops / wallMs) * 1000),
      cpuMs: Math.round(cpuMs),
      load1Start: round(load1Start, 1),
      ...(base !== undefined && label !== "default"
        ? {
            eventsPerOpVsDefault: round(eventsPerOp / base.eventsPerOp, 3),
            opsPerCpuSVsDefault: round(opsPerCpuS / base.opsPerCpuS, 3),
          }
        : {}),
    });
  }
}

/**
 * Where the time goes: the events of a few runs counted by kind, per client op. A separate pass
 * (counting wraps every event, so it is not part of the timed loops above); the runs are the same
 * as uncounted ones, event for event.
 */
async function eventsByKind(
  scenario: import("../src/cluster/types.ts").RunInput["scenario"],
  variant: string,
  knobs: import("../src/cluster/types.ts").RunInput["knobs"],
  common: Record<string, unknown>,
  emit: (r: BenchResult) => void,
): Promise<void> {
  const { runScenario } = await import("../src/cluster/run.ts");
  const { Simulation } = await import("../src/engine/sim.ts");
  const seeds = 20;
  const counts = new Map<string, number>();
  let ops = 0;
  let events = 0;
  Simulation.countKindsInto = counts;
  try {
    for (let s = 0; s < seeds; s++) {
      const out = runScenario({ scenario, variant, knobs, seed: 1 + s });
      ops += out.stats.ops;
      events += out.stats.events;
    }
  } finally {
    Simulation.countKindsInto = undefined;
  }
  const perOp: Record<string, number> = {};
  for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)))
    perOp[k] = round(n / Math.max(1, ops), 2);
  emit({
    name: "sim.events_per_op",
    value: round(events / Math.max(1, ops), 1),
    unit: "events/client op",
    target: 12,
    ok: events / Math.max(1, ops) <= 12,
    ...common,
    seeds,
    ops,
    events,
    byKind: perOp,
    measured:
      "scheduling points on; events counted by the kind their scheduler gave them (raft.tick, raft.fsync, net:<message type>, sched.*, …); unlabelled ones by their function's name, else 'anonymous'",
  });
}

// ---------------------------------------------------------------------------------------------
// Catalogued bugs: time to first failure, and shrinking
// ---------------------------------------------------------------------------------------------

interface Campaign {
  firstSeed: number;
  seeds: number;
  wallMs: number;
  found: boolean;
  seed?: number;
  capMs: number;
}

async function catalogue(full: boolean, emit: (r: BenchResult) => void): Promise<void> {
  const { hunt } = await import("../src/campaign/hunt.ts");
  const { SCENARIOS_DIR } = await import("../src/campaign/scenarios.ts");
  const { variants } = await import("../src/redis/variants.ts");
  const catalogued = variants.filter(
    (v) =>
      v.scenario !== undefined &&
      (existsSync(join(SCENARIOS_DIR, `${v.scenario}.ts`)) ||
        existsSync(join(SCENARIOS_DIR, `${v.scenario}.js`))),
  );
  const missing = variants
    .filter((v) => v.scenario !== undefined && !catalogued.includes(v))
    .map((v) => v.name);
  note(
    `catalogue: ${catalogued.length} variants with a scenario file${missing.length ? `; none yet for ${missing.join(", ")}` : ""}`,
  );
  const campaignsPerVariant = 5;
  const maxSeeds = full ? 1_000 : 200;
  const huntBudget = full ? Number.POSITIVE_INFINITY : CAPS.huntsMs;
  const huntStart = performance.now();
  const medians: Array<{ variant: string; s: number; censored: boolean }> = [];
  let campaignsLeft = catalogued.length * campaignsPerVariant;

  for (const v of catalogued) {
    const campaigns: Campaign[] = [];
    let error: string | undefined;
    for (let c = 0; c < campaignsPerVariant && error === undefined; c++) {
      const firstSeed = 1 + 1000 * c;
      // Most campaigns end within a second: each may use the whole target as its cap as long as
      // the budget keeps half a second for every campaign still to come (a floor of one second).
      const left = huntBudget - (performance.now() - huntStart);
      campaignsLeft--;
      const capMs = full
        ? Number.POSITIVE_INFINITY
        : Math.max(1_000, Math.min(CAPS.campaignMs, left - 500 * campaignsLeft));
      const camp: Campaign = { firstSeed, seeds: 0, wallMs: 0, found: false, capMs };
      const t0 = performance.now();
      try {
        // One seed per call, so that the campaign can stop at its wall-clock cap between seeds.
        while (camp.seeds < maxSeeds && performance.now() - t0 < capMs) {
          const seed = firstSeed + camp.seeds;
          const r = await hunt(v.name, { maxSeeds: 1, firstSeed: seed });
          camp.seeds++;
          if (r.found) {
            camp.found = true;
            camp.seed = seed;
            break;
          }
        }
      } catch (e) {
        error = (e as Error).message ?? String(e);
      }
      camp.wallMs = Math.round(performance.now() - t0);
      campaigns.push(camp);
    }
    const base = {
      variant: v.name,
      scenario: v.scenario,
      campaigns: campaigns.map((c) => ({
        ...c,
        capMs: Number.isFinite(c.capMs) ? Math.round(c.capMs) : null,
      })),
    };
    if (error !== undefined) {
      emit({
        name: `ttb.${v.name}`,
        value: -1,
        unit: "s",
        target: TARGETS.timeToBugS,
        ok: false,
        ...base,
        error,
      });
      continue;
    }
    // A campaign that hit its cap counts as "longer than any finished one" for the median.
    const wall = campaigns.map((c) => (c.found ? c.wallMs : Number.POSITIVE_INFINITY));
    const seeds = campaigns.map((c) => (c.found ? c.seeds : Number.POSITIVE_INFINITY));
    const medWall = median(wall);
    const censored = !Number.isFinite(medWall);
    const value = censored ? Math.max(...campaigns.map((c) => c.wallMs)) / 1000 : medWall / 1000;
    medians.push({ variant: v.name, s: value, censored });
    emit({
      name: `ttb.${v.name}`,
      value: round(value, 2),
      unit: "s",
      target: TARGETS.timeToBugS,
      ok: !censored && value < TARGETS.timeToBugS,
      ...base,
      medianSeeds: Number.isFinite(median(seeds)) ? median(seeds) : null,
      notFound: campaigns.filter((c) => !c.found).length,
      ...(censored
        ? { censored: "median campaign hit its wall-clock cap; value is the longest campaign" }
        : {}),
    });
  }
  if (medians.length > 0) {
    // A censored median is worse than any finished one.
    const worst = medians.reduce((a, b) =>
      a.censored !== b.censored ? (a.censored ? a : b) : b.s > a.s ? b : a,
    );
    emit({
      name: "ttb.worst_median_s",
      value: round(worst.s, 2),
      unit: "s",
      target: TARGETS.timeToBugS,
      ok: !worst.censored && worst.s < TARGETS.timeToBugS,
      variant: worst.variant,
      variants: medians.length,
      variantsOverTarget: medians
        .filter((m) => m.censored || m.s >= TARGETS.timeToBugS)
        .map((m) => m.variant),
      campaignsPerVariant,
      ...(worst.censored ? { censored: "its median campaign hit the wall-clock cap" } : {}),
      measured:
        "in one process, seeds run one after another on one core (hunt(), one seed per call); module loading excluded (see ttb.cold_start_s)",
    });
  }

  // ---- the same from a cold `sim fuzz --variant V` process (start-up, workers, reports included) ----
  const coldVariants = full ? catalogued : catalogued.slice(0, 1);
  for (const v of coldVariants) {
    const out = mkdtempSync(join(os.tmpdir(), "deltasim-bench-cold-"));
    try {
      const t0 = performance.now();
      const r = spawnSync(
        process.execPath,
        [
          join(ROOT, "sim", "bin.js"),
          "fuzz",
          "--variant",
          v.name,
          "--seeds",
          String(maxSeeds),
          "--stop-on-first",
          "--shrink-limit",
          "0",
          "--json",
          "--out",
          out,
        ],
        { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20, timeout: full ? undefined : 30_000 },
      );
      const wallS = (performance.now() - t0) / 1000;
      const j = r.stdout.trim().startsWith("{")
        ? (JSON.parse(r.stdout) as { seeds: number; failures: unknown[]; wallMs: number })
        : undefined;
      const failed = (j?.failures.length ?? 0) > 0;
      emit({
        name: `ttb.cold_start_s.${v.name}`,
        value: round(wallS, 2),
        unit: "s",
        target: TARGETS.timeToBugS,
        ok: failed && wallS < TARGETS.timeToBugS,
        variant: v.name,
        seedsRun: j?.seeds ?? null,
        campaignWallMs: j?.wallMs ?? null,
        foundFailure: failed,
        measured:
          "`sim fuzz --variant V --stop-on-first --shrink-limit 0` from process start to exit, all cores: an upper bound (runs already in flight finish and the reports are written)",
      });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Shrinking
// ---------------------------------------------------------------------------------------------

/**
 * Every catalogued variant's first failing seed (the first seed from 1 that fails as its scenario
 * expects, as the first time-to-bug campaign finds it), shrunk with the default budget. One row
 * per variant and measure: ops and faults left, attempts made, attempts per wall second.
 */
async function shrinkSection(full: boolean, emit: (r: BenchResult) => void, only?: string[]): Promise<void> {
  const { hunt } = await import("../src/campaign/hunt.ts");
  const { SCENARIOS_DIR } = await import("../src/campaign/scenarios.ts");
  const { variants } = await import("../src/redis/variants.ts");
  const catalogued = variants.filter(
    (v) =>
      v.scenario !== undefined &&
      (only === undefined || only.includes(v.name)) &&
      (existsSync(join(SCENARIOS_DIR, `${v.scenario}.ts`)) ||
        existsSync(join(SCENARIOS_DIR, `${v.scenario}.js`))),
  );
  const { shrinkPool } = await import("../src/campaign/shrink-pool.ts");
  const { DEFAULT_SHRINK_ATTEMPTS } = await import("../src/shrink/index.ts");
  const maxSeeds = full ? 1_000 : 200;
  // The budget that decides the result is counted in attempts; wall time is only an outer cap
  // (a shrink that reaches it is reported as `timedOut`, and its result depends on the machine).
  const attempts = full ? DEFAULT_SHRINK_ATTEMPTS * 4 : DEFAULT_SHRINK_ATTEMPTS;
  const workers = Math.min(2, os.availableParallelism());
  const pool = shrinkPool(workers);
  let worstOps = 0;
  let worstFaults = 0;
  let shrunk = 0;
  let attemptsAll = 0;
  let wallAll = 0;
  for (const v of catalogued) {
    let seed: number | undefined;
    try {
      const found = await hunt(v.name, { maxSeeds, firstSeed: 1 });
      seed = found.found?.seed;
      if (seed === undefined) {
        // Nothing to shrink (a variant documented as not reproducible; ttb reports it).
        emit({
          name: `shrink.${v.name}.ops`,
          value: -1,
          unit: "client ops",
          target: TARGETS.shrunkOps,
          ok: true,
          variant: v.name,
          skipped: `no failing seed within ${maxSeeds} seeds: nothing to shrink`,
        });
        continue;
      }
      const r = await hunt(v.name, {
        maxSeeds: 1,
        firstSeed: seed,
        shrink: attempts,
        shrinkMs: CAPS.shrinkOuterMs,
        pool: { run: pool.run, width: pool.width },
      });
      const s = r.shrink;
      if (!r.found || s === undefined) throw new Error(`seed ${seed} no longer fails`);
      const attemptsPerS = s.wallMs > 0 ? (s.attempts / s.wallMs) * 1000 : 0;
      const details = {
        variant: v.name,
        scenario: v.scenario,
        seed,
        maxAttempts: s.maxAttempts,
        workers,
        before: s.before,
        after: s.after,
        attempts: s.attempts,
        attemptsPerS: round(attemptsPerS, 1),
        wallMs: s.wallMs,
        exhausted: s.exhausted,
        timedOut: s.timedOut,
        reproduced: s.reproduced,
        replaySameHash: r.replayed?.sameHash ?? null,
      };
      worstOps = Math.max(worstOps, s.after.ops);
      worstFaults = Math.max(worstFaults, s.after.faults);
      attemptsAll += s.attempts;
      wallAll += s.wallMs;
      shrunk++;
      emit({
        name: `shrink.${v.name}.ops`,
        value: s.after.ops,
        unit: "client ops",
        target: TARGETS.shrunkOps,
        ok: s.reproduced && !s.timedOut && s.after.ops <= TARGETS.shrunkOps,
        ...details,
      });
      emit({
        name: `shrink.${v.name}.faults`,
        value: s.after.faults,
        unit: "faults",
        target: TARGETS.shrunkFaults,
        ok: s.reproduced && !s.timedOut && s.after.faults <= TARGETS.shrunkFaults,
        ...details,
      });
      emit({
        name: `shrink.${v.name}.attempts_per_s`,
        value: round(attemptsPerS, 1),
        unit: "attempts/s",
        target: null,
        ok: true,
        ...details,
      });
    } catch (e) {
      emit({
        name: `shrink.${v.name}.ops`,
        value: -1,
        unit: "client ops",
        target: TARGETS.shrunkOps,
        ok: false,
        variant: v.name,
        seed: seed ?? null,
        error: (e as Error).message ?? String(e),
      });
    }
  }
  await pool.close();
  if (shrunk > 0) {
    emit({
      name: "shrink.worst_ops",
      value: worstOps,
      unit: "client ops",
      target: TARGETS.shrunkOps,
      ok: worstOps <= TARGETS.shrunkOps,
      variants: shrunk,
    });
    emit({
      name: "shrink.worst_faults",
      value: worstFaults,
      unit: "faults",
      target: TARGETS.shrunkFaults,
      ok: worstFaults <= TARGETS.shrunkFaults,
      variants: shrunk,
    });
    emit({
      name: "shrink.attempts_per_s",
      value: round(wallAll > 0 ? (attemptsAll / wallAll) * 1000 : 0, 1),
      unit: "attempts/s",
      target: null,
      ok: true,
      attempts: attemptsAll,
      wallMs: Math.round(wallAll),
      variants: shrunk,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Parallel fuzz
// ---------------------------------------------------------------------------------------------

interface FuzzRun {
  seeds: number;
  wallMs: number;
  seedsPerSecond: number;
  failures: number;
  /** The campaign's own report of worker start-up (until the first seed began on a worker). */
  startupMs: number | undefined;
  /** CPU time (user + sys, all threads) of the campaign's process, ms; undefined without /proc. */
  cpuMs: number | undefined;
}

/** Jiffies the whole machine spent busy (not idle or iowait), from /proc/stat; undefined elsewhere. */
function machineBusyTicks(): number | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...
    return f.reduce((a, b) => a + b, 0) - (f[3] ?? 0) - (f[4] ?? 0);
  } catch {
    return undefined;
  }
}

/** Jiffies of this process and its reaped children (utime stime cutime cstime of /proc/self/stat). */
function ownTicks(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields after the command name start at field 3 (state): utime is field 14, cstime field 17.
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * The CPU the rest of the machine used while `fn` ran, in cores on average: the machine's busy
 * time less this process's and its children's. The load average alone cannot say this: it counts
 * the benchmark's own workers too, and lags by a minute.
 */
function withNeighbourCpu<T>(fn: () => T): { value: T; neighbourCores: number | undefined } {
  const b0 = machineBusyTicks();
  const o0 = ownTicks();
  const t0 = performance.now();
  const value = fn();
  const wallS = (performance.now() - t0) / 1000;
  const b1 = machineBusyTicks();
  const o1 = ownTicks();
  if (b0 === undefined || b1 === undefined || o0 === undefined || o1 === undefined || wallS <= 0)
    return { value, neighbourCores: undefined };
  return { value, neighbourCores: Math.max(0, (b1 - b0 - (o1 - o0)) / USER_HZ / wallS) };
}

function fuzzOnce(workers: number, seeds: number): FuzzRun {
  const out = mkdtempSync(join(os.tmpdir(), "deltasim-bench-fuzz-"));
  try {
    const t0 = performance.now();
    const c0 = ownTicks();
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, "sim", "bin.js"),
        "fuzz",
        "mixed",
        "--seeds",
        String(seeds),
        "--workers",
        String(workers),
        "--json",
        "--out",
        out,
      ],
      { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 },
    );
    const processMs = performance.now() - t0;
    const c1 = ownTicks();
    if (r.status !== 0 && r.status !== 1)
      throw new Error(`sim fuzz exited ${r.status}: ${r.stderr.slice(-2000)}`);
    const j = JSON.parse(r.stdout) as {
      seeds: number;
      wallMs: number;
      seedsPerSecond: number;
      failures: unknown[];
      startupMs?: number;
    };
    return {
      seeds: j.seeds,
      wallMs: j.wallMs ?? processMs,
      seedsPerSecond: j.seedsPerSecond,
      failures: j.failures.length,
      startupMs: j.startupMs,
      // The reaped child's time is in this process's cutime/cstime; this process itself idles meanwhile.
      cpuMs: c0 === undefined || c1 === undefined ? undefined : ((c1 - c0) / USER_HZ) * 1000,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * The speed-up target holds for an idle machine. Above this much CPU used by other processes
 * during the runs (in cores, on average), the figure measures the neighbours as much as the pool,
 * and the row says it could not be measured.
 */
const IDLE_NEIGHBOUR_CORES = 0.25;

function parallelFuzz(full: boolean, emit: (r: BenchResult) => void): void {
  const threads = os.availableParallelism();
  const cores = CORES.cores ?? threads;
  const ks = [...new Set([1, 2, threads])].filter((k) => k <= Math.max(2, threads)).sort((a, b) => a - b);
  const perWorker = full ? 100 : 40;
  const method =
    "marginal rate: (N − K) seeds / (wall(N seeds) − wall(K seeds)), both from the campaign's own wallMs, so worker start-up (tsx loading per worker) and each worker's first, cold seed cancel out";
  const rates = new Map<number, number>();
  /** Cores the campaign kept busy in its steady state, (cpu(N) − cpu(K)) / (wall(N) − wall(K)). */
  const busyCores = new Map<number, number | undefined>();
  const neighbours = new Map<number, number | undefined>();
  const load1Start = os.loadavg()[0];
  for (const k of ks) {
    const { value: runs, neighbourCores } = withNeighbourCpu(() => ({
      small: fuzzOnce(k, k),
      big: fuzzOnce(k, k * perWorker),
    }));
    const { small, big } = runs;
    neighbours.set(k, neighbourCores);
    const dMs = Math.max(1, big.wallMs - small.wallMs);
    const rate = ((big.seeds - small.seeds) / dMs) * 1000;
    rates.set(k, rate);
    busyCores.set(
      k,
      big.cpuMs === undefined || small.cpuMs === undefined
        ? undefined
        : Math.max(0, big.cpuMs - small.cpuMs) / dMs,
    );
    // The campaign reports its start-up itself; the estimate from the rate is kept beside it.
    const estimateMs = Math.max(0, small.wallMs - (k / rate) * 1000);
    emit({
      name: `fuzz.worker_startup_ms.w${k}`,
      value: Math.round(big.startupMs ?? estimateMs),
      unit: "ms",
      target: null,
      ok: true,
      workers: k,
      reportedByCampaign: big.startupMs !== undefined,
      reportedInSmallRun: small.startupMs,
      estimateFromRateMs: Math.round(estimateMs),
      startupRunWallMs: small.wallMs,
      method:
        "the campaign's startupMs: from its start until the first seed began on a worker (thread start, loading the sources and the scenario); estimateFromRateMs = wall(K seeds on K workers) − K / steady rate",
    });
    emit({
      name: `fuzz.seeds_per_s.w${k}`,
      value: round(rate, 2),
      unit: "seeds/s",
      target: null,
      ok: big.failures === 0,
      workers: k,
      scenario: "mixed",
      variant: "fixed",
      seeds: big.seeds,
      wallMs: big.wallMs,
      startupRunWallMs: small.wallMs,
      seedsPerSecondWithStartup: big.seedsPerSecond,
      failures: big.failures,
      neighbourCores: neighbourCores === undefined ? null : round(neighbourCores, 2),
      busyCores: busyCores.get(k) === undefined ? null : round(busyCores.get(k)!, 2),
      method,
    });
  }
  const one = rates.get(1)!;
  for (const k of ks) {
    if (k === 1) continue;
    const speedup = rates.get(k)! / one;
    const target = TARGETS.parallelEfficiency * k;
    // Either run (1 worker or k) disturbed by neighbours makes the ratio meaningless.
    const seen = [neighbours.get(1), neighbours.get(k)];
    const unknown = seen.some((x) => x === undefined);
    const busiest = Math.max(...seen.map((x) => x ?? 0));
    const measurable = !unknown && busiest <= IDLE_NEIGHBOUR_CORES;
    // One worker's campaign keeps more than one core busy: the main thread, and V8's background
    // compiler and garbage-collector threads beside the worker. k of them cannot beat the threads.
    const busy1 = busyCores.get(1);
    const ceiling = busy1 === undefined || busy1 <= 0 ? undefined : Math.min(k, threads / busy1);
    const ceilingNote =
      ceiling !== undefined && ceiling < target
        ? `one worker's campaign keeps ${round(busy1!, 2)} cores busy (the worker, the main thread and V8's background compiler and garbage-collector threads), so ${k} workers on ${threads} hardware threads can run at most ${round(ceiling, 2)} times as fast: the target is out of reach on this machine`
        : undefined;
    const why = unknown
      ? "the CPU used by other processes cannot be read here (no /proc/stat): the machine may not be idle"
      : `other processes used ${round(busiest, 2)} cores on average during the runs (threshold ${IDLE_NEIGHBOUR_CORES}; 1-minute load ${round(load1Start, 1)} at the start), so the ratio measures the neighbours too`;
    emit({
      name: `fuzz.speedup.w${k}`,
      value: round(speedup, 2),
      unit: "x",
      target: round(target, 2),
      ok: speedup >= target,
      measurable,
      ...(measurable ? {} : { why: `not measurable here: ${why}` }),
      ceiling: ceiling === undefined ? null : round(ceiling, 2),
      ...(ceilingNote !== undefined ? { ceilingWhy: ceilingNote } : {}),
      ...(k > cores
        ? {
            note: `${k} workers on ${cores} physical cores (${threads} hardware threads): workers share cores`,
          }
        : {}),
      workers: k,
      hardwareThreads: threads,
      physicalCores: CORES.cores,
      neighbourCores: seen.map((x) => (x === undefined ? null : round(x, 2))),
      idleThresholdCores: IDLE_NEIGHBOUR_CORES,
      load1Start: round(load1Start, 1),
      load1End: round(os.loadavg()[0], 1),
      method,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

/** `--variants a,b`: the shrink section shrinks only these variants (default: every catalogued one). */
let variantFilter: string[] | undefined;

async function runSection(section: Section, full: boolean): Promise<void> {
  const emit = (r: BenchResult) => print(r, full);
  switch (section) {
    case "engine": {
      const { run } = await import("./engine.ts");
      for (const r of run()) emit(r);
      return;
    }
    case "mvcc": {
      const { run } = await import("./mvcc.ts");
      for (const r of run()) emit(r);
      return;
    }
    case "raft": {
      const { run } = await import("./raft.ts");
      for (const r of run(full ? {} : { repeats: 1 })) emit(r);
      return;
    }
    case "redis": {
      const { run, runCluster } = await import("./redis.ts");
      for (const r of run()) emit(r);
      for (const r of runCluster(full ? { runFor: "4s", seeds: 5 } : {})) emit(r);
      return;
    }
    case "checker": {
      const { run } = await import("./checker.ts");
      const keepEdnDir = join(ROOT, "reports", "bench-histories");
      const sizeName = (n: unknown) =>
        typeof n === "number" && n >= 1_000_000 && n % 1_000_000 === 0
          ? `${n / 1_000_000}m`
          : typeof n === "number" && n >= 1000
            ? `${Math.round(n / 1000)}k`
            : String(n);
      run({
        full,
        keepEdnDir,
        log: (r) => emit({ ...r, name: `${r.name}.${r.format}.${sizeName(r.ops)}` }),
      });
      return;
    }
    case "dense": {
      const { runDense } = await import("./checker.ts");
      runDense({ full, log: emit });
      return;
    }
    case "sim":
      return simSpeed(full, emit);
    case "catalogue":
      return catalogue(full, emit);
    case "shrink":
      return shrinkSection(full, emit, variantFilter);
    case "fuzz":
      return parallelFuzz(full, emit);
    case "recall":
      return (await import("./recall.ts")).runRecall({ ...recallArgs, variants: variantFilter, emit });
    case "strategies":
      await (await import("./strategies.ts")).runStrategies({
        ...(recallArgs.seeds !== undefined ? { seeds: recallArgs.seeds } : {}),
        ...strategiesArgs,
        ...(variantFilter ? { variants: variantFilter } : {}),
        emit,
      });
      return;
  }
}

function runChild(section: Section, full: boolean): Promise<{ code: number | null; timedOut: boolean }> {
  return new Promise((done) => {
    const self = fileURLToPath(import.meta.url);
    const args = [
      ...process.execArgv,
      self,
      "--section",
      section,
      ...(full ? ["--full"] : []),
      ...(variantFilter ? ["--variants", variantFilter.join(",")] : []),
      ...recallArgv,
    ];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
    let timedOut = false;
    const timer =
      full || ON_REQUEST.includes(section)
        ? undefined
        : setTimeout(
            () => {
              timedOut = true;
              child.kill("SIGKILL");
            },
            section === "shrink" ? CAPS.shrinkSectionMs : CAPS.sectionMs,
          );
    child.on("exit", (code) => {
      if (timer) clearTimeout(timer);
      done({ code, timedOut });
    });
  });
}

/** The recall section's own options (`--seeds`, `--variant-cap-s`), passed on to its child. */
let recallArgs: { seeds?: number; variantCapMs?: number } = {};
let recallArgv: string[] = [];
/** The strategies section's own options (`--cell-cap-s`, `--strategies`; `--seeds` as recall's). */
let strategiesArgs: { cellCapMs?: number; strategies?: string[] } = {};

async function main(argv: string[]): Promise<void> {
  const full = argv.includes("--full");
  const seedsAt = argv.indexOf("--seeds");
  const capAt = argv.indexOf("--variant-cap-s");
  recallArgs = {
    ...(seedsAt >= 0 ? { seeds: Number(argv[seedsAt + 1]) } : {}),
    ...(capAt >= 0 ? { variantCapMs: Number(argv[capAt + 1]) * 1000 } : {}),
  };
  const cellCapAt = argv.indexOf("--cell-cap-s");
  const strategiesAt = argv.indexOf("--strategies");
  strategiesArgs = {
    ...(cellCapAt >= 0 ? { cellCapMs: Number(argv[cellCapAt + 1]) * 1000 } : {}),
    ...(strategiesAt >= 0
      ? { strategies: (argv[strategiesAt + 1] ?? "").split(",").filter((x) => x !== "") }
      : {}),
  };
  recallArgv = [
    ...(seedsAt >= 0 ? ["--seeds", argv[seedsAt + 1]!] : []),
    ...(capAt >= 0 ? ["--variant-cap-s", argv[capAt + 1]!] : []),
    ...(cellCapAt >= 0 ? ["--cell-cap-s", argv[cellCapAt + 1]!] : []),
    ...(strategiesAt >= 0 ? ["--strategies", argv[strategiesAt + 1]!] : []),
  ];
  const variantsAt = argv.indexOf("--variants");
  if (variantsAt >= 0) variantFilter = (argv[variantsAt + 1] ?? "").split(",").filter((x) => x !== "");
  const at = argv.indexOf("--section");
  if (at >= 0) {
    const s = argv[at + 1] as Section;
    if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}`);
    await runSection(s, full);
    return;
  }
  const onlyAt = argv.indexOf("--only");
  const only =
    onlyAt >= 0
      ? (argv[onlyAt + 1] ?? "").split(",").filter((x) => x !== "")
      : SECTIONS.filter((s) => !ON_REQUEST.includes(s));
  for (const s of only)
    if (!SECTIONS.includes(s as Section))
      throw new Error(`unknown section ${s} (known: ${SECTIONS.join(", ")})`);
  const t0 = performance.now();
  let failedSections = 0;
  for (const s of SECTIONS) {
    if (!only.includes(s)) continue;
    const ts = performance.now();
    note(`${s} …`);
    const { code, timedOut } = await runChild(s, full);
    const ms = Math.round(performance.now() - ts);
    note(`${s} done in ${(ms / 1000).toFixed(1)} s`);
    if (code !== 0 || timedOut) {
      failedSections++;
      print(
        {
          name: `${s}.error`,
          value: ms,
          unit: "ms",
          target: null,
          ok: false,
          error: timedOut
            ? `stopped after ${(s === "shrink" ? CAPS.shrinkSectionMs : CAPS.sectionMs) / 1000} s`
            : `exit code ${code}`,
        },
        full,
      );
    }
  }
  const wallS = (performance.now() - t0) / 1000;
  print(
    {
      name: "bench.wall_s",
      value: round(wallS, 1),
      unit: "s",
      target: full ? null : TARGETS.benchWallS,
      ok: (full || wallS < TARGETS.benchWallS) && failedSections === 0,
      sections: only,
      historiesForElle: join(ROOT, "reports", "bench-histories"),
    },
    full,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
