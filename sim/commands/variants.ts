import type { Command } from "commander";
import { makeIO } from "../../src/campaign/cli-io.ts";

export function registerVariants(program: Command): void {
  program
    .command("variants")
    .description("list the variants (named knob sets) and the scenario exposing each one's bug")
    .option("--json", "print a JSON array")
    .action(async (opts) => {
      const { variantsCommand } = await import("../../src/campaign/lists.ts");
      process.exitCode = await variantsCommand(makeIO(opts));
    });
}
