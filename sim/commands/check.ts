import type { Command } from "commander";
import { makeIO } from "../../src/campaign/cli-io.ts";

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("check an external history (e.g. a Jepsen history.edn)")
    .argument("<history>", "an EDN or JSONL history file")
    .option("--format <F>", "edn or jsonl (default: detected)")
    .option("--model <M>", "consistency model, any Elle knows", "strict-serializable")
    .option("--json", "print {file, model, ops, valid, anomalyTypes, anomalies, wallMs}")
    .option("--verbose", "print every anomaly in full (default: the first 3 and a count of the rest)")
    .action(async (file: string, opts) => {
      const { checkCommand } = await import("../../src/campaign/check.ts");
      process.exitCode = await checkCommand(file, opts, makeIO(opts));
    });
}
