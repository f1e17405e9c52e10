import type { Command } from "commander";
import { makeIO } from "../../src/campaign/cli-io.ts";

export function registerKnobs(program: Command): void {
  program
    .command("knobs")
    .description("list every knob with its default and meaning")
    .option("--json", "print a JSON array")
    .action(async (opts) => {
      const { knobsCommand } = await import("../../src/campaign/lists.ts");
      process.exitCode = await knobsCommand(makeIO(opts));
    });
}
