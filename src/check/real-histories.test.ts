/**
 * Real Jepsen histories of real databases with Elle's verdicts under strict-serializable and
 * serializable, including "unknown" for the one where every txn is info. They are not part of this
 * repository: found through DELTASIM_FIXTURES (src/io/fixtures.ts), skipped with the reason if absent.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureFolder } from "../io/fixtures.ts";
import { checkHistory, parseHistory } from "./index.ts";

const fixtures = fixtureFolder("real-histories");
const dir = fixtures.found ? fixtures.dir : "";

interface Expected {
  valid: boolean | "unknown";
  anomaly_types: string[];
  ops: number;
  serializable?: { valid: boolean | "unknown"; anomaly_types: string[] };
}

const expected: Record<string, Expected> = fixtures.found
  ? JSON.parse(readFileSync(join(dir, "expected.json"), "utf8"))
  : {};

if (!fixtures.found) {
  // The title carries the reason into every reporter; the line on stderr shows it in the default one.
  const title = `real Jepsen histories — skipped: ${fixtures.reason}`;
  console.warn(title);
  describe.skip(title, () => it("checks each history against Elle's verdict", () => {}));
}

describe.runIf(fixtures.found)("real Jepsen histories", () => {
  for (const [file, e] of Object.entries(expected)) {
    it(`${file}: ${e.valid}`, () => {
      const history = parseHistory(readFileSync(join(dir, file), "utf8"));
      expect(history.length).toBe(e.ops);
      const strict = checkHistory(history);
      expect(strict.valid).toBe(e.valid);
      expect(strict.anomalyTypes).toEqual(e.anomaly_types);
      if (e.serializable !== undefined) {
        const ser = checkHistory(history, { model: "serializable" });
        expect(ser.valid).toBe(e.serializable.valid);
        expect(ser.anomalyTypes).toEqual(e.serializable.anomaly_types);
      }
    });
  }
});
