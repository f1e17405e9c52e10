import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { variants } from "../redis/variants.ts";
import { describeSpec, knobSpecs, specAccepts } from "./knob-specs.ts";
import {
  checkKnobValue,
  defaultKnobs,
  KnobError,
  knobNames,
  knobRecord,
  listKnobs,
  parseKnobValue,
  resolveKnobs,
  runKnobs,
  valueWhenUnrecorded,
} from "./knobs.ts";

const bare = { cluster: { nodes: 3 } };

/** The KnobError a call throws (fails the test when it throws nothing or something else). */
function knobError(f: () => unknown): KnobError {
  try {
    f();
  } catch (e) {
    if (e instanceof KnobError) return e;
    throw e;
  }
  throw new Error("expected a KnobError");
}

describe("knob specs", () => {
  it("cover every knob, accept every default, every variant's values and every pre-knob value", () => {
    expect([...knobNames].sort()).toEqual(Object.keys(knobSpecs).sort());
    for (const name of knobNames) expect(specAccepts(knobSpecs[name], defaultKnobs[name]), name).toBe(true);
    for (const v of variants) expect(() => resolveKnobs(bare, v.name), v.name).not.toThrow();
    for (const [name, value] of Object.entries(valueWhenUnrecorded)) {
      expect(() => checkKnobValue(name, value, "override"), name).not.toThrow();
    }
  });

  it("`sim knobs` lists every knob with what it accepts", () => {
    const list = listKnobs();
    expect(list.map((k) => k.name)).toEqual([...knobNames].sort());
    for (const k of list) {
      expect(k.description, k.name).not.toBe("");
      expect(k.accepts).toBe(describeSpec(knobSpecs[k.name as keyof typeof knobSpecs]));
    }
    expect(list.find((k) => k.name === "faultSpanUs")?.accepts).toBe("an integer ≥ 1");
    expect(list.find((k) => k.name === "schedPauseChance")?.accepts).toBe("a number from 0 to 1");
  });

  it("a repro records every knob, in the defaults' order", () => {
    expect(Object.keys(knobRecord(defaultKnobs))).toEqual(Object.keys(defaultKnobs));
    expect(knobRecord(defaultKnobs)).toEqual({ ...defaultKnobs });
  });

  it("refuses a value of the wrong type or out of range, naming the knob and what it takes", () => {
    const cases: Array<[string, unknown, string]> = [
      ["raftTickUs", "10", "an integer ≥ 1"],
      ["raftTickUs", 0, "an integer ≥ 1"],
      ["raftTickUs", 1.5, "an integer ≥ 1"],
      ["clientDelayUs", -1, "an integer ≥ 0"],
      ["schedPauseChance", 1.01, "a number from 0 to 1"],
      ["leaderRetryIntervalMs", 0, "a number > 0"],
      ["preVote", "true", "true or false"],
      ["coordinator", "prod", "one of production, demo"],
      ["leaseMarginMs", Number.NaN, "a number ≥ 0"],
    ];
    for (const [name, value, expected] of cases) {
      const e = knobError(() => checkKnobValue(name, value, "override"));
      expect(e.knob).toBe(name);
      expect(e.expected).toBe(expected);
      expect(e.message).toContain(`knob '${name}'`);
    }
    expect(knobError(() => checkKnobValue("noSuchKnob", 1, "override")).unknown).toBe(true);
  });

  it("parses --knob strings into the knob's type", () => {
    expect(parseKnobValue("raftTickUs", "500")).toBe(500);
    expect(parseKnobValue("preVote", "off")).toBe(false);
    expect(parseKnobValue("preVote", "1")).toBe(true);
    expect(parseKnobValue("coordinator", "demo")).toBe("demo");
    for (const [name, raw] of [
      ["raftTickUs", ""],
      ["raftTickUs", "ten"],
      ["preVote", "yes"],
      ["coordinator", "5"],
    ] as const) {
      expect(knobError(() => parseKnobValue(name, raw)).found).toBe(JSON.stringify(raw));
    }
  });

  it("resolveKnobs says which layer set a bad value", () => {
    expect(
      knobError(() => resolveKnobs({ cluster: { nodes: 3, knobs: { raftTickUs: -3 } } }, "fixed")).source,
    ).toBe("scenario");
    expect(knobError(() => resolveKnobs(bare, "fixed", { raftTickUs: "x" })).source).toBe("override");
    expect(knobError(() => resolveKnobs(bare, "fixed", { raftTickUs: true })).source).toBe("override");
    const pair = knobError(() => resolveKnobs(bare, "fixed", { heartbeatTicks: 20, electionTicks: 20 }));
    expect(pair.knob).toBe("electionTicks");
    expect(pair.expected).toContain("heartbeatTicks");
  });

  it("runKnobs accepts a complete valid set as is and names the first bad or missing knob", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...knobNames),
        fc.oneof(fc.string(), fc.double(), fc.boolean()),
        (name, v) => {
          const set: Record<string, unknown> = { ...defaultKnobs, [name]: v };
          if (specAccepts(knobSpecs[name], v)) {
            expect(runKnobs(set)[name]).toBe(v);
          } else {
            expect(knobError(() => runKnobs(set)).knob).toBe(name);
          }
        },
      ),
    );
    const { raftTickUs: _, ...missing } = defaultKnobs;
    expect(knobError(() => runKnobs(missing)).found).toBe("nothing");
  });
});
