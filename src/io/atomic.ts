/**
 * Atomic file writes. Campaigns are killed (Ctrl-C, a pod evicted, a CI timeout) at arbitrary
 * moments, and a half-written repro or summary.json is worse than none: `sim replay` and `sim merge`
 * would reject it, or worse, accept a truncated tape. So every output is written to a temporary file
 * in the same directory (rename is only atomic within one file system), flushed with fsync, and then
 * renamed over the target. Readers see the old file or the new one, never a mix.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { mkdirSync } from "node:fs";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * What can be written: one string or buffer, or chunks (so that a 100 MB history can be streamed line
 * by line instead of being joined into one string first). If the iterable throws, the target is left
 * untouched.
 */
export type AtomicData = string | Uint8Array | Iterable<string | Uint8Array>;

export interface AtomicWriteOptions {
  /** File mode for a new file (default 0o644). */
  mode?: number;
}

function tempPathFor(path: string): string {
  // Dot-prefixed and pid-tagged so that concurrent writers (worker threads, shards sharing a volume)
  // never collide, and a leftover from a killed process is recognisable.
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

function chunksOf(data: AtomicData): Iterable<string | Uint8Array> {
  return typeof data === "string" || data instanceof Uint8Array ? [data] : data;
}

/** Writes `data` to `path` atomically (temp file, fsync, rename). Creates no directories. */
export async function writeFileAtomic(
  path: string,
  data: AtomicData,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const tmp = tempPathFor(path);
  const handle = await open(tmp, "wx", options.mode ?? 0o644);
  let renamed = false;
  try {
    try {
      // writeFile (unlike write) loops until every byte is written, continuing at the current position.
      for (const chunk of chunksOf(data)) await handle.writeFile(chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    renamed = true;
    await syncDir(dirname(path));
  } finally {
    if (!renamed) await unlink(tmp).catch(() => {});
  }
}

/** Synchronous twin of `writeFileAtomic`, for exit paths (Ctrl-C handlers) that cannot await. */
export function writeFileAtomicSync(path: string, data: AtomicData, options: AtomicWriteOptions = {}): void {
  const tmp = tempPathFor(path);
  const fd = fs.openSync(tmp, "wx", options.mode ?? 0o644);
  let renamed = false;
  try {
    try {
      for (const chunk of chunksOf(data)) fs.writeFileSync(fd, chunk);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path);
    renamed = true;
    syncDirSync(dirname(path));
  } finally {
    if (!renamed) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        // Already gone: nothing to clean up.
      }
    }
  }
}

/** Makes the rename durable across a power cut; not every platform can fsync a directory. */
async function syncDir(dir: string): Promise<void> {
  try {
    const h = await open(dir, "r");
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Windows and some network file systems refuse; the rename itself is still atomic there.
  }
}

function syncDirSync(dir: string): void {
  try {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // See syncDir.
  }
}

/** `mkdir -p`. */
export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

export function ensureDirSync(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
