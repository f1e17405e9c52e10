/**
 * The deterministic core must not read wall clocks, real timers, real randomness, the environment
 * or the file system, and must not start threads or processes: one run has to be a pure function
 * of (scenario, variant, seed or tape). This scans the core's sources (not its tests) and lists
 * every offending line. Comments are ignored, so prose may name the forbidden APIs.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");

const CORE = ["engine", "raft", "mvcc", "kv", "redis", "cluster", "workload", "check", "shrink"].map((d) =>
  join(ROOT, "src", d),
);

const MODULES = String.raw`(?:node:)?(?:fs|fs\/promises|worker_threads|child_process)`;

const RULES: Array<[RegExp, string]> = [
  [/\bMath\s*\.\s*random\b/, "Math.random"],
  [/\bDate\s*\.\s*now\b/, "Date.now"],
  [/\bperformance\s*\.\s*now\b/, "performance.now"],
  [/\bsetTimeout\b/, "setTimeout"],
  [/\bsetInterval\b/, "setInterval"],
  [/\bsetImmediate\b/, "setImmediate"],
  [/\bprocess\s*\.\s*env\b/, "process.env"],
  [/\bprocess\s*\.\s*hrtime\b/, "process.hrtime"],
  [/\bnew\s+Date\s*\(/, "new Date("],
  [new RegExp(String.raw`\bfrom\s*["']${MODULES}["']`), "import of a forbidden module"],
  [new RegExp(String.raw`\bimport\s*["']${MODULES}["']`), "import of a forbidden module"],
  [new RegExp(String.raw`\bimport\s*\(\s*["']${MODULES}["']\s*\)`), "import of a forbidden module"],
  [new RegExp(String.raw`\brequire\s*\(\s*["']${MODULES}["']\s*\)`), "require of a forbidden module"],
];

/**
 * Blanks out comments (keeping line breaks, so line numbers stay right) while leaving string and
 * template literals intact, since module names live in strings. Regex literals are not parsed: a
 * quote or `//` inside one can at worst hide the rest of that one line.
 */
function stripComments(src: string): string {
  let out = "";
  let i = 0;
  const n = src.length;
  // Brace depth of each open `${` inside template literals, innermost last.
  const templates: number[] = [];
  let depth = 0;
  while (i < n) {
    const c = src[i];
    const d = src[i + 1];
    if (c === "/" && d === "/") {
      while (i < n && src[i] !== "\n") i++;
    } else if (c === "/" && d === "*") {
      i += 2;
      while (i < n && !(src[i] === "*" && src[i + 1] === "/")) {
        if (src[i] === "\n") out += "\n";
        i++;
      }
      i += 2;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== "\n") j += src[j] === "\\" ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else if (
      c === "`" ||
      (c === "}" && templates.length > 0 && templates[templates.length - 1] === depth)
    ) {
      // Start of a template, or the end of a `${…}` that resumes one: copy up to `${` or the closing backtick.
      if (c === "}") templates.pop();
      let j = i + 1;
      while (j < n && src[j] !== "`" && !(src[j] === "$" && src[j + 1] === "{")) j += src[j] === "\\" ? 2 : 1;
      if (j < n && src[j] === "$") {
        templates.push(depth);
        out += src.slice(i, j + 2);
        i = j + 2;
      } else {
        out += src.slice(i, j + 1);
        i = j + 1;
      }
    } else {
      if (c === "{") depth++;
      else if (c === "}") depth--;
      out += c;
      i++;
    }
  }
  return out;
}

/** Every forbidden use in one source text, as { line, rule, text }. */
function scanSource(src: string): Array<{ line: number; rule: string; text: string }> {
  const hits: Array<{ line: number; rule: string; text: string }> = [];
  const original = src.split("\n");
  stripComments(src)
    .split("\n")
    .forEach((code, idx) => {
      for (const [re, rule] of RULES) {
        if (re.test(code)) hits.push({ line: idx + 1, rule, text: (original[idx] ?? code).trim() });
      }
    });
  return hits;
}

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return []; // the folder does not exist yet
  }
  const files: string[] = [];
  for (const name of entries.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files.push(...sourceFiles(p));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) files.push(p);
  }
  return files;
}

describe("determinism guard", () => {
  it("the deterministic core uses no wall clock, timers, real randomness, environment, files or threads", () => {
    const problems: string[] = [];
    let scanned = 0;
    for (const dir of CORE) {
      for (const file of sourceFiles(dir)) {
        scanned++;
        for (const h of scanSource(readFileSync(file, "utf8"))) {
          problems.push(`${relative(ROOT, file)}:${h.line}: ${h.rule}: ${h.text}`);
        }
      }
    }
    expect(scanned).toBeGreaterThan(0);
    expect(problems, `forbidden uses in the deterministic core:\n${problems.join("\n")}`).toEqual([]);
  });

  it("self-test: the scanner flags planted uses and ignores comments", () => {
    const sample = [
      "const r = Math.random();", // 1
      "// Math.random and Date.now in a comment are fine", // 2
      'import { readFileSync } from "node:fs";', // 3
      "const t = Date.now() + performance.now();", // 4
      "/* setTimeout(f, 1)", // 5
      "   still a comment: process.env */ const ok = 1;", // 6
      "setTimeout(() => {}, 5); setInterval(f, 1); setImmediate(f);", // 7
      "const e = process.env.HOME; const h = process.hrtime();", // 8
      "const d = new Date(0);", // 9
      'const w = await import("worker_threads"); const c = require("child_process");', // 10
      'import * as fsp from "fs/promises";', // 11
      // A template literal with "//" and "*/" inside, and code in its placeholder.
      "const s = `url: http://x // $" + "{Math.random()} */`;", // 12
      "const myDate = { now: 1 }; myDate.now; const dateNow = 2;", // 13
      'import "node:fs";', // 14
    ].join("\n");
    const hits = scanSource(sample);
    const byLine = (l: number) =>
      hits
        .filter((h) => h.line === l)
        .map((h) => h.rule)
        .sort();
    expect(byLine(1)).toEqual(["Math.random"]);
    expect(byLine(2)).toEqual([]);
    expect(byLine(3)).toEqual(["import of a forbidden module"]);
    expect(byLine(4)).toEqual(["Date.now", "performance.now"]);
    expect(byLine(5)).toEqual([]);
    expect(byLine(6)).toEqual([]);
    expect(byLine(7)).toEqual(["setImmediate", "setInterval", "setTimeout"]);
    expect(byLine(8)).toEqual(["process.env", "process.hrtime"]);
    expect(byLine(9)).toEqual(["new Date("]);
    expect(byLine(10)).toEqual(["import of a forbidden module", "require of a forbidden module"]);
    expect(byLine(11)).toEqual(["import of a forbidden module"]);
    expect(byLine(12)).toEqual(["Math.random"]);
    expect(byLine(13)).toEqual([]);
    expect(byLine(14)).toEqual(["import of a forbidden module"]);
  });
});
