import type { Command } from "commander";
import { makeIO } from "../../src/campaign/cli-io.ts";

export function registerScenarios(program: Command): void {
  program
    .command("scenarios")
    .description("list the scenarios that can be run")
    .option("--json", "print a JSON array")
    .action(async (opts) => {
      const { scenariosCommand } = await import("../../src/campaign/lists.ts");
      process.exitCode = await scenariosCommand(makeIO(opts));
    });
}
