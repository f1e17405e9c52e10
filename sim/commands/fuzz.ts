import type { Command } from "commander";
import { makeIO } from "../../src/campaign/cli-io.ts";
import { collect } from "../../src/campaign/options.ts";

export function registerFuzz(program: Command): void {
  program
    .command("fuzz")
    .description(
      "many seeds in parallel; every failure saved as a repro and shrunk (default: the standard scenarios for 60 s)",
    )
    .argument("[scenario...]", "names from `sim scenarios` or paths to scenario files")
    .option("--seeds <N>", "total runs across scenarios and variants")
    .option("--duration <S>", "wall-clock time: seconds, or 90s / 5m / 2h")
    .option("--first-seed <N>", "first seed", "1")
    .option("--variant <V>", "a variant, a comma list, or all", "fixed")
    .option("--workers <K>", "worker threads (default: all cores; 0 runs in this thread)")
    .option("--shard <I/N>", "run only seed offsets k with k mod N = I")
    .option(
      "--out <DIR>",
      "campaign folder (default reports/fuzz-<variant>-<scenarios>-from-<first seed>[-shard-I-of-N], with -2, -3… if taken)",
    )
    .option("--force", "write into an --out folder that already holds results")
    .option("--json", "print the campaign result as one JSON object")
    .option("--junit <FILE>", "also write the JUnit XML here")
    .option("--stop-on-first", "stop dispatching seeds after the first failure")
    .option("--knob <K=V>", "override a knob in every run (repeatable)", collect)
    .option("--shrink-time <S>", "wall-clock shrink budget per failure", "10s")
    .option("--shrink-limit <N>", "failures shrunk per signature (a count or all)", "3")
    .action(async (scenarios: string[], opts) => {
      const { fuzzCommand } = await import("../../src/campaign/fuzz.ts");
      // --duration caps the whole command, counted from the process start.
      process.exitCode = await fuzzCommand(scenarios, { ...opts, startedAtMs: 0 }, makeIO(opts));
    });
}
