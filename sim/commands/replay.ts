import type { Command } from "commander";
import { makeIO } from "../../src/campaign/cli-io.ts";

export function registerReplay(program: Command): void {
  program
    .command("replay")
    .description("re-run a repro file; exits 3 if its historyHash or anomaly types differ")
    .argument("<file>", "a repro.json")
    .option("--json", "print the result as one JSON object")
    .action(async (file: string, opts) => {
      const { replayCommand } = await import("../../src/campaign/replay.ts");
      process.exitCode = await replayCommand(file, makeIO(opts));
    });
}
