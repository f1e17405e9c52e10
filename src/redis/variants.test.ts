import { describe, expect, it } from "vitest";
import { defaultKvKnobs } from "../kv/knobs.ts";
import { defaultRedisKnobs, redisKnobDescriptions } from "./knobs.ts";
import { variants } from "./variants.ts";

const DESIGN_VARIANTS = [
  "fixed",
  "head",
  "pr485",
  "multi-reads-base-meta",
  "multi-double-count",
  "start-ts-base-meta-only",
  "start-ts-clock-next",
  "snapshot-ts-hlc-current",
  "read-set-pre-raft",
  "multi-lrange-no-read-key",
  "stale-claim-on-push",
  "head-past-gap",
  "pop-push-same-end",
  "del-truncated-scan",
  "del-unfenced",
  "compactor-deletes-empty-meta",
  "lazy-tombstone-reap",
  "hlc-no-apply-observe",
  "null-separator",
  "retry-recompute",
  "reuse-past-tail",
  "read-before-catch-up",
  "no-wide-fence",
  "len-clamp",
];

describe("variants", () => {
  it("are exactly docs/catalogue.md's, each named once, then the findings' variants", () => {
    const names = variants.map((v) => v.name);
    expect(names.filter((n) => !n.startsWith("finding-"))).toEqual(DESIGN_VARIANTS);
    expect(new Set(names).size).toBe(names.length);
  });

  it("a finding's variant is fixed with its one fix put back", () => {
    for (const v of variants.filter((x) => x.name.startsWith("finding-"))) {
      // F1 also names the start-up it needs (a store without the bootstrap write): not a fix.
      const fixes = Object.keys(v.knobs).filter((k) => k !== "catalogBootstrap");
      // F4's fix guards both places that answer a colliding write set: the fast path and the dedup probe.
      const expected =
        v.name === "finding-stale-apply-same-shape" ? ["staleApplyTxnId", "dedupTxnId"] : undefined;
      if (expected) expect(fixes, v.name).toEqual(expected);
      else expect(fixes, v.name).toHaveLength(1);
    }
  });

  it("set only known knobs, with the default's type, and never the default value", () => {
    const defaults: Record<string, unknown> = { ...defaultKvKnobs, ...defaultRedisKnobs };
    for (const v of variants) {
      for (const [k, val] of Object.entries(v.knobs)) {
        expect(defaults, `${v.name}.${k}`).toHaveProperty(k);
        expect(typeof val, `${v.name}.${k}`).toBe(typeof defaults[k]);
        expect(val, `${v.name}.${k} equals the fixed default`).not.toEqual(defaults[k]);
      }
    }
  });

  it("fixed has no knobs and no scenario; every other variant names its scenario", () => {
    for (const v of variants) {
      if (v.name === "fixed") {
        expect(v.knobs).toEqual({});
        expect(v.scenario).toBeUndefined();
      } else {
        expect(v.scenario, v.name).toMatch(/^[a-z0-9-]+$/);
      }
      expect(v.description.length).toBeGreaterThan(10);
    }
  });

  it("every Redis knob has a description and no name clashes with a kv knob", () => {
    for (const k of Object.keys(defaultRedisKnobs)) {
      expect(redisKnobDescriptions[k as keyof typeof redisKnobDescriptions].length).toBeGreaterThan(10);
      expect(defaultKvKnobs).not.toHaveProperty(k);
    }
  });
});
