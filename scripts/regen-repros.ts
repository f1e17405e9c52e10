/**
 * Regenerates the committed repros (`scenarios/repros/*.json`) from their original failing seeds:
 * each is run again from the seed named in its `createdBy` ("… (from seed N)") or its `seed`,
 * shrunk with a fixed attempt budget (no wall-clock cap, so the result depends only on the code and
 * the budget), and written back in place (atomically). A repro with no seed is shrunk further from
 * its own tape and edits.
 *
 *   npm run regen-repros                                  # every repro, the default budget
 *   npm run regen-repros -- --only del-unfenced,pr485     # some (file names without .json)
 *   npm run regen-repros -- --attempts 2000 --workers 2   # budget, parallel attempts (same result)
 *   npm run regen-repros -- --check                       # shrink and compare, write nothing
 *   npm run regen-repros -- --force                       # write even where the new one is larger
 *   npm run regen-repros -- --hunt --only F               # from the first failing seed under today's knobs
 *   npm run regen-repros -- --hunt --failures 5 --only F  # the smallest shrink of the first five
 *   npm run regen-repros -- --hunt --seeds 31-31 --only F # from seed 31 (if it fails)
 *   npm run regen-repros -- --rounds 3 --only F           # shrink the result again, up to 3 rounds
 *   npm run regen-repros -- --resume --only F             # shrink the committed repro further
 *
 * `--hunt` looks for a new failure instead: the first of seeds 1–200 (`--seeds A-B`) of the
 * repro's scenario that shows the variant's bug with today's default knobs (as `npm run bench --
 * --only shrink` does), and shrinks that one; the repro then records today's knobs, so later
 * regenerations start from that seed. With `--failures N` it shrinks each of the first N failing
 * seeds of the range and keeps the smallest result (client ops, then faults, then leader changes;
 * the lower seed on a tie; with `--max-faults N`, results over N faults rank after the others).
 *
 * `--rounds N` shrinks a result again, from its own tape and edits, while a round still makes it
 * smaller (at most N rounds, each with the full attempt budget): the shrinker's passes end at a
 * fixed point or at the budget, and a fresh search from a smaller run often finds more.
 * `--resume` starts from the committed repro itself (its tape or seed, and its edits) instead of
 * its seed. `--target a,b` names the anomaly types every attempt must keep showing.
 *
 * A regenerated repro's `createdBy` names the options that decide it and the seed it first came
 * from ("npm run regen-repros --attempts 1000 --rounds 2 (from seed 83)"): the same options
 * without `--hunt` make it again, byte for byte (with `--resume`, from the repro it replaced), and
 * a `--target` it names is kept by later regenerations.
 *
 * A new repro larger (client ops, then faults) than the committed one is not written unless
 * `--force` is given: the committed one then still replays to its stored hash.
 * Prints one JSON line per shrink where a repro has several (`shrunk`), and one per repro: before/after sizes, attempts, and
 * whether the file changed. Exits 1 if a repro no longer fails as it says (its file is left as it
 * was), 2 on a usage error.
 */
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { hunt, matchesExpected, targetOf } from "../src/campaign/hunt.ts";
import { prepareRepro } from "../src/campaign/replay.ts";
import { SCENARIOS_DIR } from "../src/campaign/scenarios.ts";
import {
  type ShrinkCase,
  type ShrinkReport,
  shrinkCase,
  shrinkCaseParallel,
} from "../src/campaign/shrink.ts";
import { shrinkPool } from "../src/campaign/shrink-pool.ts";
import { writeRepro } from "../src/io/repro.ts";
import { DEFAULT_SHRINK_ATTEMPTS } from "../src/shrink/index.ts";

const USAGE = `usage: npm run regen-repros -- [--only a,b] [--attempts N] [--workers N] [--rounds N] [--check] [--force]
                                  [--hunt [--seeds A-B] [--failures N]]
  --only a,b     these repros (file names under scenarios/repros without .json); default: all
  --attempts N   shrink attempts per repro and round (default ${DEFAULT_SHRINK_ATTEMPTS})
  --workers N    judge attempts in parallel (same result)
  --rounds N     shrink the result again from its tape and edits while a round makes it smaller,
                 at most N rounds in all (default 1)
  --resume       start from the committed repro itself (its tape or seed, and its edits) instead
                 of its original seed: one more shrink of the file as it is
  --check        shrink and compare, write nothing
  --force        write even where the new repro is larger
  --hunt         shrink the first failing seed under today's knobs instead
  --seeds A-B    with --hunt: the seeds to look in (default 1-200)
  --failures N   with --hunt: shrink the first N failing seeds of the range, keep the smallest (default 1)
  --max-faults N with --failures: a result with more faults than N ranks after every result within N
  --target a,b   anomaly types every shrink attempt must keep showing (default: those its
                 createdBy names after --target, else the first of the repro's types that its
                 scenario expects); with --hunt, seeds that do not show them all are passed over`;

/** An integer option of at least `min` (a positive one by default), or its default. */
function positive(name: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min)
    throw new Error(
      `--${name}: expected ${min === 0 ? "a non-negative" : "a positive"} integer, got ${JSON.stringify(v)}`,
    );
  return n;
}

/** `A-B` (or `A`), seeds A to B inclusive. */
function seedRange(v: string | undefined): { first: number; last: number } {
  if (v === undefined) return { first: 1, last: 200 };
  const m = /^(\d+)(?:-(\d+))?$/.exec(v);
  const first = Number(m?.[1]);
  const last = Number(m?.[2] ?? m?.[1]);
  if (!m || !Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 1 || last < first)
    throw new Error(`--seeds: expected A-B with 1 ≤ A ≤ B, got ${JSON.stringify(v)}`);
  return { first, last };
}

interface Options {
  attempts: number;
  /** Results with more faults than this rank after those within it. */
  maxFaults: number;
  rounds: number;
  pool: ReturnType<typeof shrinkPool> | undefined;
}

/** Smaller: within the fault bound, then fewer client ops, fewer faults, fewer leader changes. */
function smaller(a: ShrinkReport, b: ShrinkReport, maxFaults = Number.POSITIVE_INFINITY): boolean {
  const sa = a.final.result.stats;
  const sb = b.final.result.stats;
  const over = (faults: number) => (faults > maxFaults ? 1 : 0);
  if (over(sa.faults) !== over(sb.faults)) return over(sa.faults) < over(sb.faults);
  if (sa.ops !== sb.ops) return sa.ops < sb.ops;
  if (sa.faults !== sb.faults) return sa.faults < sb.faults;
  return sa.leaderChanges < sb.leaderChanges;
}

/**
 * Shrinks one failing case, then (with rounds > 1) its result again from its own tape and edits
 * while a round makes it smaller. The repro handed back names the seed it first came from.
 */
async function shrinkRounds(
  sc: ShrinkCase,
  o: Options,
  createdBy: string,
  origin: number | undefined,
): Promise<{ report: ShrinkReport; attempts: number; rounds: number }> {
  const once = (c: ShrinkCase) =>
    o.pool
      ? shrinkCaseParallel(c, { maxAttempts: o.attempts }, o.pool.run, o.pool.width, createdBy)
      : Promise.resolve(shrinkCase(c, { maxAttempts: o.attempts }, createdBy));
  let report = await once(sc);
  let attempts = report.attempts;
  let rounds = 1;
  while (report.reproduced && rounds < o.rounds) {
    const b = report.best;
    const next = await once({
      ...sc,
      ...(b.tape !== undefined ? { tape: b.tape, seed: undefined } : { seed: b.seed ?? 0 }),
      edits: b.edits,
    });
    rounds++;
    attempts += next.attempts;
    if (!next.reproduced || !smaller(next, report)) break;
    report = next;
  }
  report.repro.createdBy = origin !== undefined ? `${createdBy} (from seed ${origin})` : createdBy;
  return { report, attempts, rounds };
}

/** What a repro file's size was, as its stats say. */
function sizeOf(stats: { ops?: number; faults?: number; leaderChanges?: number } | undefined) {
  return stats ? { ops: stats.ops, faults: stats.faults, leaderChanges: stats.leaderChanges } : null;
}

async function main(argv: string[]): Promise<number> {
  const dir = join(SCENARIOS_DIR, "repros");
  // Strict: an unknown option is a usage error, never a run that writes files.
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      only: { type: "string" },
      attempts: { type: "string" },
      workers: { type: "string" },
      rounds: { type: "string" },
      resume: { type: "boolean" },
      check: { type: "boolean" },
      force: { type: "boolean" },
      hunt: { type: "boolean" },
      seeds: { type: "string" },
      failures: { type: "string" },
      target: { type: "string" },
      "max-faults": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const only = values.only?.split(",").filter((x) => x !== "");
  const attempts = positive("attempts", values.attempts, DEFAULT_SHRINK_ATTEMPTS);
  const workers = positive("workers", values.workers, 1);
  const rounds = positive("rounds", values.rounds, 1);
  const check = values.check === true;
  const force = values.force === true;
  const rehunt = values.hunt === true;
  const resume = values.resume === true;
  if (rehunt && resume) throw new Error("--resume: not with --hunt (it starts from the committed repro)");
  if (!rehunt && values.seeds !== undefined) throw new Error("--seeds: only with --hunt");
  if (!rehunt && values.failures !== undefined) throw new Error("--failures: only with --hunt");
  const range = seedRange(values.seeds);
  const failures = positive("failures", values.failures, 1);
  if (values.failures === undefined && values["max-faults"] !== undefined)
    throw new Error("--max-faults: only with --failures");
  const maxFaults = positive("max-faults", values["max-faults"], Number.POSITIVE_INFINITY, 0);
  const wanted = values.target?.split(",").filter((x) => x !== "");
  if (wanted !== undefined && wanted.length === 0) throw new Error("--target: expected anomaly types a,b");
  const all = readdirSync(dir).filter((f) => f.endsWith(".json"));
  const unknown = (only ?? []).filter((x) => !all.includes(`${x}.json`));
  if (unknown.length > 0) throw new Error(`--only: no repro named ${unknown.join(", ")} in ${dir}`);
  const files = all.filter((f) => only === undefined || only.includes(basename(f, ".json"))).sort();
  const pool = workers > 1 ? shrinkPool(workers) : undefined;
  const opts: Options = { attempts, maxFaults, rounds, pool };
  // The options that decide the result, so that a repro says how to make it again.
  const createdBy = [
    "npm run regen-repros",
    ...(resume ? ["--resume"] : []),
    ...(attempts !== DEFAULT_SHRINK_ATTEMPTS ? [`--attempts ${attempts}`] : []),
    ...(rounds > 1 ? [`--rounds ${rounds}`] : []),
  ].join(" ");
  let bad = 0;
  try {
    for (const f of files) {
      const file = join(dir, f);
      const p = await prepareRepro(file);
      const fromSeed = /\(from seed (\d+)\)/.exec(p.repro.createdBy ?? "")?.[1];
      const seed = fromSeed !== undefined ? Number(fromSeed) : p.repro.seed;
      // The class the scenario exposes (any one of its expected classes), as the catalogue hunt does.
      const expect = p.loaded.scenario.bug?.expect ?? [];
      const recorded = p.repro.expected.anomalyTypes;
      // A repro made with --target keeps its target, so that regenerating it shows the same anomaly.
      const pinned = wanted ?? /--target (\S+)/.exec(p.repro.createdBy ?? "")?.[1]?.split(",");
      const made = pinned !== undefined ? `${createdBy} --target ${pinned.join(",")}` : createdBy;
      const target =
        pinned ??
        (expect.length > 0 ? recorded.filter((a) => matchesExpected([a], expect)).slice(0, 1) : recorded);
      const cases: { sc: ShrinkCase; from: { seed: number } | "tape" | "file" }[] = [];
      // The file's run, but for where its choices come from (a seed or a tape) and the target.
      const fileRun = {
        scenario: p.loaded.scenario,
        scenarioRef: p.repro.scenario,
        variant: p.repro.variant,
        knobs: p.knobs,
        swarm: p.swarm,
        ...(p.repro.model !== undefined ? { model: p.repro.model } : {}),
      };
      const fileTarget = target.length > 0 ? target : recorded;
      if (resume) {
        cases.push({
          sc: {
            ...fileRun,
            ...(p.repro.tape !== undefined ? { tape: p.repro.tape } : { seed: p.repro.seed ?? 0 }),
            ...(p.edits ? { edits: p.edits } : {}),
            target: fileTarget,
          },
          from: "file",
        });
      } else if (!rehunt) {
        cases.push({
          sc: {
            ...fileRun,
            ...(seed !== undefined
              ? { seed }
              : { tape: p.repro.tape ?? [], ...(p.edits ? { edits: p.edits } : {}) }),
            target: fileTarget,
          },
          from: seed !== undefined ? { seed } : "tape",
        });
      } else {
        const t = await targetOf(p.repro.variant, p.repro.scenario);
        for (let s = range.first; s <= range.last && cases.length < failures; ) {
          const found = (
            await hunt(p.repro.variant, {
              firstSeed: s,
              maxSeeds: range.last - s + 1,
              scenario: p.repro.scenario,
            })
          ).found;
          if (found === undefined) break;
          s = found.seed + 1;
          if (pinned !== undefined && !pinned.every((a) => found.anomalyTypes.includes(a))) continue;
          const hit =
            pinned ?? found.anomalyTypes.filter((a) => matchesExpected([a], t.expected)).slice(0, 1);
          cases.push({
            sc: {
              scenario: t.scenario,
              scenarioRef: t.scenarioRef,
              variant: p.repro.variant,
              knobs: t.knobs,
              seed: found.seed,
              swarm: t.scenario.swarm ?? true,
              target: hit,
            },
            from: { seed: found.seed },
          });
        }
        if (cases.length === 0) {
          console.log(
            JSON.stringify({
              repro: f,
              hunted: `no failing seed in ${range.first}–${range.last} with today's knobs`,
            }),
          );
          continue;
        }
      }
      let best: { report: ShrinkReport; from: { seed: number } | "tape" | "file" } | undefined;
      let used = 0;
      const t0 = performance.now();
      for (const c of cases) {
        // The seed the failure first came from, which a later regeneration starts from.
        const origin = c.from === "file" ? seed : c.from === "tape" ? undefined : c.from.seed;
        const r = await shrinkRounds(c.sc, opts, made, origin);
        used += r.attempts;
        if (cases.length > 1)
          console.log(
            JSON.stringify({
              repro: f,
              shrunk: c.from,
              reproduced: r.report.reproduced,
              now: sizeOf(r.report.final.result.stats),
              attempts: r.attempts,
              rounds: r.rounds,
            }),
          );
        if (r.report.reproduced && (best === undefined || smaller(r.report, best.report, opts.maxFaults)))
          best = { report: r.report, from: c.from };
      }
      if (best === undefined) {
        bad++;
        console.log(
          JSON.stringify({ repro: f, reproduced: false, from: cases.map((c) => c.from), attempts: used }),
        );
        continue;
      }
      const r = best.report;
      const changed = r.repro.expected.historyHash !== p.repro.expected.historyHash;
      const was = p.repro.stats;
      const larger =
        was?.ops !== undefined &&
        (r.after.ops > was.ops || (r.after.ops === was.ops && r.after.faults > (was.faults ?? 0)));
      const write = !check && changed && (force || !larger);
      if (write) await writeRepro(file, r.repro);
      const now = r.final.result.stats;
      console.log(
        JSON.stringify({
          repro: f,
          reproduced: true,
          from: best.from,
          target: r.target,
          anomalyTypes: r.repro.expected.anomalyTypes,
          was: sizeOf(was),
          now: sizeOf(now),
          attempts: used,
          changed,
          larger,
          written: write,
          wallMs: Math.round(performance.now() - t0),
        }),
      );
    }
  } finally {
    await pool?.close();
  }
  return bad > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`regen-repros: ${(e as Error).message ?? e}\n${USAGE}`);
    process.exitCode = 2;
  },
);
