import type { Command } from "commander";
import { makeIO } from "../../src/campaign/cli-io.ts";

export function registerReplay(program: Command): void {
  program
    .command("replay")
    .description("re-run a repro file; exits 3 if its historyHash or anomaly types differ")
    .argument("<file>", "a repro.json")
    .option("--json", "print the result as one JSON object")
    .option("--out <DIR>", "write the run's folder: history.edn, history.jsonl, anomalies.json, report.html…")
    .option("--force", "write into an --out folder that already holds results")
    .option("--verbose", "print every anomaly in full (default: the first 3 and a count of the rest)")
    .action(async (file: string, opts) => {
      const { replayCommand } = await import("../../src/campaign/replay.ts");
      process.exitCode = await replayCommand(file, makeIO(opts), opts);
    });
}
