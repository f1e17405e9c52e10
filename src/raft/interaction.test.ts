/**
 * Data-driven Raft tests: each src/raft/testdata/*.txt script drives a few `RaftNode`s through
 * the commands of src/raft/interaction.ts and holds, under each command, the output it must
 * print. A change in behaviour therefore shows up as a text diff against these golden outputs.
 *
 * After an intended behaviour change, rewrite the golden outputs and review them as a diff:
 *
 *     RAFT_REWRITE=1 npx vitest run src/raft/interaction.test.ts
 *     git diff src/raft/testdata
 *
 * (A new script can be written with empty outputs — the command, then `----`, then a blank line —
 * and filled in the same way.)
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type Command, parseScript, renderScript, ScriptError } from "./datadriven.ts";
import { type Args, InteractionEnv } from "./interaction.ts";

const DIR = fileURLToPath(new URL("./testdata", import.meta.url));
const REWRITE = process.env.RAFT_REWRITE === "1";

function toArgs(cmd: Command): Args {
  const words: string[] = [];
  const kv = new Map<string, string>();
  for (const a of cmd.args) {
    if (a.value === undefined) words.push(a.key);
    else kv.set(a.key, a.value);
  }
  return { words, kv };
}

function run(env: InteractionEnv, cmd: Command, where: string): string {
  try {
    return env.handle(cmd.name, toArgs(cmd));
  } catch (e) {
    throw new ScriptError(`${where}: ${cmd.text}: ${(e as Error).message}`);
  }
}

const scripts = readdirSync(DIR)
  .filter((f) => f.endsWith(".txt"))
  .sort();

describe("raft data-driven scripts", () => {
  it("finds scripts", () => {
    expect(scripts.length).toBeGreaterThan(0);
  });

  for (const file of scripts) {
    it(file, () => {
      const path = join(DIR, file);
      const chunks = parseScript(readFileSync(path, "utf8"), file);
      const env = new InteractionEnv();
      const outputs: string[] = [];
      for (const c of chunks) {
        if (c.kind !== "command") continue;
        const where = `${file}:${c.cmd.line}`;
        const out = run(env, c.cmd, where);
        outputs.push(out);
        if (!REWRITE) expect(out, `${where}: ${c.cmd.text}`).toBe(c.cmd.expected);
      }
      if (REWRITE) {
        const tmp = `${path}.tmp`;
        writeFileSync(tmp, renderScript(chunks, outputs));
        renameSync(tmp, path);
      }
    });
  }
});

describe("script format", () => {
  it("round-trips comments, blank lines and outputs", () => {
    const text = "# c\n\ncmd 1 k=v\n----\nline a\nline b\n\nother\n----\nok\n";
    const chunks = parseScript(text, "t.txt");
    const cmds = chunks.flatMap((c) => (c.kind === "command" ? [c.cmd] : []));
    expect(cmds.map((c) => [c.line, c.name, c.expected])).toEqual([
      [3, "cmd", "line a\nline b"],
      [8, "other", "ok"],
    ]);
    expect(cmds[0].args).toEqual([
      { key: "1", value: undefined },
      { key: "k", value: "v" },
    ]);
    expect(renderScript(chunks, ["line a\nline b", "ok"])).toBe(text);
  });

  it("names the line of a command without a separator", () => {
    expect(() => parseScript("cmd\nnot a separator\n", "t.txt")).toThrow("t.txt:2:");
  });

  it("reports an unknown command with its file and line", () => {
    const env = new InteractionEnv();
    const [c] = parseScript("frobnicate 1\n----\nok\n", "t.txt");
    if (c.kind !== "command") throw new Error("expected a command");
    expect(() => run(env, c.cmd, "t.txt:1")).toThrow('t.txt:1: frobnicate 1: unknown command "frobnicate"');
  });

  it("rejects an option the command does not take", () => {
    const [c] = parseScript("add-nodes 3 prevot=false\n----\nok\n", "t.txt");
    if (c.kind !== "command") throw new Error("expected a command");
    expect(() => run(new InteractionEnv(), c.cmd, "t.txt:1")).toThrow('add-nodes: unknown option "prevot"');
  });
});
