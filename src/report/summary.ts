/**
 * A fuzz campaign's `summary.json` (README): what ran, how fast, every failure, failures grouped by
 * signature (scenario + sorted anomaly types) with the smallest repro of each group, and probe counts.
 * `mergeSummaries` combines the summaries of shards run on separate machines (`sim merge`).
 */
import { readdir, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { describeValue, InputError } from "../io/errors.ts";
import { parseJson } from "../io/json.ts";
import { isRecord, readTextInput } from "../io/repro.ts";
import { TOOL } from "../io/version.ts";

export interface CampaignFailure {
  seed: number;
  scenario: string;
  /** Present when the campaign ran more than one variant. */
  variant?: string;
  anomalyTypes: string[];
  /** Path of the repro file, relative to the folder holding summary.json. */
  repro: string;
  /** Client ops of the (shrunk, if shrinking ran) failing run; picks each group's smallest. */
  ops?: number;
  historyHash?: string;
}

export interface FailureGroup {
  /** `scenario|type,type` with the types sorted, e.g. `list-append|G-single-item,lost-append`. */
  signature: string;
  count: number;
  smallest: { seed: number; repro: string; ops?: number; variant?: string };
}

export interface CampaignSummary {
  tool: string;
  /** The campaign's name (its folder under reports/). */
  campaign: string;
  scenarios: string[];
  /** The `--variant` argument as given: one name, a comma list, or `all`. */
  variant: string;
  /** The variant names it resolved to. */
  variants: string[];
  /** Seeds run, totalled across scenarios and variants. */
  seeds: number;
  firstSeed?: number;
  /** This campaign's shard (`--shard I/N`), if it was one. */
  shard?: { index: number; count: number };
  /** After `sim merge`: how many shard summaries were merged. */
  shards?: number;
  /** Wall time; after a merge the sum over shards (machine time, not elapsed time). */
  wallMs: number;
  seedsPerSecond: number;
  opsPerSecond: number;
  /** Client ops run in total (lets a merge recompute opsPerSecond exactly). */
  ops?: number;
  /** True when the campaign was stopped early (Ctrl-C, --stop-on-first). */
  stopped?: boolean;
  failures: CampaignFailure[];
  groups: FailureGroup[];
  probes: Record<string, number>;
  /** How shrinking went; it shares the campaign's `--duration` with the seeds. */
  shrinking?: ShrinkingSummary;
  /** Runs whose verdict is unknown (neither a failure nor valid), so they can be replayed. */
  unknown?: number;
  /** The first of them, by scenario, variant and seed; at most {@link UNKNOWN_RUNS_LISTED}. */
  unknownRuns?: UnknownRun[];
}

/** A run the checker could not decide (e.g. every op of a key `info`, a search budget spent). */
export interface UnknownRun {
  scenario: string;
  variant?: string;
  seed: number;
  /** What the checker reported for it (the reasons it gave up, or anomaly types it saw). */
  anomalyTypes: string[];
}

/** Enough to replay a handful; the count says how many there were in all. */
export const UNKNOWN_RUNS_LISTED = 50;

/** Sorted by scenario, variant, seed, and cut to the listed maximum: the same in any pool order. */
export function listUnknownRuns(runs: readonly UnknownRun[]): UnknownRun[] {
  const key = (r: UnknownRun) => `${r.scenario}\u0000${r.variant ?? ""}`;
  return [...runs]
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.seed - b.seed))
    .slice(0, UNKNOWN_RUNS_LISTED);
}

export interface ShrinkingSummary {
  /** Shrinks started (at most `--shrink-limit` per signature). */
  started: number;
  /** Shrunk runs that reproduced and now stand for their failure. */
  shrunk: number;
  /** Shrinks stopped by the end of `--duration` (their failures keep the unshrunk repro). */
  cutShort: number;
  /** Failures not shrunk because too little of `--duration` was left to start one. */
  skippedForTime: number;
  /** The per-failure shrink time limit (`--shrink-time`), before the duration cuts it. */
  limitMs: number;
}

export function signatureOf(f: { scenario: string; anomalyTypes: string[] }): string {
  return `${f.scenario}|${[...new Set(f.anomalyTypes)].sort().join(",")}`;
}

/** Smaller = fewer client ops (unknown counts last), then the lower seed: deterministic across merges. */
function smaller(a: CampaignFailure, b: CampaignFailure): boolean {
  const ao = a.ops ?? Number.POSITIVE_INFINITY;
  const bo = b.ops ?? Number.POSITIVE_INFINITY;
  if (ao !== bo) return ao < bo;
  if (a.seed !== b.seed) return a.seed < b.seed;
  return (a.variant ?? "") < (b.variant ?? "");
}

/** Groups failures by signature; groups come out largest first, then by signature. */
export function groupFailures(failures: CampaignFailure[]): FailureGroup[] {
  const bySig = new Map<string, { count: number; best: CampaignFailure }>();
  for (const f of failures) {
    const sig = signatureOf(f);
    const g = bySig.get(sig);
    if (!g) bySig.set(sig, { count: 1, best: f });
    else {
      g.count++;
      if (smaller(f, g.best)) g.best = f;
    }
  }
  return [...bySig.entries()]
    .map(([signature, { count, best }]) => ({
      signature,
      count,
      smallest: {
        seed: best.seed,
        repro: best.repro,
        ...(best.ops !== undefined ? { ops: best.ops } : {}),
        ...(best.variant !== undefined ? { variant: best.variant } : {}),
      },
    }))
    .sort(
      (a, b) => b.count - a.count || (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0),
    );
}

function rate(count: number, wallMs: number): number {
  return wallMs > 0 ? Math.round((count / (wallMs / 1000)) * 100) / 100 : 0;
}

function opsOf(s: CampaignSummary): number {
  return s.ops ?? Math.round((s.opsPerSecond * s.wallMs) / 1000);
}

function addProbes(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

function union(lists: string[][]): string[] {
  const out: string[] = [];
  for (const l of lists) for (const x of l) if (!out.includes(x)) out.push(x);
  return out;
}

/**
 * Merges shard summaries. Failures are deduplicated by seed + scenario + variant (a shard retried by
 * its batch system reports the same seeds again), then regrouped; seeds, ops, wall time and probe
 * counts are summed. Rates are recomputed from the sums, i.e. they are per-shard throughput.
 * Repro paths are kept as they are: rebase them with `relocateRepros` first when shards live in
 * different folders.
 */
export function mergeSummaries(summaries: CampaignSummary[], campaign?: string): CampaignSummary {
  if (summaries.length === 0) throw new Error("mergeSummaries: no summaries to merge");
  const seen = new Set<string>();
  const failures: CampaignFailure[] = [];
  for (const s of summaries) {
    for (const f of s.failures) {
      const id = `${f.scenario}\u0000${f.seed}\u0000${f.variant ?? ""}`;
      if (seen.has(id)) continue;
      seen.add(id);
      failures.push(f);
    }
  }
  failures.sort(
    (a, b) => a.seed - b.seed || (a.scenario < b.scenario ? -1 : a.scenario > b.scenario ? 1 : 0),
  );

  const probes: Record<string, number> = {};
  let seeds = 0;
  let wallMs = 0;
  let ops = 0;
  let shards = 0;
  let unknown = 0;
  const unknownRuns: UnknownRun[] = [];
  for (const s of summaries) {
    unknown += s.unknown ?? 0;
    unknownRuns.push(...(s.unknownRuns ?? []));
    seeds += s.seeds;
    wallMs += s.wallMs;
    ops += opsOf(s);
    shards += s.shards ?? 1;
    addProbes(probes, s.probes);
  }
  const variantArgs = union(summaries.map((s) => [s.variant]));
  const firstSeeds = summaries.map((s) => s.firstSeed).filter((x): x is number => x !== undefined);
  const merged: CampaignSummary = {
    tool: TOOL,
    campaign: campaign ?? summaries[0]!.campaign,
    scenarios: union(summaries.map((s) => s.scenarios)),
    variant: variantArgs.join(","),
    variants: union(summaries.map((s) => s.variants)),
    seeds,
    ...(firstSeeds.length > 0 ? { firstSeed: Math.min(...firstSeeds) } : {}),
    shards,
    wallMs,
    seedsPerSecond: rate(seeds, wallMs),
    opsPerSecond: rate(ops, wallMs),
    ops,
    ...(summaries.some((s) => s.stopped) ? { stopped: true } : {}),
    failures,
    groups: groupFailures(failures),
    probes: sortKeys(probes),
    ...(unknown > 0 ? { unknown, unknownRuns: listUnknownRuns(unknownRuns) } : {}),
  };
  return merged;
}

function sortKeys(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Rewrites relative repro paths of a summary that lives in `fromDir` so that they resolve from
 * `toDir` (where the merged summary will be written). Absolute paths are left alone.
 */
export function relocateRepros(s: CampaignSummary, fromDir: string, toDir: string): CampaignSummary {
  const move = (p: string) => (isAbsolute(p) ? p : relative(resolve(toDir), resolve(fromDir, p)) || ".");
  return {
    ...s,
    failures: s.failures.map((f) => ({ ...f, repro: move(f.repro) })),
    groups: s.groups.map((g) => ({ ...g, smallest: { ...g.smallest, repro: move(g.smallest.repro) } })),
  };
}

/** Checks the fields `sim merge` and `sim report` rely on. Throws InputError. */
export function validateSummary(obj: unknown, file: string): CampaignSummary {
  const bad = (field: string | undefined, expected: string, value: unknown): never => {
    throw new InputError({ file, field, expected, found: describeValue(value) });
  };
  if (!isRecord(obj)) return bad(undefined, "a JSON object (a deltasim summary.json)", obj);
  for (const f of ["tool", "campaign", "variant"] as const) {
    if (typeof obj[f] !== "string") bad(f, "a string", obj[f]);
  }
  for (const f of ["scenarios", "variants"] as const) {
    const v = obj[f];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) bad(f, "an array of strings", v);
  }
  for (const f of ["seeds", "wallMs", "seedsPerSecond", "opsPerSecond"] as const) {
    const v = obj[f];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) bad(f, "a non-negative number", v);
  }
  if (!Array.isArray(obj.failures)) bad("failures", "an array", obj.failures);
  for (const [i, f] of (obj.failures as unknown[]).entries()) {
    const at = `failures[${i}]`;
    if (!isRecord(f)) return bad(at, "an object {seed, scenario, anomalyTypes, repro}", f);
    if (typeof f.seed !== "number" || !Number.isSafeInteger(f.seed)) bad(`${at}.seed`, "an integer", f.seed);
    if (typeof f.scenario !== "string") bad(`${at}.scenario`, "a string", f.scenario);
    if (typeof f.repro !== "string") bad(`${at}.repro`, "a string", f.repro);
    if (!Array.isArray(f.anomalyTypes) || f.anomalyTypes.some((t) => typeof t !== "string")) {
      bad(`${at}.anomalyTypes`, "an array of strings", f.anomalyTypes);
    }
  }
  if (obj.groups !== undefined && !Array.isArray(obj.groups)) bad("groups", "an array", obj.groups);
  if (!isRecord(obj.probes)) bad("probes", "an object of counts", obj.probes);
  for (const [k, v] of Object.entries(obj.probes as Record<string, unknown>)) {
    if (typeof v !== "number") bad(`probes.${k}`, "a number", v);
  }
  if (obj.unknown !== undefined && !(typeof obj.unknown === "number" && Number.isSafeInteger(obj.unknown))) {
    bad("unknown", "a count", obj.unknown);
  }
  if (obj.unknownRuns !== undefined && !Array.isArray(obj.unknownRuns))
    bad("unknownRuns", "an array", obj.unknownRuns);
  for (const [i, r] of ((obj.unknownRuns ?? []) as unknown[]).entries()) {
    const at = `unknownRuns[${i}]`;
    if (!isRecord(r)) return bad(at, "an object {scenario, seed, anomalyTypes}", r);
    if (typeof r.scenario !== "string") bad(`${at}.scenario`, "a string", r.scenario);
    if (typeof r.seed !== "number" || !Number.isSafeInteger(r.seed)) bad(`${at}.seed`, "an integer", r.seed);
    if (!Array.isArray(r.anomalyTypes) || r.anomalyTypes.some((t) => typeof t !== "string")) {
      bad(`${at}.anomalyTypes`, "an array of strings", r.anomalyTypes);
    }
  }
  const s = obj as unknown as CampaignSummary;
  // Groups are derived data: rebuild them if a hand-written or older summary lacks them.
  return s.groups === undefined ? { ...s, groups: groupFailures(s.failures) } : s;
}

/** Reads `PATH/summary.json` (or PATH itself when it is a file) and validates it. */
export async function readSummary(path: string): Promise<CampaignSummary> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, "summary.json");
  } catch {
    // Let readTextInput report the missing path.
  }
  return validateSummary(parseJson(await readTextInput(file), file), file);
}

/** Lists shard folders under `dir` that hold a summary.json (for `sim merge results/`). */
export async function findSummaryDirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  // Natural order, so shard-10 comes after shard-9.
  const byName = (a: { name: string }, b: { name: string }) =>
    a.name.localeCompare(b.name, "en", { numeric: true });
  for (const e of entries.sort(byName)) {
    if (!e.isDirectory()) continue;
    const p = join(dir, e.name);
    try {
      if ((await stat(join(p, "summary.json"))).isFile()) out.push(p);
    } catch {
      // Not a shard folder.
    }
  }
  return out;
}
