/**
 * Attributes the failures of a `head` fuzz campaign to the known bugs: each failing seed is re-run
 * with every fix on (`fixed` with HEAD's EXEC command subset) and with each fix alone (`head` plus
 * that fix's knobs). A seed counts under every single fix that makes it clean — a fix also moves
 * timing, so one seed can count twice; a seed no single fix cleans needs more than one.
 *
 *   node --import tsx bench/attribute-head.ts <campaign.json>   (the output of `sim fuzz --json`)
 *
 * F1 is not among the fixes: with the catalog bootstrap write on (the shipped servers' start-up),
 * no command reads the empty store, so its fix changes nothing (docs/findings.md).
 * Prints one JSON line per failing seed and a summary line.
 */
import { readFileSync } from "node:fs";
import { knobsFor } from "../src/campaign/catalog.ts";
import { runAndCheck } from "../src/campaign/evaluate.ts";
import { loadScenario } from "../src/campaign/scenarios.ts";

/** Each fix's knobs, put on top of `head`. */
const FIXES: Record<string, Record<string, string | boolean>> = {
  B12: { delFence: true },
  B13: { compactorEmptyMeta: "delete-fenced" },
  "B19 residual": { pointReadFence: "before", readFenceKind: "read-index" },
  B23: { lenClamp: false },
  F2: { applyInCommitOrder: true },
  F3: { staleApplyCompareValues: true },
  F4: { staleApplyCompareValues: true, staleApplyTxnId: true },
  "HDEL dedup": { hdelDedupFields: true },
  "DEL dedup": { delDedupKeys: true },
};

interface Failure {
  seed: number;
  scenario: string;
}

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: attribute-head.ts <campaign.json>\n");
  process.exit(2);
}
const campaign = JSON.parse(readFileSync(file, "utf8")) as { variant: string; failures: Failure[] };
const counts: Record<string, number> = Object.fromEntries(Object.keys(FIXES).map((k) => [k, 0]));
let allFixedClean = 0;
let singleClean = 0;
for (const f of campaign.failures) {
  const loaded = await loadScenario(f.scenario);
  const run = (variant: string, overrides: Record<string, string | boolean>) =>
    runAndCheck({
      scenario: loaded.scenario,
      scenarioRef: loaded.ref,
      variant,
      knobs: knobsFor(loaded.scenario, variant, overrides, loaded.file),
      seed: f.seed,
    }).result;
  const head = run("head", {});
  const all = run("fixed", { execCommands: "head" });
  if (all.valid === true) allFixedClean++;
  const cleanedBy = Object.entries(FIXES)
    .filter(([, k]) => run("head", k).valid === true)
    .map(([name]) => name);
  for (const n of cleanedBy) counts[n]!++;
  if (cleanedBy.length > 0) singleClean++;
  process.stdout.write(
    `${JSON.stringify({
      scenario: f.scenario,
      seed: f.seed,
      head: head.anomalyTypes,
      leaderChanges: head.stats.leaderChanges,
      allFixes: all.valid === true ? "clean" : all.anomalyTypes,
      cleanedBy,
    })}\n`,
  );
}
process.stdout.write(
  `${JSON.stringify({
    failures: campaign.failures.length,
    cleanWithAllFixes: allFixedClean,
    cleanedBySingleFix: singleClean,
    perFix: counts,
  })}\n`,
);
