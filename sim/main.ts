/**
 * The `sim` command (README). Each subcommand lives in sim/commands/ and only declares its
 * flags; the work is in src/campaign. This file owns the exit-status contract: 0 valid, 1 failure
 * found, 2 usage or input error (one line on stderr, no stack unless DELTASIM_DEBUG=1), 3 unknown
 * or replay mismatch, 130 for an interrupted campaign. Subcommands import their implementation only
 * when they run, so that `sim check` or `sim knobs` start without loading the whole simulator.
 */
import { Command, CommanderError } from "commander";
import { colourAllowed, EXIT } from "../src/campaign/cli-io.ts";
import { isInputError } from "../src/io/errors.ts";
import { VERSION } from "../src/io/version.ts";
import { registerCheck } from "./commands/check.ts";
import { registerFuzz } from "./commands/fuzz.ts";
import { registerKnobs } from "./commands/knobs.ts";
import { registerMerge } from "./commands/merge.ts";
import { registerReplay } from "./commands/replay.ts";
import { registerReport } from "./commands/report.ts";
import { registerRun } from "./commands/run.ts";
import { registerScenarios } from "./commands/scenarios.ts";
import { registerShrink } from "./commands/shrink.ts";
import { registerVariants } from "./commands/variants.ts";

function program(): Command {
  const p = new Command("sim")
    .description(
      "Deterministic simulation testing of a Raft-replicated MVCC key-value store with a Redis front end.\n" +
        "Exit status: 0 valid, 1 failure found, 2 usage or input error, 3 unknown or replay mismatch, 130 interrupted.",
    )
    .version(VERSION, "-V, --version")
    .exitOverride()
    // Errors are printed by `main` on one line; help and version still go to stdout.
    .configureOutput({ outputError: () => {} })
    .showSuggestionAfterError(true);
  for (const register of [
    registerRun,
    registerFuzz,
    registerReplay,
    registerShrink,
    registerCheck,
    registerScenarios,
    registerVariants,
    registerKnobs,
    registerReport,
    registerMerge,
  ]) {
    register(p);
  }
  return p;
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

function fail(message: string): number {
  const red = colourAllowed(process.stderr) ? (s: string) => `\x1b[31m${s}\x1b[39m` : (s: string) => s;
  process.stderr.write(`${red("error:")} ${oneLine(message.replace(/^error:\s*/, ""))}\n`);
  return EXIT.usage;
}

export async function main(argv: string[]): Promise<number> {
  const p = program();
  if (argv.length <= 2) {
    process.stderr.write(p.helpInformation());
    return EXIT.usage;
  }
  try {
    await p.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.valid;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === "commander.helpDisplayed" ||
        e.code === "commander.version" ||
        e.code === "commander.help"
      ) {
        return e.exitCode === 0 || e.code !== "commander.help" ? EXIT.valid : EXIT.usage;
      }
      return fail(e.message);
    }
    if (isInputError(e)) return fail(e.message);
    const err = e instanceof Error ? e : new Error(String(e));
    const code = fail(
      `${err.message}${process.env.DELTASIM_DEBUG === "1" ? "" : " (set DELTASIM_DEBUG=1 for the stack trace)"}`,
    );
    if (process.env.DELTASIM_DEBUG === "1" && err.stack) process.stderr.write(`${err.stack}\n`);
    return code;
  }
}

const code = await main(process.argv);
// Exit explicitly: a worker pool or a timer left behind must not keep a finished command alive.
process.stdout.write("", () => process.exit(code));
