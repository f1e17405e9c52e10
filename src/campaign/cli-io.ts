/**
 * Where the commands write, and whether they may use colour and progress bars: only on a terminal,
 * never with NO_COLOR set (https://no-color.org), never under `--json` (stdout then carries exactly
 * one JSON object, and stderr stays quiet unless something is wrong).
 */
import { Chalk, type ChalkInstance } from "chalk";
import { formatJson } from "../io/json.ts";

export interface Writer {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIO {
  out: Writer;
  err: Writer;
  /** Colours for stdout and stderr (level 0 = plain text). */
  c: ChalkInstance;
  ce: ChalkInstance;
  /** A live progress display on stderr is allowed. */
  progress: boolean;
  json: boolean;
}

export function colourAllowed(stream: Writer, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

export function makeIO(
  opts: { json?: boolean } = {},
  out: Writer = process.stdout,
  err: Writer = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): CliIO {
  const json = opts.json === true;
  return {
    out,
    err,
    c: new Chalk({ level: !json && colourAllowed(out, env) ? 1 : 0 }),
    ce: new Chalk({ level: colourAllowed(err, env) ? 1 : 0 }),
    progress: !json && colourAllowed(err, env),
    json,
  };
}

/** Prints the one `--json` object. */
export function printJson(io: CliIO, value: unknown): void {
  io.out.write(formatJson(value));
}

export function line(io: CliIO, s = ""): void {
  io.out.write(`${s}\n`);
}

/** Exit statuses (README). */
export const EXIT = {
  valid: 0,
  failure: 1,
  usage: 2,
  unknown: 3,
  interrupted: 130,
  terminated: 143,
} as const;

export function exitForVerdict(valid: boolean | "unknown"): number {
  return valid === true ? EXIT.valid : valid === false ? EXIT.failure : EXIT.unknown;
}
