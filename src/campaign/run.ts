/**
 * `sim run`: one run of a scenario under a variant and a seed. With `--out DIR` it leaves the run's
 * folder (summary.json, history.edn, anomalies.json, report.html, and repro.json if it failed);
 * with `--trace FILE` the run's internal events as JSONL.
 */
import { basename, dirname, join } from "node:path";
import { ensureDir, writeFileAtomic } from "../io/atomic.ts";
import { claimNamedDir } from "../io/outdir.ts";
import type { RunResult } from "../report/types.ts";
import { makeCampaignRepro, writeRunDir } from "./artifacts.ts";
import { knobsFor } from "./catalog.ts";
import { type CliIO, exitForVerdict, printJson } from "./cli-io.ts";
import { runAndCheck } from "./evaluate.ts";
import { parseKnobArgs, parseSeed } from "./options.ts";
import { loadScenario } from "./scenarios.ts";
import { printRunText } from "./text.ts";

export interface RunOptions {
  seed?: string;
  variant?: string;
  knob?: string[];
  json?: boolean;
  out?: string;
  force?: boolean;
  trace?: string;
  stopAtFirstAnomaly?: boolean;
  verbose?: boolean;
}

export const DEFAULT_SCENARIO = "mixed";

export async function runCommand(
  scenarioArg: string | undefined,
  opts: RunOptions,
  io: CliIO,
): Promise<number> {
  const seed = parseSeed(opts.seed ?? "1");
  const variant = opts.variant ?? "fixed";
  const overrides = parseKnobArgs(opts.knob);
  const loaded = await loadScenario(scenarioArg ?? DEFAULT_SCENARIO);
  const knobs = knobsFor(loaded.scenario, variant, overrides, loaded.ref);
  // Before the run (and before a trace that may go inside it): a folder of earlier results is kept.
  if (opts.out !== undefined) await claimNamedDir(opts.out, opts.force);
  // Same swarm setting as `sim fuzz`, so that `sim run S --seed N` repeats what a campaign found.
  const swarm = loaded.scenario.swarm ?? true;
  const ev = runAndCheck({
    scenario: loaded.scenario,
    scenarioRef: loaded.ref,
    variant,
    knobs,
    seed,
    swarm,
    trace: opts.trace !== undefined,
    stopAtFirstAnomaly: opts.stopAtFirstAnomaly === true,
  });
  let result: RunResult = ev.result;
  const notes: string[] = [];
  if (opts.trace !== undefined) {
    await ensureDir(dirname(opts.trace));
    const lines = ev.trace ?? [];
    await writeFileAtomic(
      opts.trace,
      (function* () {
        for (const l of lines) yield `${l}\n`;
      })(),
    );
    notes.push(io.c.dim(`  trace: ${opts.trace} (${lines.length} events)`));
  }
  if (opts.out !== undefined) {
    const failed = result.valid === false;
    const repro = failed
      ? makeCampaignRepro(ev, { scenarioRef: loaded.ref, variant, knobs, seed, swarm, createdBy: "sim run" })
      : undefined;
    const files = await writeRunDir(opts.out, ev, repro);
    if (files.repro) result = { ...result, repro: files.repro };
    notes.push(
      io.c.dim(
        `  wrote ${opts.out}: ${Object.values(files)
          .map((f) => basename(f))
          .join(", ")}`,
      ),
    );
    if (files.repro) notes.push(`  replay: npx sim replay ${join(opts.out, "repro.json")}`);
  }
  if (io.json) printJson(io, result);
  else {
    printRunText(io, result, notes, {
      verbose: opts.verbose,
      ...(opts.out !== undefined ? { report: join(opts.out, "report.html") } : {}),
    });
  }
  return exitForVerdict(result.valid);
}
