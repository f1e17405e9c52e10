/**
 * The module a fuzz or shrink worker thread loads: the worker and the whole simulator as one
 * precompiled file, instead of tsx compiling and loading each of about a hundred source files again
 * in every thread (seconds per worker, the campaign's start-up). It is built with esbuild (already
 * what tsx compiles with) on first use into `node_modules/.cache/deltasim/`, outside any run, and
 * reused while every file that went into it is unchanged: its manifest keeps a content hash of each.
 * A fresh clone needs no build step; a source edit costs one rebuild, in the next campaign.
 *
 * Anything that goes wrong here (a read-only install, a failed build) only costs speed: the workers
 * then load the sources through tsx as before.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = fileURLToPath(new URL("./worker.ts", import.meta.url));
const CACHE_DIR = join(ROOT, "node_modules", ".cache", "deltasim");
/** One manifest per checkout: checkouts that share a node_modules (a link) keep their own. */
const MANIFEST = join(CACHE_DIR, `worker-${digest(ROOT).slice(0, 12)}.json`);

interface Manifest {
  /** Node and esbuild versions the bundle was built with. */
  node: string;
  esbuild: string;
  /** The bundle's file name in the cache folder. */
  bundle: string;
  /** Every input file (relative to the package root) with the hash of its content. */
  inputs: Record<string, string>;
}

/** The bundle's path, built now if missing or stale; undefined when it cannot be had. */
export async function workerBundle(): Promise<string | undefined> {
  try {
    const esbuild = loadEsbuild();
    const old = readManifest();
    if (old !== undefined && isCurrent(old, esbuild.version)) return join(CACHE_DIR, old.bundle);
    const fresh = await build(esbuild);
    writeAtomic(MANIFEST, JSON.stringify(fresh));
    // A campaign of this same checkout that read the old manifest falls back to the sources.
    if (old !== undefined && old.bundle !== fresh.bundle)
      rmSync(join(CACHE_DIR, old.bundle), { force: true });
    return join(CACHE_DIR, fresh.bundle);
  } catch (e) {
    if (process.env.DELTASIM_DEBUG === "1") console.error(e);
    return undefined;
  }
}

/** The bundle's path if one is there and current (no build); else undefined. */
export function currentWorkerBundle(): string | undefined {
  try {
    const old = readManifest();
    return old !== undefined && isCurrent(old, loadEsbuild().version)
      ? join(CACHE_DIR, old.bundle)
      : undefined;
  } catch {
    return undefined;
  }
}

type Esbuild = typeof import("esbuild");

function loadEsbuild(): Esbuild {
  return createRequire(import.meta.url)("esbuild") as Esbuild;
}

function digest(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

function readManifest(): Manifest | undefined {
  if (!existsSync(MANIFEST)) return undefined;
  try {
    return JSON.parse(readFileSync(MANIFEST, "utf8")) as Manifest;
  } catch {
    return undefined;
  }
}

function isCurrent(m: Manifest, esbuildVersion: string): boolean {
  if (m.node !== process.version || m.esbuild !== esbuildVersion) return false;
  if (!existsSync(join(CACHE_DIR, m.bundle))) return false;
  for (const [file, hash] of Object.entries(m.inputs)) {
    const path = join(ROOT, file);
    if (!existsSync(path) || digest(readFileSync(path)) !== hash) return false;
  }
  return true;
}

async function build(esbuild: Esbuild): Promise<Manifest> {
  const r = await esbuild.build({
    entryPoints: [ENTRY],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Packages stay imports: the cache folder sits inside node_modules' parent, so they resolve.
    packages: "external",
    // Stacks of a run that threw still name the source files and lines.
    sourcemap: "inline",
    metafile: true,
    write: false,
    logLevel: "silent",
    plugins: [keepModuleUrls],
  });
  const out = r.outputFiles[0];
  if (out === undefined) throw new Error("esbuild wrote nothing");
  const bundle = `worker-${digest(Buffer.from(out.contents)).slice(0, 16)}.mjs`;
  mkdirSync(CACHE_DIR, { recursive: true });
  if (!existsSync(join(CACHE_DIR, bundle))) writeAtomic(join(CACHE_DIR, bundle), out.contents);
  const inputs: Record<string, string> = {};
  for (const file of Object.keys(r.metafile.inputs)) inputs[file] = digest(readFileSync(join(ROOT, file)));
  return { node: process.version, esbuild: esbuild.version, bundle, inputs };
}

/**
 * Each source module finds files next to it (the scenarios folder, package.json) from its own
 * `import.meta.url`; in one bundle they would all get the bundle's, so each keeps its own.
 */
const keepModuleUrls = {
  name: "keep-module-urls",
  setup(b: import("esbuild").PluginBuild): void {
    b.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      if (args.path.includes("/node_modules/")) return undefined;
      const text = readFileSync(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const contents = text.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href));
      return { contents, loader: args.path.endsWith("ts") ? "ts" : "js" };
    });
  },
};

function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
