/**
 * `sim replay FILE`: re-run a repro and check that it reproduces — the same historyHash and the
 * same anomaly types. The run uses the knob values recorded in the repro (so a repro made with
 * `--knob` overrides replays as made); when it does not reproduce, the report says what differs,
 * including every knob whose recorded value is no longer what the variant sets today, knobs that
 * no longer exist and knobs added since.
 */
import { basename, dirname, join } from "node:path";
import {
  type AllKnobs,
  checkKnobValue,
  isKnobName,
  KnobError,
  knobRecord,
  valueWhenUnrecorded,
} from "../cluster/knobs.ts";
import type { KnobValue } from "../cluster/types.ts";
import { InputError } from "../io/errors.ts";
import { claimNamedDir } from "../io/outdir.ts";
import { readRepro } from "../io/repro.ts";
import { TOOL } from "../io/version.ts";
import type { RunResult } from "../report/types.ts";
import { applyEdits, checkEdits, type ScenarioEdits } from "../shrink/index.ts";
import { type CampaignRepro, writeRunDir } from "./artifacts.ts";
import { knobsFor, variantList } from "./catalog.ts";
import { type CliIO, EXIT, exitForVerdict, printJson } from "./cli-io.ts";
import { type Evaluation, runAndCheck } from "./evaluate.ts";
import { type LoadedScenario, loadScenario } from "./scenarios.ts";
import { printRunText } from "./text.ts";

export interface KnobChange {
  knob: string;
  /** What the repro recorded (undefined: the knob did not exist then). */
  recorded?: unknown;
  /** What the variant (with the scenario's knobs) sets today (undefined: the knob is gone). */
  current?: unknown;
}

export interface ReplayCheck {
  file: string;
  reproduced: boolean;
  expected: { anomalyTypes: string[]; historyHash: string };
  /** Human-readable differences, one per line; empty when reproduced. */
  differences: string[];
  knobChanges: KnobChange[];
  recordedTool: string;
}

export interface PreparedRepro {
  repro: CampaignRepro;
  loaded: LoadedScenario;
  edits?: ScenarioEdits;
  knobs: AllKnobs;
  swarm: boolean;
  knobChanges: KnobChange[];
}

/** Loads a repro file with its scenario, and works out the knobs to run with. */
export async function prepareRepro(file: string): Promise<PreparedRepro> {
  const repro = (await readRepro(file)) as CampaignRepro;
  if (!variantList().some((v) => v.name === repro.variant)) {
    throw new InputError({
      file,
      field: "variant",
      found: JSON.stringify(repro.variant),
      expected: `one of ${variantList()
        .map((v) => v.name)
        .join(", ")}`,
    });
  }
  if (repro.swarm !== undefined && typeof repro.swarm !== "boolean") {
    throw new InputError({
      file,
      field: "swarm",
      expected: "true or false",
      found: JSON.stringify(repro.swarm),
    });
  }
  if (repro.model !== undefined && typeof repro.model !== "string") {
    throw new InputError({
      file,
      field: "model",
      expected: "a model name",
      found: JSON.stringify(repro.model),
    });
  }
  const loaded = await loadScenario(repro.scenario, { baseDirs: [dirname(file)] }).catch((e: unknown) => {
    if (e instanceof InputError) throw new InputError({ file, field: "scenario", problem: e.message });
    throw e;
  });
  let edits: ScenarioEdits | undefined;
  if (repro.edits !== undefined) {
    const problem = checkEdits(repro.edits, loaded.scenario);
    if (problem !== null) throw new InputError({ file, field: "edits", problem });
    edits = repro.edits;
  }
  const scenario = applyEdits(loaded.scenario, edits);
  const current = knobRecord(knobsFor(scenario, repro.variant, {}, loaded.ref));
  const recorded = repro.knobs as Record<string, unknown>;
  const overrides: Record<string, KnobValue> = {};
  const knobChanges: KnobChange[] = [];
  for (const [k, v] of Object.entries(recorded)) {
    if (!isKnobName(k)) {
      knobChanges.push({ knob: k, recorded: v });
      continue;
    }
    // Checked here, field by field, so that a bad value names the repro file and the knob.
    try {
      overrides[k] = checkKnobValue(k, v, "override");
    } catch (e) {
      if (!(e instanceof KnobError)) throw e;
      throw new InputError({ file, field: `knobs.${k}`, expected: e.expected, found: e.found });
    }
    if (current[k] !== v) knobChanges.push({ knob: k, recorded: v, current: current[k] });
  }
  for (const k of Object.keys(current).sort()) {
    if (k in recorded) continue;
    // A knob the repro predates runs as the repro's run did, not with today's default.
    const then = valueWhenUnrecorded[k];
    if (then !== undefined) overrides[k] = then;
    knobChanges.push({ knob: k, current: then ?? current[k] });
  }
  const knobs = knobsFor(scenario, repro.variant, overrides, loaded.ref, { file, field: "knobs" });
  return {
    repro,
    loaded,
    ...(edits ? { edits } : {}),
    knobs,
    swarm: repro.swarm ?? loaded.scenario.swarm ?? true,
    knobChanges,
  };
}

export function replayPrepared(p: PreparedRepro): Evaluation {
  return runAndCheck({
    scenario: applyEdits(p.loaded.scenario, p.edits),
    scenarioRef: p.repro.scenario,
    variant: p.repro.variant,
    knobs: p.knobs,
    swarm: p.swarm,
    ...(p.repro.model !== undefined ? { model: p.repro.model } : {}),
    ...(p.repro.seed !== undefined ? { seed: p.repro.seed } : {}),
    ...(p.repro.tape !== undefined ? { tape: p.repro.tape } : {}),
  });
}

/** Compares a replay with what the repro expected; says what differs in words. */
export function compareReplay(file: string, p: PreparedRepro, r: RunResult): ReplayCheck {
  const exp = p.repro.expected;
  const differences: string[] = [];
  const want = [...new Set(exp.anomalyTypes)].sort();
  const got = [...new Set(r.anomalyTypes)].sort();
  if (r.historyHash !== exp.historyHash) {
    differences.push(`historyHash: expected ${exp.historyHash}, got ${r.historyHash}`);
  }
  if (want.join(",") !== got.join(",")) {
    const missing = want.filter((t) => !got.includes(t));
    const extra = got.filter((t) => !want.includes(t));
    differences.push(
      `anomalyTypes: expected [${want.join(", ")}], got [${got.join(", ")}]` +
        `${missing.length ? `; missing ${missing.join(", ")}` : ""}${extra.length ? `; new ${extra.join(", ")}` : ""}`,
    );
  }
  if (differences.length > 0) {
    if (p.repro.tool !== TOOL)
      differences.push(`tool: the repro was written by ${p.repro.tool}, this is ${TOOL}`);
    for (const c of p.knobChanges) differences.push(describeKnobChange(c, p.repro.variant));
    const st = p.repro.stats;
    if (st?.ops !== undefined && st.ops !== r.stats.ops)
      differences.push(`ops: expected ${st.ops}, got ${r.stats.ops}`);
  }
  return {
    file,
    reproduced: differences.length === 0,
    expected: { anomalyTypes: exp.anomalyTypes, historyHash: exp.historyHash },
    differences,
    knobChanges: p.knobChanges,
    recordedTool: p.repro.tool,
  };
}

function describeKnobChange(c: KnobChange, variant: string): string {
  if (c.current === undefined)
    return `knob ${c.knob}: recorded ${JSON.stringify(c.recorded)}, no longer exists (ignored)`;
  if (c.recorded === undefined) {
    return `knob ${c.knob}: not recorded (added since), runs with ${JSON.stringify(c.current)}`;
  }
  return `knob ${c.knob}: recorded ${JSON.stringify(c.recorded)} (used), variant ${variant} now sets ${JSON.stringify(c.current)}`;
}

export interface ReplayOptions {
  /** Write the replayed run's folder here: history (EDN and JSONL), anomalies, summary, report. */
  out?: string;
  force?: boolean;
  verbose?: boolean;
}

export async function replayCommand(file: string, io: CliIO, opts: ReplayOptions = {}): Promise<number> {
  const p = await prepareRepro(file);
  // Claimed before the run: a folder of earlier results is refused before any work is done.
  if (opts.out !== undefined) await claimNamedDir(opts.out, opts.force);
  const ev = replayPrepared(p);
  const check = compareReplay(file, p, ev.result);
  const notes: string[] = [];
  if (opts.out !== undefined) {
    // The repro goes with the run it replays, so that the folder stands on its own.
    const files = await writeRunDir(opts.out, ev, p.repro, { jsonl: true });
    notes.push(
      io.c.dim(
        `  wrote ${opts.out}: ${Object.values(files)
          .map((f) => basename(f))
          .join(", ")}`,
      ),
    );
  }
  if (io.json) {
    printJson(io, { ...ev.result, repro: file, replay: check, ...(opts.out ? { out: opts.out } : {}) });
  } else {
    const extra = check.reproduced
      ? [io.c.green(`  reproduced: same historyHash and anomaly types as ${file}`)]
      : [io.c.red.bold(`  DOES NOT REPRODUCE ${file}:`), ...check.differences.map((d) => `    ${d}`)];
    printRunText(io, ev.result, [...extra, ...notes], {
      verbose: opts.verbose,
      ...(opts.out !== undefined ? { report: join(opts.out, "report.html") } : {}),
    });
  }
  if (!check.reproduced) {
    if (io.json) io.err.write(`error: ${file} does not reproduce: ${check.differences.join("; ")}\n`);
    return EXIT.unknown;
  }
  return exitForVerdict(ev.result.valid);
}
