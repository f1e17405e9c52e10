/**
 * Real Jepsen histories of real databases (shared/real-histories) with Elle's verdicts under
 * strict-serializable and serializable, including "unknown" for the one where every txn is info.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkHistory, parseHistory } from "./index.ts";

const dir = new URL("../../../shared/real-histories/", import.meta.url);

interface Expected {
  valid: boolean | "unknown";
  anomaly_types: string[];
  ops: number;
  serializable?: { valid: boolean | "unknown"; anomaly_types: string[] };
}

const expected = JSON.parse(readFileSync(new URL("expected.json", dir), "utf8")) as Record<string, Expected>;

describe("real Jepsen histories", () => {
  for (const [file, e] of Object.entries(expected)) {
    it(`${file}: ${e.valid}`, () => {
      const history = parseHistory(readFileSync(new URL(file, dir), "utf8"));
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
