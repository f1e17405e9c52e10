/**
 * Seed assignment for a campaign, deterministic and independent of worker count and timing.
 *
 * Runs are numbered j = 0, 1, 2, … over the campaign's (scenario, variant) pairs P: run j uses pair
 * j mod |P| with seed `first + k`, k = floor(j / |P|). So every seed offset k runs every pair, and
 * `--seeds N` (a total across scenarios, README) is the first N runs. `--shard I/N` keeps the
 * runs whose seed offset k has k mod N = I: every shard runs every scenario, and the union of the
 * shards is exactly the unsharded campaign, whatever N is.
 */
import { createHash } from "node:crypto";
import { extname } from "node:path";
import type { Shard } from "./options.ts";

export interface Pair {
  scenario: string;
  variant: string;
}

export interface Plan {
  pairs: Pair[];
  firstSeed: number;
  /** Total runs across pairs (`--seeds`); unbounded when undefined (`--duration`). */
  total?: number;
  shard?: Shard;
}

export interface Job {
  /** Run number across the whole (unsharded) campaign. */
  index: number;
  seed: number;
  pair: Pair;
}

export function* jobs(plan: Plan): Generator<Job> {
  const p = plan.pairs.length;
  if (p === 0) return;
  const shard = plan.shard ?? { index: 0, count: 1 };
  for (let k = shard.index; ; k += shard.count) {
    for (let i = 0; i < p; i++) {
      const index = k * p + i;
      if (plan.total !== undefined && index >= plan.total) return;
      yield { index, seed: plan.firstSeed + k, pair: plan.pairs[i]! };
    }
  }
}

/** How many runs this shard will make, or undefined for an unbounded campaign. */
export function jobCount(plan: Plan): number | undefined {
  if (plan.total === undefined) return undefined;
  const p = plan.pairs.length;
  if (p === 0) return 0;
  const shard = plan.shard ?? { index: 0, count: 1 };
  let n = 0;
  for (let k = shard.index; k * p < plan.total; k += shard.count) n += Math.min(p, plan.total - k * p);
  return n;
}

const SHARD_SUFFIX = /-shard-\d+-of-\d+$/;

/**
 * The campaign's folder name under reports/: derived from what was asked (variant, scenarios,
 * first seed, shard), never from the clock, so rerunning a command overwrites its own report.
 * `--out` picks any other folder.
 */
export function campaignId(o: {
  variantArg: string;
  scenarios: string[];
  firstSeed: number;
  shard?: Shard;
}): string {
  const clean = (s: string) =>
    s
      .replace(/\.(ts|js)$/, "")
      .replace(/.*[\\/]/, "")
      .replace(/[^A-Za-z0-9._+-]+/g, "_");
  let scen = o.scenarios.length === 0 ? "default" : o.scenarios.map(clean).join("+");
  if (scen.length > 48) {
    const h = createHash("sha256").update(o.scenarios.join("\n")).digest("hex").slice(0, 8);
    scen = `${o.scenarios.length}-scenarios-${h}`;
  }
  let variant = clean(o.variantArg.split(",").join("+"));
  if (variant.length > 48) {
    variant = `${o.variantArg.split(",").length}-variants-${createHash("sha256").update(o.variantArg).digest("hex").slice(0, 8)}`;
  }
  const shard = o.shard && o.shard.count > 1 ? `-shard-${o.shard.index}-of-${o.shard.count}` : "";
  return `fuzz-${variant}-${scen}-from-${o.firstSeed}${shard}`;
}

/** The campaign a shard belongs to (for `sim merge`'s default output folder). */
export function unshardedId(id: string): string {
  return id.replace(SHARD_SUFFIX, "");
}

/** A failure's folder name: `<scenario>-<seed>`, with the variant when a campaign runs several. */
export function failureDirName(pair: Pair, seed: number, manyVariants: boolean): string {
  const s = pair.scenario
    .replace(/\.(ts|js)$/, "")
    .replace(/.*[\\/]/, "")
    .replace(/[^A-Za-z0-9._-]+/g, "_");
  return manyVariants ? `${s}-${pair.variant}-${seed}` : `${s}-${seed}`;
}

/** `FILE` with `.shrunk` before its extension: `x/repro.json` → `x/repro.shrunk.json` (`sim shrink`). */
export function shrunkPath(file: string): string {
  const ext = extname(file);
  return ext === "" ? `${file}.shrunk` : `${file.slice(0, -ext.length)}.shrunk${ext}`;
}
