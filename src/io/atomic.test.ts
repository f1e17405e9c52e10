import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureDir, writeFileAtomic, writeFileAtomicSync } from "./atomic.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "deltasim-atomic-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function* failingChunks(): Generator<string> {
  yield "new first half\n";
  throw new Error("serializer crashed");
}

describe.each([
  ["async", writeFileAtomic],
  ["sync", async (p: string, d: Parameters<typeof writeFileAtomicSync>[1]) => writeFileAtomicSync(p, d)],
] as const)("writeFileAtomic (%s)", (_name, write) => {
  it("writes strings, bytes and chunks", async () => {
    const p = join(dir, "out.txt");
    await write(p, "hello");
    expect(await readFile(p, "utf8")).toBe("hello");
    await write(p, new TextEncoder().encode("bytes"));
    expect(await readFile(p, "utf8")).toBe("bytes");
    await write(p, ["a", new TextEncoder().encode("b"), "c\u00e9"]);
    expect(await readFile(p, "utf8")).toBe("abc\u00e9");
    expect(await readdir(dir)).toEqual(["out.txt"]);
  });

  it("leaves the old file intact and no temp file when writing fails midway", async () => {
    const p = join(dir, "summary.json");
    await writeFile(p, "old complete content");
    await expect(write(p, failingChunks())).rejects.toThrow("serializer crashed");
    expect(await readFile(p, "utf8")).toBe("old complete content");
    expect(await readdir(dir)).toEqual(["summary.json"]);
  });

  it("creates no file at all when the first write fails", async () => {
    const p = join(dir, "repro.json");
    await expect(write(p, failingChunks())).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });

  it("cleans up when the rename fails", async () => {
    const target = join(dir, "taken");
    await ensureDir(join(target, "child"));
    await expect(write(target, "x")).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(["taken"]);
  });
});

describe("ensureDir", () => {
  it("creates nested directories and accepts existing ones", async () => {
    const d = join(dir, "a", "b", "c");
    await ensureDir(d);
    await ensureDir(d);
    await writeFileAtomic(join(d, "f"), "ok");
    expect(await readFile(join(d, "f"), "utf8")).toBe("ok");
  });
});
