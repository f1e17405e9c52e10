import type { Command } from "commander";
import { makeIO } from "../../src/campaign/cli-io.ts";
import { collect } from "../../src/campaign/options.ts";

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("one run of a scenario under a variant and a seed")
    .argument("[scenario]", "a name from `sim scenarios` or a path to a .ts/.js scenario file", "mixed")
    .option("--seed <N>", "root seed (a non-negative integer)", "1")
    .option("--variant <V>", "variant (a name from `sim variants`)", "fixed")
    .option("--knob <K=V>", "override a knob (repeatable; see `sim knobs`)", collect)
    .option("--json", "print the result as one JSON object")
    .option("--verbose", "print every anomaly in full (default: the first 3 and a count of the rest)")
    .option(
      "--out <DIR>",
      "write summary.json, history.edn, anomalies.json, report.html (and repro.json if it failed)",
    )
    .option("--force", "write into an --out folder that already holds results")
    .option("--trace <FILE>", "write the run's internal events as JSONL")
    .option(
      "--stop-at-first-anomaly",
      "end the run once the ops so far prove an anomaly on RPUSH/LRANGE-only keys (checked as it goes)",
    )
    .action(async (scenario: string, opts) => {
      const { runCommand } = await import("../../src/campaign/run.ts");
      process.exitCode = await runCommand(scenario, opts, makeIO(opts));
    });
}
