/**
 * `sim report PATH`: (re)render report.html for a run folder (`sim run --out`, a campaign's
 * failure folder) or a campaign folder (its summary.json; each failure group's smallest run drawn
 * in full from that run's own folder).
 */
import { stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { parseHistory } from "../check/format.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { InputError } from "../io/errors.ts";
import { parseJson } from "../io/json.ts";
import { isRecord, readTextInput } from "../io/repro.ts";
import { TOOL } from "../io/version.ts";
import { type CampaignSummary, validateSummary } from "../report/summary.ts";
import type { RunReport, RunResult } from "../report/types.ts";
import { runReportOf } from "./artifacts.ts";
import { type CliIO, EXIT, line, printJson } from "./cli-io.ts";
import { renderReport } from "./render.ts";

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Reads a run folder back: summary.json (a run result with its events) and history.edn. */
export async function loadRunReport(dir: string): Promise<RunReport | undefined> {
  let result: RunResult & { events?: RunReport["events"] };
  try {
    const obj = parseJson(await readTextInput(join(dir, "summary.json")), join(dir, "summary.json"));
    if (!isRecord(obj) || typeof obj.historyHash !== "string") return undefined;
    result = obj as unknown as RunResult;
  } catch {
    return undefined;
  }
  let history: RunReport["history"] = [];
  try {
    history = parseHistory(await readTextInput(join(dir, "history.edn")), "edn");
  } catch {
    // A report without its timeline is still worth drawing.
  }
  return { ...result, history };
}

/** The failing runs to draw for a campaign: each group's smallest, read from its folder. */
export async function campaignRunReports(dir: string, summary: CampaignSummary): Promise<RunReport[]> {
  const out: RunReport[] = [];
  for (const g of summary.groups) {
    const r = await loadRunReport(dirname(join(dir, g.smallest.repro)));
    if (r) out.push({ ...r, repro: g.smallest.repro });
  }
  return out;
}

/**
 * A repro file (`sim shrink`'s `*.shrunk.json`, a campaign's `repro.json`): replayed, and its run
 * drawn to `<name>.html` beside it. Exit 3 when it no longer reproduces (the page shows what ran).
 */
async function reportRepro(file: string, io: CliIO): Promise<number> {
  const { compareReplay, prepareRepro, replayPrepared } = await import("./replay.ts");
  const p = await prepareRepro(file);
  const ev = replayPrepared(p);
  const check = compareReplay(file, p, ev.result);
  const target = join(dirname(file), `${basename(file, extname(file))}.html`);
  await writeFileAtomic(
    target,
    renderReport({
      ...runReportOf(ev, { ...ev.result, repro: basename(file) }),
      ...(p.repro.opRoles ? { opRoles: p.repro.opRoles } : {}),
    }),
  );
  if (io.json) printJson(io, { tool: TOOL, kind: "repro", report: target, reproduced: check.reproduced });
  else {
    line(io, `repro report: ${target}`);
    if (!check.reproduced)
      line(io, io.c.red(`  DOES NOT REPRODUCE ${file}: ${check.differences.join("; ")}`));
  }
  return check.reproduced ? EXIT.valid : EXIT.unknown;
}

export async function reportCommand(path: string, io: CliIO): Promise<number> {
  const dir = (await isDir(path)) ? path : dirname(path);
  const file = (await isDir(path)) ? join(path, "summary.json") : path;
  if (!(await isDir(path)) && basename(path) !== "summary.json") {
    const text = await readTextInput(path);
    const doc = parseJson(text, path);
    if (isRecord(doc) && typeof doc.format === "string" && doc.format.startsWith("deltasim-repro/")) {
      return reportRepro(path, io);
    }
    throw new InputError({
      file: path,
      expected: "a run or campaign folder, its summary.json, or a repro file",
      found: "another file",
    });
  }
  const obj = parseJson(await readTextInput(file), file);
  const target = join(dir, "report.html");
  let kind: "campaign" | "run";
  if (isRecord(obj) && "campaign" in obj) {
    const summary = validateSummary(obj, file);
    await writeFileAtomic(
      target,
      renderReport({ summary, failures: await campaignRunReports(dir, summary) }),
    );
    kind = "campaign";
  } else if (isRecord(obj) && typeof obj.historyHash === "string" && typeof obj.scenario === "string") {
    const run = await loadRunReport(dir);
    if (!run) throw new InputError({ file, problem: "not a deltasim run summary" });
    await writeFileAtomic(target, renderReport(run));
    kind = "run";
  } else {
    throw new InputError({
      file,
      expected: "a deltasim summary.json (of a run or a campaign)",
      found: "another JSON document",
    });
  }
  if (io.json) printJson(io, { tool: TOOL, kind, report: target });
  else line(io, `${kind} report: ${target}`);
  return 0;
}
