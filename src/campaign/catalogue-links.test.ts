/**
 * The variant ↔ scenario link is stated once, in the variants table (src/redis/variants.ts): every
 * scenario it names exists and says what its bug looks like, and every scenario written for a bug
 * is linked from some variant, so that the catalogue tests sweep it under `fixed`.
 */
import { describe, expect, it } from "vitest";
import { variants } from "../redis/variants.ts";
import { scenarioVariants, variantScenarios } from "./catalog.ts";
import { loadBuiltinScenarios } from "./scenarios.ts";

describe("variant ↔ scenario links", async () => {
  const builtin = new Map((await loadBuiltinScenarios()).map((l) => [l.ref, l.scenario]));

  it("every linked scenario is a built-in one that names its bug and the anomalies to expect", () => {
    for (const v of variants) {
      for (const name of variantScenarios(v.name)) {
        const s = builtin.get(name);
        expect(s, `${v.name} → ${name}`).toBeDefined();
        expect(s?.bug?.expect.length ?? 0, `${name} declares no bug.expect`).toBeGreaterThan(0);
      }
    }
    expect(variantScenarios("fixed")).toEqual([]);
  });

  it("every scenario written for a bug is linked from a variant, read back the same way", () => {
    for (const [name, s] of builtin) {
      if (s.bug === undefined) continue;
      const linked = scenarioVariants(name);
      expect(linked.length, `${name} (${s.bug.id}) is linked from no variant`).toBeGreaterThan(0);
      for (const v of linked) expect(variantScenarios(v)).toContain(name);
    }
  });
});
