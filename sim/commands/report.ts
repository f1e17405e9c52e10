import type { Command } from "commander";
import { makeIO } from "../../src/campaign/cli-io.ts";

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("render report.html for a run folder or a fuzz campaign folder, or a page for a repro file")
    .argument(
      "<path>",
      "a folder written by `sim run --out` or `sim fuzz`, its summary.json, or a repro file (replayed, drawn to <name>.html)",
    )
    .option("--json", "print {kind, report} as one JSON object")
    .action(async (path: string, opts) => {
      const { reportCommand } = await import("../../src/campaign/report.ts");
      process.exitCode = await reportCommand(path, makeIO(opts));
    });
}
