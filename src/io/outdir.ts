/**
 * Where a command writes its folder, without ever replacing an earlier result. Default folder names
 * are deterministic (the same campaign twice gets the same name), so a rerun would otherwise write
 * over the repros of the first run. The rules:
 * - a default folder that already holds something gets a fresh suffix (`…-2`, `…-3`, …), claimed
 *   with an exclusive mkdir so that two commands started together never share one;
 * - a folder named with `--out` must not exist or be empty; otherwise the command stops with an
 *   input error naming `--out` and `--force` (exit 2);
 * - `--force` writes into a named folder that holds something (the caller decides what to clear).
 */
import { mkdir, readdir } from "node:fs/promises";
import { dirname } from "node:path";
import { InputError } from "./errors.ts";

export interface OutDirRequest {
  /** The folder given with `--out`, if any. */
  out?: string;
  /** The folder used without `--out`. */
  defaultDir: string;
  force?: boolean;
  /** How the command names its folder flag in messages (default `--out`). */
  flag?: string;
}

export interface OutDir {
  dir: string;
  /** The default folder was taken and a suffixed one was used instead. */
  renamedFrom?: string;
  /** `--force` was used on a folder that already held something. */
  reused?: boolean;
}

async function entries(dir: string): Promise<string[] | undefined> {
  try {
    return await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if ((e as NodeJS.ErrnoException).code === "ENOTDIR") {
      throw new InputError({ file: dir, expected: "a folder to write results into", found: "a file" });
    }
    throw e;
  }
}

/** Creates `dir` only if it does not exist yet; false if something is already there. */
async function mkdirExclusive(dir: string): Promise<boolean> {
  try {
    await mkdir(dir);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
}

export async function claimOutDir(req: OutDirRequest): Promise<OutDir> {
  if (req.out !== undefined) return claimNamedDir(req.out, req.force, req.flag);
  await mkdir(dirname(req.defaultDir), { recursive: true });
  for (let n = 1; ; n++) {
    const dir = n === 1 ? req.defaultDir : `${req.defaultDir}-${n}`;
    // Even an empty folder is passed over: another command may have just claimed it.
    if (await mkdirExclusive(dir)) return n === 1 ? { dir } : { dir, renamedFrom: req.defaultDir };
  }
}

/** A folder the user named: used if new or empty, refused if it holds anything unless forced. */
export async function claimNamedDir(out: string, force = false, flag = "--out"): Promise<OutDir> {
  const found = await entries(out);
  if (found === undefined || found.length === 0) {
    await mkdir(out, { recursive: true });
    return { dir: out };
  }
  if (force) return { dir: out, reused: true };
  throw new InputError({
    file: out,
    problem: `already holds results (${found.length} entr${found.length === 1 ? "y" : "ies"}); name a new folder with ${flag}, or add --force to write into this one`,
  });
}
