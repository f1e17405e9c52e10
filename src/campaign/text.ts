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

export function printRunText(io: CliIO, r: RunResult, extra: string[] = []): void {
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
  for (const a of r.anomalies) {
    const keys = a.keys.length > 0 ? ` on ${a.keys.map((k) => JSON.stringify(k)).join(", ")}` : "";
    line(io, `  ${c.red(a.type)}${keys}: ${indent(a.explanation)}`);
  }
  const probes = Object.entries(r.probes).filter(([, v]) => v > 0);
  if (probes.length > 0) line(io, c.dim(`  probes: ${probes.map(([k, v]) => `${k} ${v}`).join(", ")}`));
  for (const e of extra) line(io, e);
}

function indent(s: string): string {
  return s.replace(/\n/g, "\n    ");
}
