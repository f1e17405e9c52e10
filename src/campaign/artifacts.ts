/**
 * Files a run leaves behind: repro files, and the folder of one run (`sim run --out`, each
 * campaign failure): `summary.json`, `history.edn`, `anomalies.json`, `report.html` and, when it
 * failed, `repro.json`. All writes are atomic (src/io/atomic.ts).
 */
import { join } from "node:path";
import { historyToEdn } from "../check/edn.ts";
import { historyToJsonl } from "../check/jsonl.ts";
import { type AllKnobs, knobRecord } from "../cluster/knobs.ts";
import { ensureDir, writeFileAtomic } from "../io/atomic.ts";
import { formatJson } from "../io/json.ts";
import { makeRepro, type Repro, writeRepro } from "../io/repro.ts";
import { TOOL } from "../io/version.ts";
import type { RunReport, RunResult } from "../report/types.ts";
import type { ScenarioEdits } from "../shrink/index.ts";
import { hasEdits } from "../shrink/index.ts";
import type { Evaluation } from "./evaluate.ts";
import { renderReport } from "./render.ts";
import type { OpRole } from "./roles.ts";

/**
 * A repro as this tool writes it. Beyond `deltasim-repro/1`'s fields (which the format lets later
 * writers extend) it records `swarm` — whether the seed drew its own configuration, which a replay
 * must repeat — and, for a shrunk repro, the scenario `edits` and the consistency `model` if it was
 * not the scenario's own.
 */
export type CampaignRepro = Repro & {
  swarm?: boolean;
  edits?: ScenarioEdits;
  model?: string;
  /** A shrunk repro's ops, those of the anomaly first, the rest marked as context (see roles.ts). */
  opRoles?: OpRole[];
};

export interface ReproOptions {
  scenarioRef: string;
  variant: string;
  /** The run's knobs; missing only for a run that failed before its knobs were known. */
  knobs: AllKnobs | undefined;
  seed?: number;
  /** Record the consumed tape (shrunk repros); a seed alone is enough otherwise. */
  tape?: number[];
  swarm?: boolean;
  edits?: ScenarioEdits;
  model?: string;
  createdBy: string;
  roles?: OpRole[];
}

export function makeCampaignRepro(ev: Evaluation, o: ReproOptions): CampaignRepro {
  const simError = ev.failures.find((f) => f.type === "sim-error");
  const error = ev.error ?? (simError ? { message: simError.message, stack: simError.stack } : undefined);
  const repro: CampaignRepro = makeRepro({
    scenario: o.scenarioRef,
    variant: o.variant,
    knobs: o.knobs ? knobRecord(o.knobs) : {},
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.tape !== undefined ? { tape: o.tape } : {}),
    expected: { anomalyTypes: ev.result.anomalyTypes, historyHash: ev.result.historyHash },
    stats: ev.result.stats,
    config: ev.result.config,
    createdBy: o.createdBy,
    ...(error
      ? { error: error.stack ? { message: error.message, stack: error.stack } : { message: error.message } }
      : {}),
  });
  if (o.swarm !== undefined) repro.swarm = o.swarm;
  if (o.edits && hasEdits(o.edits)) repro.edits = o.edits;
  if (o.model !== undefined) repro.model = o.model;
  if (o.roles !== undefined) repro.opRoles = o.roles;
  return repro;
}

/** `anomalies.json`: the verdict and every anomaly with its explanation. */
export function anomaliesDoc(r: RunResult): Record<string, unknown> {
  return {
    tool: TOOL,
    scenario: r.scenario,
    variant: r.variant,
    ...(r.seed !== undefined ? { seed: r.seed } : {}),
    valid: r.valid,
    anomalyTypes: r.anomalyTypes,
    anomalies: r.anomalies,
  };
}

export function runReportOf(ev: Evaluation, result: RunResult = ev.result): RunReport {
  return { ...result, history: ev.history, events: ev.events };
}

export interface RunDirFiles {
  summary: string;
  history: string;
  /** The history again as JSONL (`sim replay --out`), for tools that read JSON rather than EDN. */
  historyJsonl?: string;
  anomalies: string;
  report: string;
  repro?: string;
}

/**
 * Writes one run's folder. `summary.json` is the run's `--json` result plus its timeline events
 * (so that `sim report DIR` can redraw the page later from the folder alone).
 */
export async function writeRunDir(
  dir: string,
  ev: Evaluation,
  repro?: CampaignRepro,
  opts: { jsonl?: boolean } = {},
): Promise<RunDirFiles> {
  await ensureDir(dir);
  const files: RunDirFiles = {
    summary: join(dir, "summary.json"),
    history: join(dir, "history.edn"),
    ...(opts.jsonl ? { historyJsonl: join(dir, "history.jsonl") } : {}),
    anomalies: join(dir, "anomalies.json"),
    report: join(dir, "report.html"),
  };
  const result: RunResult = repro ? { ...ev.result, repro: "repro.json" } : ev.result;
  if (repro) {
    files.repro = join(dir, "repro.json");
    await writeRepro(files.repro, repro);
  }
  await writeFileAtomic(files.history, historyToEdn(ev.history));
  if (files.historyJsonl) await writeFileAtomic(files.historyJsonl, historyToJsonl(ev.history));
  await writeFileAtomic(files.anomalies, formatJson(anomaliesDoc(result)));
  await writeFileAtomic(files.summary, formatJson({ ...result, events: ev.events }));
  await writeFileAtomic(
    files.report,
    renderReport({ ...runReportOf(ev, result), ...(repro?.opRoles ? { opRoles: repro.opRoles } : {}) }),
  );
  return files;
}
