import type { Command } from "commander";
import { makeIO } from "../../src/campaign/cli-io.ts";

export function registerMerge(program: Command): void {
  program
    .command("merge")
    .description("merge shard results (sim fuzz --shard) into one campaign report")
    .argument("<dir...>", "shard folders, or folders holding them")
    .option("--out <DIR>", "merged campaign folder (default reports/<campaign>, with -2, -3… if taken)")
    .option("--force", "write into an --out folder that already holds results")
    .option("--json", "print the merged summary as one JSON object")
    .action(async (dirs: string[], opts) => {
      const { mergeCommand } = await import("../../src/campaign/merge.ts");
      process.exitCode = await mergeCommand(dirs, opts, makeIO(opts));
    });
}
