import type { Command } from "commander";
import { makeIO } from "../../src/campaign/cli-io.ts";

export function registerShrink(program: Command): void {
  program
    .command("shrink")
    .description("minimize a failing repro (writes FILE with .shrunk before the extension)")
    .argument("<file>", "a repro.json")
    .option("-o, --out <OUT>", "where to write the shrunk repro")
    .option("--json", "print {before, after, wallMs} as one JSON object")
    .option("--time <S>", "wall-clock budget: seconds, or 90s / 5m", "60s")
    .option("--attempts <N>", "at most this many runs")
    .action(async (file: string, opts) => {
      const { shrinkCommand } = await import("../../src/campaign/shrink.ts");
      process.exitCode = await shrinkCommand(file, opts, makeIO(opts));
    });
}
