/**
 * Repro files (README): everything `sim replay` needs to re-run one failing run and check that it
 * reproduces — scenario, variant, the variant's knob values, seed and/or choice tape — and what it
 * must reproduce (anomaly types, history hash). The format is versioned; a file is validated on load
 * so that a hand-edited or truncated repro fails with the field at fault instead of replaying
 * something else.
 */
import { readFile } from "node:fs/promises";
import type { RunStats } from "../cluster/types.ts";
import { writeFileAtomic } from "./atomic.ts";
import { describeValue, InputError } from "./errors.ts";
import { formatJson, parseJson } from "./json.ts";
import { TOOL } from "./version.ts";

export const REPRO_FORMAT = "deltasim-repro/1";

export interface Repro {
  format: typeof REPRO_FORMAT;
  /** `deltasim@<version>` of the writer. */
  tool: string;
  /** A scenario name from `sim scenarios`, or a path to a scenario file. */
  scenario: string;
  variant: string;
  /** The variant's knob values with any `--knob` overrides applied, so a replay can say what changed. */
  knobs: Record<string, unknown>;
  /** Root seed (53-bit integer). At least one of seed and tape is present. */
  seed?: number;
  /** Recorded choice tape; when present it drives the run instead of the seed. */
  tape?: number[];
  expected: { anomalyTypes: string[]; historyHash: string };
  stats?: Partial<RunStats>;
  /** The run's swarm draw and other configuration, for people reading the file. */
  config?: Record<string, unknown>;
  /** What produced it, e.g. `sim fuzz` or `sim shrink`. */
  createdBy?: string;
  /** For `sim-error` failures: the exception inside the simulation. */
  error?: { message: string; stack?: string };
  /** Whether the run drew its configuration from the seed (swarm testing); default true. */
  swarm?: boolean;
  /** Shrinker edits of the scenario (clients, processes, steps, faults removed; op caps). */
  edits?: object;
  /** Consistency model the history was checked against, when not the scenario's own. */
  model?: string;
}

/** Builds a Repro stamped with the current format and tool version. */
export function makeRepro(fields: Omit<Repro, "format" | "tool">): Repro {
  return { format: REPRO_FORMAT, tool: TOOL, ...fields };
}

const STAT_FIELDS: (keyof RunStats)[] = ["ops", "ok", "fail", "info", "simTimeMs", "leaderChanges", "faults"];

/**
 * Checks that `obj` is a valid repro and returns it typed. Unknown top-level fields are kept, so that
 * files written by a later version that only extended the format still load. Throws InputError.
 */
export function validateRepro(obj: unknown, file: string): Repro {
  const bad = (field: string | undefined, expected: string, value: unknown): never => {
    throw new InputError({ file, field, expected, found: describeValue(value) });
  };
  if (!isRecord(obj)) return bad(undefined, "a JSON object (a deltasim repro file)", obj);

  // The format first: a file from another version should say so, not complain about some field.
  if (obj.format !== REPRO_FORMAT) {
    const by = typeof obj.tool === "string" ? ` (written by ${obj.tool})` : "";
    throw new InputError({
      file,
      field: "format",
      expected: JSON.stringify(REPRO_FORMAT),
      found: describeValue(obj.format) + by,
    });
  }
  if (typeof obj.tool !== "string" || !obj.tool.startsWith("deltasim@")) {
    bad("tool", '"deltasim@<version>"', obj.tool);
  }
  for (const f of ["scenario", "variant"] as const) {
    if (typeof obj[f] !== "string" || obj[f] === "") bad(f, "a non-empty string", obj[f]);
  }
  if (!isRecord(obj.knobs)) bad("knobs", "an object of knob values", obj.knobs);

  if (obj.seed === undefined && obj.tape === undefined) {
    throw new InputError({ file, field: "seed", expected: "a seed or a 'tape' (or both)", found: "neither" });
  }
  if (obj.seed !== undefined) {
    const s = obj.seed;
    if (typeof s !== "number" || !Number.isSafeInteger(s) || s < 0) {
      bad("seed", "a non-negative integer below 2^53", s);
    }
  }
  if (obj.tape !== undefined) {
    if (!Array.isArray(obj.tape)) bad("tape", "an array of numbers", obj.tape);
    (obj.tape as unknown[]).forEach((c, i) => {
      if (typeof c !== "number" || !Number.isFinite(c)) bad(`tape[${i}]`, "a number", c);
    });
  }

  const exp = obj.expected;
  if (!isRecord(exp)) return bad("expected", "an object {anomalyTypes, historyHash}", exp);
  if (!Array.isArray(exp.anomalyTypes)) bad("expected.anomalyTypes", "an array of strings", exp.anomalyTypes);
  (exp.anomalyTypes as unknown[]).forEach((t, i) => {
    if (typeof t !== "string") bad(`expected.anomalyTypes[${i}]`, "a string", t);
  });
  if (typeof exp.historyHash !== "string" || exp.historyHash === "") {
    bad("expected.historyHash", "a non-empty string", exp.historyHash);
  }

  if (obj.stats !== undefined) {
    if (!isRecord(obj.stats)) bad("stats", "an object", obj.stats);
    const stats = obj.stats as Record<string, unknown>;
    for (const f of STAT_FIELDS) {
      const v = stats[f];
      if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0)) {
        bad(`stats.${f}`, "a non-negative number", v);
      }
    }
  }
  if (obj.config !== undefined && !isRecord(obj.config)) bad("config", "an object", obj.config);
  if (obj.createdBy !== undefined && typeof obj.createdBy !== "string")
    bad("createdBy", "a string", obj.createdBy);
  if (obj.error !== undefined) {
    const e = obj.error;
    if (!isRecord(e)) return bad("error", "an object {message, stack?}", e);
    if (typeof e.message !== "string") bad("error.message", "a string", e.message);
    if (e.stack !== undefined && typeof e.stack !== "string") bad("error.stack", "a string", e.stack);
  }
  return obj as unknown as Repro;
}

/** Parses and validates repro text; `file` names it in errors. */
export function parseRepro(text: string, file: string): Repro {
  return validateRepro(parseJson(text, file), file);
}

/** Reads and validates a repro file. Throws InputError for a missing, malformed or invalid file. */
export async function readRepro(path: string): Promise<Repro> {
  return parseRepro(await readTextInput(path), path);
}

/** Validates and writes a repro atomically. */
export async function writeRepro(path: string, repro: Repro): Promise<void> {
  validateRepro(repro, path);
  await writeFileAtomic(path, formatJson(repro));
}

/** Reads a user-named text file, turning I/O failures into InputErrors (exit 2, one line). */
export async function readTextInput(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory, expected a file"
          : code === "EACCES"
            ? "permission denied"
            : String((e as Error).message);
    throw new InputError({ file: path, problem: `cannot read: ${why}` });
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
