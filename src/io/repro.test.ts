import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "./errors.ts";
import { formatJson, parseJson } from "./json.ts";
import { makeRepro, parseRepro, type Repro, readRepro, validateRepro, writeRepro } from "./repro.ts";
import { TOOL, VERSION } from "./version.ts";

function good(): Repro {
  return makeRepro({
    scenario: "list-append",
    variant: "read-set-pre-raft",
    knobs: { readSetBeforeRaft: true, compactionThreshold: 8 },
    seed: 42,
    tape: [3, 0, 17, 2],
    expected: { anomalyTypes: ["G-single-item"], historyHash: "9f2c4e0d51a7b3e8" },
    stats: { ops: 12, faults: 1 },
    createdBy: "sim fuzz",
  });
}

/** Runs `fn` and returns the InputError it throws. */
function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "deltasim-repro-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("version", () => {
  it("reads the package version", async () => {
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    expect(VERSION).toBe(pkg.version);
    expect(TOOL).toBe(`deltasim@${pkg.version}`);
  });
});

describe("validateRepro", () => {
  it("accepts a valid repro and keeps fields from later versions", () => {
    const r = { ...good(), futureField: [1, 2] };
    expect(validateRepro(r, "repro.json")).toEqual(r);
    const { tape: _t, ...seedOnly } = good();
    expect(validateRepro(seedOnly, "repro.json").seed).toBe(42);
    const { seed: _s, ...tapeOnly } = good();
    expect(validateRepro(tapeOnly, "repro.json").tape).toEqual([3, 0, 17, 2]);
  });

  it("names the wrong format version first", () => {
    const e = inputError(() =>
      validateRepro({ ...good(), format: "deltasim-repro/0", scenario: 3 }, "repro.json"),
    );
    expect(e.message).toBe(
      `repro.json: field 'format': expected "deltasim-repro/1", found "deltasim-repro/0" (written by ${TOOL})`,
    );
    expect(e.field).toBe("format");
    expect(e.file).toBe("repro.json");
    expect(e.exitCode).toBe(2);
  });

  it.each([
    [
      "variant",
      (r: Record<string, unknown>) => delete r.variant,
      "field 'variant': expected a non-empty string, found nothing",
    ],
    [
      "knobs",
      (r: Record<string, unknown>) => (r.knobs = [1]),
      "field 'knobs': expected an object of knob values, found an array of 1",
    ],
    [
      "seed",
      (r: Record<string, unknown>) => (r.seed = 1.5),
      "field 'seed': expected a non-negative integer below 2^53, found 1.5",
    ],
    [
      "tape[2]",
      (r: Record<string, unknown>) => (r.tape = [1, 2, "x"]),
      `field 'tape[2]': expected a number, found "x"`,
    ],
    [
      "expected.historyHash",
      (r: Record<string, unknown>) => (r.expected = { anomalyTypes: [] }),
      "field 'expected.historyHash': expected a non-empty string, found nothing",
    ],
    [
      "expected.anomalyTypes[1]",
      (r: Record<string, unknown>) => (r.expected = { anomalyTypes: ["G0", null], historyHash: "h" }),
      "field 'expected.anomalyTypes[1]': expected a string, found null",
    ],
    [
      "stats.ops",
      (r: Record<string, unknown>) => (r.stats = { ops: -1 }),
      "field 'stats.ops': expected a non-negative number, found -1",
    ],
    [
      "tool",
      (r: Record<string, unknown>) => (r.tool = "other@1"),
      `field 'tool': expected "deltasim@<version>", found "other@1"`,
    ],
  ])("reports a bad or missing %s", (field, mutate, message) => {
    const r = good() as unknown as Record<string, unknown>;
    mutate(r);
    const e = inputError(() => validateRepro(r, "x/repro.json"));
    expect(e.field).toBe(field);
    expect(e.message.startsWith(`x/repro.json: ${message}`)).toBe(true);
    expect(e.message).not.toContain("\n");
  });

  it("requires a seed or a tape", () => {
    const { seed: _s, tape: _t, ...neither } = good();
    expect(inputError(() => validateRepro(neither, "r.json")).message).toBe(
      "r.json: field 'seed': expected a seed or a 'tape' (or both), found neither",
    );
  });

  it("rejects a non-object", () => {
    expect(inputError(() => validateRepro([1], "r.json")).message).toBe(
      "r.json: expected a JSON object (a deltasim repro file), found an array of 1",
    );
  });
});

describe("malformed JSON", () => {
  it.each([
    ['{\n  "format": "deltasim-repro/1",\n  "seed": 4,\n}\n', 4, 1, "expected a property name"],
    ['{\n  "format": "deltasim-repro/1"\n  "seed": 4\n}', 3, 3, "expected ',' or '}'"],
    ['{"tape": [1, 2', 1, 15, "end of input"],
    ["", 1, 1, "expected a value, found end of input"],
    ['{"a": 1} x', 1, 10, "after the JSON value"],
    ['{"a": "b\u0001"}', 1, 9, "control character"],
  ])("names file, line and column: %j", (text, line, column, problem) => {
    const e = inputError(() => parseRepro(text, "bad.json"));
    expect(e.file).toBe("bad.json");
    expect([e.line, e.column]).toEqual([line, column]);
    expect(e.message).toMatch(
      new RegExp(`^bad\\.json:${line}:${column}: malformed JSON: .*${problem.replace(/[()[\]{}]/g, "\\$&")}`),
    );
    expect(e.message).not.toContain("\n");
  });

  it("parses what JSON.parse accepts", () => {
    expect(parseJson('{"a": [1, {"b": null}]}', "f")).toEqual({ a: [1, { b: null }] });
  });
});

describe("readRepro / writeRepro", () => {
  it("round-trips through a file, keeping scalar arrays on one line", async () => {
    const p = join(dir, "repro.json");
    await writeRepro(p, good());
    expect(await readRepro(p)).toEqual(good());
    const text = await readFile(p, "utf8");
    expect(text).toContain('"tape": [3,0,17,2]');
    expect(text.endsWith("}\n")).toBe(true);
    expect(JSON.parse(text)).toEqual(good());
  });

  it("refuses to write an invalid repro", async () => {
    const p = join(dir, "never.json");
    await expect(writeRepro(p, { ...good(), scenario: "" })).rejects.toThrow(InputError);
    await expect(readFile(p)).rejects.toThrow();
  });

  it("turns a missing file or a malformed one into an InputError", async () => {
    await expect(readRepro(join(dir, "missing.json"))).rejects.toThrow(
      /missing\.json: cannot read: no such file/,
    );
    const p = join(dir, "truncated.json");
    await writeFile(p, formatJson(good()).slice(0, 60));
    await expect(readRepro(p)).rejects.toMatchObject({ name: "InputError", file: p, line: 3 });
  });
});
