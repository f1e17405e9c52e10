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
 *
 * `--hunt` looks for a new failure instead: the first of seeds 1–200 of the repro's scenario that
 * shows the variant's bug with today's default knobs (as `npm run bench -- --only shrink` does),
 * and shrinks that one; the repro then records today's knobs, so later regenerations start from
 * that seed.
 *
 * A new repro larger (client ops, then faults) than the committed one is not written unless
 * `--force` is given: the committed one then still replays to its stored hash.
 * Prints one JSON line per repro: before/after sizes, attempts, and whether the file changed.
 * Exits 1 if a repro no longer fails as it says (its file is left as it was).
 */
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { hunt, matchesExpected, targetOf } from "../src/campaign/hunt.ts";
import { prepareRepro } from "../src/campaign/replay.ts";
import { SCENARIOS_DIR } from "../src/campaign/scenarios.ts";
import { type ShrinkCase, shrinkCase, shrinkCaseParallel } from "../src/campaign/shrink.ts";
import { shrinkPool } from "../src/campaign/shrink-pool.ts";
import { writeRepro } from "../src/io/repro.ts";
import { DEFAULT_SHRINK_ATTEMPTS } from "../src/shrink/index.ts";

const USAGE = `usage: npm run regen-repros -- [--only a,b] [--attempts N] [--workers N] [--check] [--force] [--hunt]
  --only a,b     these repros (file names under scenarios/repros without .json); default: all
  --attempts N   shrink attempts per repro (default ${DEFAULT_SHRINK_ATTEMPTS})
  --workers N    judge attempts in parallel (same result)
  --check        shrink and compare, write nothing
  --force        write even where the new repro is larger
  --hunt         shrink the first failing seed under today's knobs instead`;

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
      check: { type: "boolean" },
      force: { type: "boolean" },
      hunt: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const only = values.only?.split(",").filter((x) => x !== "");
  const attempts = Number(values.attempts ?? DEFAULT_SHRINK_ATTEMPTS);
  const workers = Number(values.workers ?? 1);
  const check = values.check === true;
  const force = values.force === true;
  const rehunt = values.hunt === true;
  if (!Number.isInteger(attempts) || attempts < 1) throw new Error("--attempts: expected a positive integer");
  if (!Number.isInteger(workers) || workers < 1) throw new Error("--workers: expected a positive integer");
  const all = readdirSync(dir).filter((f) => f.endsWith(".json"));
  const unknown = (only ?? []).filter((x) => !all.includes(`${x}.json`));
  if (unknown.length > 0) throw new Error(`--only: no repro named ${unknown.join(", ")} in ${dir}`);
  const files = all.filter((f) => only === undefined || only.includes(basename(f, ".json"))).sort();
  const pool = workers > 1 ? shrinkPool(workers) : undefined;
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
      const target =
        expect.length > 0 ? recorded.filter((a) => matchesExpected([a], expect)).slice(0, 1) : recorded;
      let sc: ShrinkCase = {
        scenario: p.loaded.scenario,
        scenarioRef: p.repro.scenario,
        variant: p.repro.variant,
        knobs: p.knobs,
        swarm: p.swarm,
        ...(p.repro.model !== undefined ? { model: p.repro.model } : {}),
        ...(seed !== undefined
          ? { seed }
          : { tape: p.repro.tape ?? [], ...(p.edits ? { edits: p.edits } : {}) }),
        target: target.length > 0 ? target : recorded,
      };
      let from: { seed: number } | "tape" = seed !== undefined ? { seed } : "tape";
      if (rehunt) {
        const found = (await hunt(p.repro.variant, { maxSeeds: 200, scenario: p.repro.scenario })).found;
        if (found === undefined) {
          console.log(JSON.stringify({ repro: f, hunted: "no failing seed in 1–200 with today's knobs" }));
          continue;
        }
        const t = await targetOf(p.repro.variant, p.repro.scenario);
        const hit = found.anomalyTypes.filter((a) => matchesExpected([a], t.expected)).slice(0, 1);
        sc = {
          scenario: t.scenario,
          scenarioRef: t.scenarioRef,
          variant: p.repro.variant,
          knobs: t.knobs,
          seed: found.seed,
          swarm: t.scenario.swarm ?? true,
          target: hit,
        };
        from = { seed: found.seed };
      }
      const createdBy = "npm run regen-repros";
      const r = pool
        ? await shrinkCaseParallel(sc, { maxAttempts: attempts }, pool.run, pool.width, createdBy)
        : shrinkCase(sc, { maxAttempts: attempts }, createdBy);
      const changed = r.repro.expected.historyHash !== p.repro.expected.historyHash;
      const was = p.repro.stats;
      const larger =
        was?.ops !== undefined &&
        (r.after.ops > was.ops || (r.after.ops === was.ops && r.after.faults > (was.faults ?? 0)));
      const write = r.reproduced && !check && changed && (force || !larger);
      if (!r.reproduced) bad++;
      else if (write) await writeRepro(file, r.repro);
      console.log(
        JSON.stringify({
          repro: f,
          reproduced: r.reproduced,
          from,
          target: r.target,
          was: p.repro.stats ? { ops: p.repro.stats.ops, faults: p.repro.stats.faults } : null,
          now: { ops: r.after.ops, faults: r.after.faults },
          attempts: r.attempts,
          changed,
          larger,
          written: write,
          wallMs: r.wallMs,
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
