/**
 * Finding and loading scenarios. A built-in scenario is a file `scenarios/<name>.ts` that
 * default-exports a `scenario({...})` spec (tests beside them and `scenarios/repros/` are not
 * scenarios). Anything that looks like a path (`./x.ts`, `dir/x.js`) is loaded by dynamic import:
 * the `sim` entry point registers tsx, and Vitest compiles TypeScript itself. Every problem
 * becomes an InputError naming the file and the problem, so the CLI can print it on one line.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isKnownModel } from "../check/models.ts";
import { InputError } from "../io/errors.ts";
import { normalizeScenario, ScenarioError } from "../workload/normalize.ts";
import type { Scenario } from "../workload/scenario.ts";

/** The built-in scenarios folder (top level of the package). */
export const SCENARIOS_DIR = fileURLToPath(new URL("../../scenarios/", import.meta.url));

const SCENARIO_FILE = /^(?!.*\.(test|spec|d)\.[jt]s$).*\.(ts|js)$/;

export interface LoadedScenario {
  /** How a repro names it: the built-in name, or the file's path (relative to the cwd when inside it). */
  ref: string;
  /** The file it came from. */
  file: string;
  builtin: boolean;
  scenario: Scenario;
}

/** Names of the built-in scenarios, sorted. */
export function builtinScenarioNames(dir = SCENARIOS_DIR): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const f of entries) {
    if (!SCENARIO_FILE.test(f)) continue;
    try {
      if (!statSync(resolve(dir, f)).isFile()) continue;
    } catch {
      continue;
    }
    names.add(basename(f, extname(f)));
  }
  return [...names].sort();
}

/** True when a scenario argument names a file rather than a built-in scenario. */
export function looksLikePath(arg: string): boolean {
  return /[\\/]/.test(arg) || /\.(ts|js|mts|mjs|json)$/.test(arg);
}

function builtinFile(name: string, dir: string): string | undefined {
  for (const ext of [".ts", ".js"]) {
    const f = resolve(dir, `${name}${ext}`);
    if (existsSync(f)) return f;
  }
  return undefined;
}

const cache = new Map<string, Promise<LoadedScenario>>();

/**
 * Loads a scenario by built-in name or path. `baseDirs` are tried, in order, for a relative path
 * that does not exist under the working directory (a repro's own folder, say).
 */
export function loadScenario(
  arg: string,
  opts: { baseDirs?: string[]; dir?: string } = {},
): Promise<LoadedScenario> {
  const key = `${arg}\u0000${(opts.baseDirs ?? []).join("\u0000")}\u0000${opts.dir ?? ""}`;
  let p = cache.get(key);
  if (p === undefined) {
    p = load(arg, opts.baseDirs ?? [], opts.dir ?? SCENARIOS_DIR);
    cache.set(key, p);
    // A failed load is not cached: the user may fix the file between calls in one process (tests).
    p.catch(() => cache.delete(key));
  }
  return p;
}

async function load(arg: string, baseDirs: string[], dir: string): Promise<LoadedScenario> {
  if (!looksLikePath(arg)) {
    const file = builtinFile(arg, dir);
    if (file === undefined) {
      const known = builtinScenarioNames(dir);
      throw new InputError({
        file: arg,
        problem: `unknown scenario; expected one of ${known.length > 0 ? known.join(", ") : "(none installed)"} or a path to a .ts/.js scenario file`,
      });
    }
    return { ref: arg, file, builtin: true, scenario: await importScenario(file, arg, arg) };
  }
  const candidates = [resolve(arg), ...baseDirs.map((d) => resolve(d, arg))];
  const file = candidates.find((f) => existsSync(f));
  if (file === undefined) throw new InputError({ file: arg, problem: "cannot read: no such file" });
  if (!statSync(file).isFile())
    throw new InputError({ file: arg, problem: "cannot read: is a directory, expected a file" });
  if (isReproFile(file)) {
    throw new InputError({
      file: arg,
      problem: `is a repro file, not a scenario; run it with \`sim replay ${arg}\` (--out DIR saves its history and report)`,
    });
  }
  const rel = relative(process.cwd(), file);
  const ref = rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
  return {
    ref,
    file,
    builtin: false,
    scenario: await importScenario(file, arg, basename(file, extname(file))),
  };
}

/** A JSON file that says it is a deltasim repro (`{"format": "deltasim-repro/…"}`). */
function isReproFile(file: string): boolean {
  if (!file.endsWith(".json")) return false;
  try {
    const doc = JSON.parse(readFileSync(file, "utf8")) as unknown;
    return (
      typeof doc === "object" &&
      doc !== null &&
      String((doc as { format?: unknown }).format).startsWith("deltasim-repro/")
    );
  } catch {
    return false;
  }
}

async function importScenario(file: string, shown: string, name: string): Promise<Scenario> {
  let spec: unknown;
  try {
    spec = await importDefault(file);
  } catch (e) {
    const at = compileErrorAt(e, file);
    throw new InputError({
      file: shown,
      ...(at ? { line: at.line, column: at.column } : {}),
      problem: `cannot load: ${at?.message ?? firstLine(e)}`,
    });
  }
  if (spec === undefined) {
    throw new InputError({
      file: shown,
      problem: "no default export; expected `export default scenario({...})`",
    });
  }
  let scenario: Scenario;
  try {
    scenario = normalizeScenario(spec, name);
  } catch (e) {
    if (e instanceof ScenarioError) {
      const problem = e.message.startsWith(`${e.field}: `) ? e.message.slice(e.field.length + 2) : e.message;
      throw new InputError({ file: shown, field: e.field, problem });
    }
    throw new InputError({ file: shown, problem: firstLine(e) });
  }
  // An unknown model would otherwise surface as a checker error in every run.
  if (scenario.expect !== undefined && !isKnownModel(scenario.expect)) {
    throw new InputError({
      file: shown,
      field: "expect",
      found: JSON.stringify(scenario.expect),
      expected: "a consistency model Elle knows (see `sim check --help`)",
    });
  }
  return scenario;
}

const CJS_CONTEXT = new Set(["ERR_REQUIRE_CYCLE_MODULE", "ERR_UNKNOWN_FILE_EXTENSION", "ERR_REQUIRE_ESM"]);

/** A module's default export. */
async function importDefault(file: string): Promise<unknown> {
  const url = pathToFileURL(file).href;
  let mod: { default?: unknown };
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (e) {
    if (!CJS_CONTEXT.has((e as NodeJS.ErrnoException).code ?? "")) throw e;
    // A .ts file outside an ESM package (say in /tmp) is compiled as CommonJS, and its require() of
    // the ESM scenario helpers then fails. tsx's scoped import loads it as a module regardless.
    const { tsImport } = await import("tsx/esm/api");
    mod = (await tsImport(url, import.meta.url)) as { default?: unknown };
  }
  let d = mod.default;
  // Through CommonJS interop the ESM default export arrives one level down.
  if (typeof d === "object" && d !== null && Object.keys(d).length === 1 && "default" in d) {
    d = (d as { default: unknown }).default;
  }
  return d;
}

/**
 * Where a compile error in the scenario file itself is, from esbuild's message (tsx and the scenario
 * hooks both compile with esbuild): "Transform failed with 1 error:\n<file>:<line>:<col>: ERROR: <text>",
 * whose column counts from 0. Errors in other files (a helper it imports) keep their own message.
 */
export function compileErrorAt(
  e: unknown,
  file: string,
): { line: number; column: number; message: string } | undefined {
  const msg = e instanceof Error ? e.message : String(e);
  for (const l of msg.split("\n")) {
    const m = /^(.*):(\d+):(\d+): ERROR: (.*)$/.exec(l);
    if (m && resolve(m[1]!) === resolve(file)) {
      return { line: Number(m[2]), column: Number(m[3]) + 1, message: m[4]! };
    }
  }
  return undefined;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const lines = msg.split("\n");
  // esbuild's first line only counts its errors; the first error itself says where and what.
  const compile = lines.find((l) => l.includes(": ERROR: "));
  if (compile !== undefined) return compile.replace(": ERROR: ", ": ");
  return lines.find((l) => l.trim() !== "") ?? msg;
}

/** Every built-in scenario, loaded (for `sim scenarios` and for picking defaults). */
export async function loadBuiltinScenarios(dir = SCENARIOS_DIR): Promise<LoadedScenario[]> {
  return Promise.all(builtinScenarioNames(dir).map((n) => loadScenario(n, { dir })));
}

/** `sim scenarios --json`: `[{name, description}]` (plus the bug a catalogued scenario exposes). */
export async function scenarioList(
  dir = SCENARIOS_DIR,
): Promise<Array<{ name: string; description: string; bug?: string }>> {
  return (await loadBuiltinScenarios(dir)).map((l) => ({
    name: l.ref,
    description: l.scenario.description,
    ...(l.scenario.bug ? { bug: l.scenario.bug.id } : {}),
  }));
}

/** The standard workloads: built-in scenarios that do not declare a catalogued bug. */
export async function defaultScenarioNames(dir = SCENARIOS_DIR): Promise<string[]> {
  return (await loadBuiltinScenarios(dir)).filter((l) => !l.scenario.bug).map((l) => l.ref);
}
