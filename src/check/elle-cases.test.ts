/**
 * Elle's own list-append test cases (and a few hand-built ones), each with the verdict and anomaly
 * set Elle reported under the models and anomalies it was asked about. They are not part of this
 * repository: found through DELTASIM_FIXTURES (src/io/fixtures.ts), skipped with the reason if absent.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureFolder } from "../io/fixtures.ts";
import { checkHistory, parseHistory } from "./index.ts";
import { OWN_ANOMALIES } from "./models.ts";

const fixtures = fixtureFolder("elle-cases");
const dir = fixtures.found ? fixtures.dir : "";

interface Expected {
  models: string[];
  anomaliesRequested: string[];
  elleValid: boolean | "unknown";
  elleAnomalyTypes: string[];
}

const expected: Record<string, Expected> = fixtures.found
  ? JSON.parse(readFileSync(join(dir, "expected.json"), "utf8"))
  : {};

/**
 * Where this checker reports more than Elle, and why Elle is the one that is short.
 *
 * sim-prefix: the component holding Elle's G0 cycle also holds a G-single-item cycle, e.g.
 * op 51 read key 8 = [1 2 3 4 6 7], which did not yet contain 8, appended by op 31 (rw); op 31 →
 * op 43 → op 55 → op 57 → op 62 → op 51 are ww edges on key 9 (13, 14, 17, 18, 22, 26, then the
 * unobserved 19). Every pair on it carries a single dependency, so by Elle's own classification it
 * is G-single-item. Elle's breadth-first search returns the first loop it meets and gives the type
 * up when that loop explains as another class (there, a pair with both ww and rw edges explains as
 * ww); this checker searches for a cycle of the type itself, so it finds one.
 */
const disagreements: Record<string, { extra: string[] }> = {
  "sim-prefix": { extra: ["G-single-item"] },
};

if (!fixtures.found) {
  // The title carries the reason into every reporter; the line on stderr shows it in the default one.
  const title = `Elle's list-append cases — skipped: ${fixtures.reason}`;
  console.warn(title);
  describe.skip(title, () => it("checks each history against Elle's verdict", () => {}));
}

describe.runIf(fixtures.found)("Elle's list-append cases", () => {
  for (const [name, e] of Object.entries(expected)) {
    it(`${name}: ${e.elleValid} ${JSON.stringify(e.elleAnomalyTypes)}`, () => {
      const history = parseHistory(readFileSync(join(dir, `${name}.edn`), "utf8"));
      const res = checkHistory(history, { models: e.models, anomalies: e.anomaliesRequested });
      const want = [...e.elleAnomalyTypes, ...(disagreements[name]?.extra ?? [])].sort();
      expect(res.valid).toBe(e.elleValid);
      // Our own classes (lost-append…) name the same facts again in words Elle does not have.
      expect(res.anomalyTypes.filter((t) => !OWN_ANOMALIES.includes(t))).toEqual(want);
      for (const a of res.anomalies) expect(a.explanation.length).toBeGreaterThan(20);
    });
  }
});
