import type { Command } from "commander";
import { makeIO } from "../../src/campaign/cli-io.ts";

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("render report.html for a run folder or a fuzz campaign folder")
    .argument("<path>", "a folder written by `sim run --out` or `sim fuzz`, or its summary.json")
    .option("--json", "print {kind, report} as one JSON object")
    .action(async (path: string, opts) => {
      const { reportCommand } = await import("../../src/campaign/report.ts");
      process.exitCode = await reportCommand(path, makeIO(opts));
    });
}
