/**
 * Writes every output of the checker on a fixed set of histories to a folder, one file per
 * output, so that two trees can be compared byte for byte (`diff -r`): `sim check`'s text and
 * `--json` output (wall time masked) and exit code under seven models, for the Elle cases, the
 * real histories and generated ones (valid list-append histories of 20k and 100k ops and dense
 * anomalous ones with and without LLEN keys, in EDN and JSONL); and `checkHistory`'s whole result
 * on each Elle case under the models and anomalies of its expected.json.
 *
 *   node --import tsx scripts/checker-outputs.ts --gen DIR                      # write the generated histories once
 *   node --import tsx scripts/checker-outputs.ts --gen DIR --root TREE --out OUT  # the outputs of TREE's checker
 *
 * `--root` is the tree whose checker runs (default: this one), so one copy of this script serves
 * an older checkout too. The Elle cases and real histories come from DELTASIM_FIXTURES' folders
 * (src/io/fixtures.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { generateHistory } from "../bench/checker.ts";
import { generateDenseHistory } from "../bench/dense.ts";
import { historyToEdn, historyToJsonl } from "../src/check/index.ts";
import { fixtureFolder } from "../src/io/fixtures.ts";

const MODELS = [
  "strict-serializable",
  "serializable",
  "snapshot-isolation",
  "repeatable-read",
  "read-committed",
  "read-uncommitted",
  "strong-session-serializable",
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The generated histories, written once so that both trees read the very same files. */
function generate(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const size of [20_000, 100_000])
    for (const format of ["edn", "jsonl"] as const) {
      const file = join(dir, `valid-${size}.${format}`);
      if (!existsSync(file)) generateHistory(file, size, format, 7);
    }
  for (const snapshotIsolation of [false, true])
    for (const lenKeys of [0, 0.5]) {
      const h = generateDenseHistory({ txns: 2_000, seed: 3, snapshotIsolation, lenKeys });
      const name = `dense-${snapshotIsolation ? "si" : "rc"}-${lenKeys > 0 ? "len" : "nolen"}`;
      writeFileSync(join(dir, `${name}.edn`), historyToEdn(h));
      writeFileSync(join(dir, `${name}.jsonl`), historyToJsonl(h));
    }
}

function historyFiles(dir: string, ext: RegExp): string[] {
  return readdirSync(dir)
    .filter((f) => ext.test(f))
    .sort()
    .map((f) => join(dir, f));
}

async function outputs(root: string, genDir: string, out: string): Promise<number> {
  const imp = (p: string) => import(pathToFileURL(join(root, p)).href);
  const { checkCommand } = await imp("src/campaign/check.ts");
  const { makeIO } = await imp("src/campaign/cli-io.ts");
  const { checkHistory, parseHistory } = await imp("src/check/index.ts");
  mkdirSync(out, { recursive: true });
  const elle = fixtureFolder("elle-cases");
  const real = fixtureFolder("real-histories");
  const files = [
    ...(elle.found ? historyFiles(elle.dir, /\.edn$/) : []),
    ...(real.found ? historyFiles(real.dir, /\.edn$/) : []),
    ...historyFiles(genDir, /\.(edn|jsonl)$/),
  ];
  let n = 0;
  for (const file of files) {
    const base = file.split("/").pop()!;
    for (const model of MODELS)
      for (const json of [false, true]) {
        let text = "";
        const writer = { write: (s: string) => (text += s) };
        let code: number;
        try {
          code = await checkCommand(
            file,
            { model, json },
            makeIO({ json }, writer, writer, { NO_COLOR: "1" }),
          );
        } catch (e) {
          code = -1;
          text += `threw: ${e instanceof Error ? e.message : String(e)}\n`;
        }
        const masked = text
          .replace(/"wallMs": [0-9.]+/, '"wallMs": X')
          .replace(/^ {2}[0-9.]+ ms$/m, "  X ms");
        writeFileSync(join(out, `${base}.${model}.${json ? "json" : "txt"}`), `exit ${code}\n${masked}`);
        n++;
      }
  }
  if (elle.found) {
    const expected = JSON.parse(readFileSync(join(elle.dir, "expected.json"), "utf8"));
    for (const [name, e] of Object.entries(expected) as [
      string,
      { models: string[]; anomaliesRequested: string[] },
    ][]) {
      const history = parseHistory(readFileSync(join(elle.dir, `${name}.edn`), "utf8"));
      const res = checkHistory(history, { models: e.models, anomalies: e.anomaliesRequested });
      writeFileSync(join(out, `${name}.checkHistory.json`), `${JSON.stringify(res, null, 1)}\n`);
      n++;
    }
  }
  return n;
}

const genDir = arg("gen");
if (genDir === undefined) {
  console.error("usage: checker-outputs.ts --gen DIR [--root TREE --out OUT]");
  process.exit(2);
}
generate(genDir);
const out = arg("out");
if (out !== undefined) {
  const n = await outputs(resolve(arg("root") ?? "."), genDir, out);
  console.log(`${n} outputs written to ${out}`);
}
