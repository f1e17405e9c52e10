/** Human-readable output of a run (what `sim run` and `sim replay` print without --json). */
import type { RunResult } from "../report/types.ts";
import { type CliIO, line } from "./cli-io.ts";

export function verdictWord(io: CliIO, valid: RunResult["valid"]): string {
  return valid === true
    ? io.c.green.bold("valid")
    : valid === false
      ? io.c.red.bold("INVALID")
      : io.c.yellow.bold("unknown");
}

/** Anomalies printed in full before the rest is summed up (all of them with --verbose). */
export const ANOMALIES_SHOWN = 3;

export interface RunTextOptions {
  /** Print every anomaly in full. */
  verbose?: boolean;
  /** The run's report.html, when one was written, to point at for the rest. */
  report?: string;
}

/** Only what the console prints of an anomaly (a run's, or `sim check`'s). */
interface Anomalies {
  anomalies: ReadonlyArray<{ type: string; keys: ReadonlyArray<unknown>; explanation: string }>;
}

/** "25 anomalies: lost-append ×10, G-single-item ×8, G0 ×7" (types by count, then by name). */
export function anomalySummary(r: Anomalies): string {
  const counts = new Map<string, number>();
  for (const a of r.anomalies) counts.set(a.type, (counts.get(a.type) ?? 0) + 1);
  const parts = [...counts]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .map(([t, n]) => `${t} ×${n}`);
  const n = r.anomalies.length;
  return `${n} anomal${n === 1 ? "y" : "ies"}: ${parts.join(", ")}`;
}

export function printRunText(io: CliIO, r: RunResult, extra: string[] = [], opts: RunTextOptions = {}): void {
  const { c } = io;
  const s = r.stats;
  const seed = r.seed !== undefined ? `seed ${r.seed}` : "tape";
  line(io, `${c.bold(r.scenario)} [${r.variant}] ${seed}: ${verdictWord(io, r.valid)}`);
  line(
    io,
    c.dim(
      `  ${s.ops} ops (${s.ok} ok, ${s.fail} fail, ${s.info} info), ${(s.simTimeMs / 1000).toFixed(1)} s simulated, ` +
        `${s.leaderChanges} leader change${s.leaderChanges === 1 ? "" : "s"}, ${s.faults} fault${s.faults === 1 ? "" : "s"}; ` +
        `history ${r.historyHash}; ${Math.round(r.wallMs)} ms`,
    ),
  );
  printAnomalies(io, r, opts);
  const probes = Object.entries(r.probes).filter(([, v]) => v > 0);
  if (probes.length > 0) line(io, c.dim(`  probes: ${probes.map(([k, v]) => `${k} ${v}`).join(", ")}`));
  for (const e of extra) line(io, e);
}

/** One summary line, the first few anomalies in full, and how many more there are. */
export function printAnomalies(io: CliIO, r: Anomalies, opts: RunTextOptions = {}): void {
  const { c } = io;
  if (r.anomalies.length === 0) return;
  line(io, `  ${c.red(anomalySummary(r))}`);
  const shown = opts.verbose ? r.anomalies : r.anomalies.slice(0, ANOMALIES_SHOWN);
  for (const a of shown) {
    const keys = a.keys.length > 0 ? ` on ${a.keys.map((k) => JSON.stringify(k)).join(", ")}` : "";
    line(io, `  ${c.red(a.type)}${keys}: ${indent(a.explanation)}`);
  }
  const rest = r.anomalies.length - shown.length;
  if (rest > 0) {
    const where = opts.report !== undefined ? `see ${opts.report} or --json` : "see report.html / --json";
    line(io, c.dim(`  … ${rest} more (${where}; --verbose prints them all)`));
  }
}

function indent(s: string): string {
  return s.replace(/\n/g, "\n    ");
}
