import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FIXTURES_ENV, fixtureFolder } from "./fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "deltasim-fixtures-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("fixtureFolder", () => {
  it("finds a folder holding the marker under the folder the setting names", () => {
    mkdirSync(join(root, "with", "elle-cases"), { recursive: true });
    writeFileSync(join(root, "with", "elle-cases", "expected.json"), "{}");
    const f = fixtureFolder("elle-cases", "expected.json", { [FIXTURES_ENV]: join(root, "with") });
    expect(f).toEqual({ found: true, dir: join(root, "with", "elle-cases") });
  });

  it("says why, naming the setting, when the folder is empty", () => {
    mkdirSync(join(root, "empty"), { recursive: true });
    const f = fixtureFolder("real-histories", "expected.json", { [FIXTURES_ENV]: join(root, "empty") });
    expect(f.found).toBe(false);
    if (!f.found) expect(f.reason).toContain(`${FIXTURES_ENV}=${join(root, "empty")}`);
  });

  it("defaults to ../shared beside the repository", () => {
    const f = fixtureFolder("no-such-fixtures", "expected.json", {});
    expect(f.found).toBe(false);
    if (!f.found) expect(f.reason).toMatch(/unset, default \.\.\/shared/);
  });
});
