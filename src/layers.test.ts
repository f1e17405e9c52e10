/**
 * Imports point downward only. Each folder of src/ (and the CLI in sim/) sits on a layer; a file may
 * import from its own folder or from a folder on a lower layer, never from a sibling on the same
 * layer or from above. So the engine knows nothing of Raft, the store nothing of transactions, and
 * the checker nothing of the simulator: a change up high cannot break what sits below it.
 *
 *   engine, check  ←  raft, mvcc, workload  ←  kv  ←  redis  ←  cluster, shrink  ←  io  ←  report
 *   ←  campaign  ←  sim
 *
 * This scans every source and test file and names each import that breaks the rule.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");

/** The layer of each folder: a file may import from its own folder or from a lower layer. */
const LAYER: Record<string, number> = {
  // Discrete-event core (scheduler, RNG, network, faults) and the history checker: neither imports
  // anything of the project. The checker judges histories alone, whoever produced them.
  "src/engine": 0,
  "src/check": 0,
  // Raft over the engine; the MVCC store; client programs and scenarios (history types, RNG streams).
  "src/raft": 1,
  "src/mvcc": 1,
  "src/workload": 1,
  // Transactions, FSM, HLC over the store.
  "src/kv": 2,
  // The Redis adapter and the compactor over the transaction layer.
  "src/redis": 3,
  // One simulated run wiring all of the above; the scenario shrinker (scenario edits only).
  "src/cluster": 4,
  "src/shrink": 4,
  // Files: atomic writes, input errors, repro files (which record a run's stats).
  "src/io": 5,
  // HTML, JUnit and summary reports of a run's result.
  "src/report": 6,
  // Fuzzing, hunts, replays, shrinking campaigns: everything a CLI command drives.
  "src/campaign": 7,
  // The command line.
  sim: 8,
};

/**
 * Test-only exceptions, each with its reason. The checker's fixture tests read stored histories;
 * `io/fixtures.ts` only resolves their folder and imports nothing of the project.
 */
const TEST_EXCEPTIONS: Array<{ from: string; to: string }> = [
  { from: "src/check", to: "src/io/fixtures.ts" },
];

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === "node_modules" || name === "testdata") continue;
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else if (/\.(ts|js)$/.test(name)) out.push(p);
  }
  return out;
}

/** The folder (layer key) a repository-relative path belongs to, or undefined outside src/ and sim/. */
function folderOf(rel: string): string | undefined {
  const parts = rel.split(sep);
  if (parts[0] === "sim") return "sim";
  if (parts[0] === "src" && parts.length > 2) return `src/${parts[1]}`;
  return undefined;
}

/** Relative module specifiers of static imports, re-exports and dynamic imports, with line numbers. */
function relativeImports(src: string): Array<{ spec: string; line: number }> {
  const out: Array<{ spec: string; line: number }> = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;
  for (let m = re.exec(src); m !== null; m = re.exec(src)) {
    out.push({ spec: m[1]!, line: src.slice(0, m.index).split("\n").length });
  }
  return out;
}

interface Violation {
  file: string;
  line: number;
  spec: string;
  why: string;
}

function violations(): Violation[] {
  const out: Violation[] = [];
  const files = [...filesUnder(join(ROOT, "src")), ...filesUnder(join(ROOT, "sim"))];
  for (const abs of files) {
    const rel = relative(ROOT, abs);
    const from = folderOf(rel);
    if (from === undefined) continue;
    const fromLayer = LAYER[from];
    const isTest = /\.test\.ts$/.test(rel);
    for (const { spec, line } of relativeImports(readFileSync(abs, "utf8"))) {
      const targetRel = relative(ROOT, resolve(dirname(abs), spec));
      const to = folderOf(targetRel);
      if (to === undefined || to === from) continue;
      const where = `${rel.split(sep).join("/")}:${line}`;
      if (fromLayer === undefined || LAYER[to] === undefined) {
        out.push({ file: where, line, spec, why: `no layer for ${fromLayer === undefined ? from : to}` });
        continue;
      }
      const target = targetRel.split(sep).join("/");
      if (isTest && TEST_EXCEPTIONS.some((e) => e.from === from && e.to === target)) continue;
      if (LAYER[to]! >= fromLayer) {
        out.push({
          file: where,
          line,
          spec,
          why: `${from} (layer ${fromLayer}) imports ${to} (layer ${LAYER[to]})`,
        });
      }
    }
  }
  return out;
}

describe("import layers", () => {
  it("every folder of src/ has a layer", () => {
    const folders = readdirSync(join(ROOT, "src")).filter((d) =>
      statSync(join(ROOT, "src", d)).isDirectory(),
    );
    expect(folders.filter((d) => LAYER[`src/${d}`] === undefined)).toEqual([]);
  });

  it("finds static, re-exported and dynamic imports", () => {
    const src = [
      'import { a } from "../kv/types.ts";',
      'export type { B } from "./b.ts";',
      'const m = await import("../../sim/main.ts");',
      'import "./side-effect.ts";',
      'import { readFileSync } from "node:fs";',
    ].join("\n");
    expect(relativeImports(src)).toEqual([
      { spec: "../kv/types.ts", line: 1 },
      { spec: "./b.ts", line: 2 },
      { spec: "../../sim/main.ts", line: 3 },
      { spec: "./side-effect.ts", line: 4 },
    ]);
  });

  it("every import points downward", () => {
    const found = violations().map((v) => `${v.file}: import "${v.spec}": ${v.why}`);
    expect(found).toEqual([]);
  });
});
