import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SortedKeys } from "./sorted-keys.ts";

type Cmd = { op: "set"; k: string; v: number } | { op: "del"; k: string };

const key = fc.string({ unit: fc.constantFrom("a", "b", "c", "\u0000", "\u00ff"), maxLength: 4 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ op: fc.constant("set" as const), k: key, v: fc.nat(1000) }),
  fc.record({ op: fc.constant("del" as const), k: key }),
);

/** The model: a plain map, sorted on demand with the same byte order as `<`. */
function sortedEntries(m: Map<string, number>): Array<[string, number]> {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

describe("SortedKeys", () => {
  it("agrees with a sorted map on sets, deletes and range walks, across leaf splits (property)", () => {
    fc.assert(
      fc.property(
        fc.array(cmd, { maxLength: 300 }),
        fc.array(fc.tuple(key, fc.option(key, { nil: undefined }), fc.nat(6)), { maxLength: 8 }),
        fc.integer({ min: 1, max: 5 }),
        (cmds, ranges, leafMax) => {
          const t = new SortedKeys<number>(leafMax);
          const m = new Map<string, number>();
          for (const c of cmds) {
            if (c.op === "set") {
              expect(t.set(c.k, c.v)).toBe(!m.has(c.k));
              m.set(c.k, c.v);
            } else {
              expect(t.delete(c.k)).toBe(m.has(c.k));
              m.delete(c.k);
            }
            expect(t.size).toBe(m.size);
          }
          const all = sortedEntries(m);
          const walked: Array<[string, number]> = [];
          t.forEach((k, v) => {
            walked.push([k, v]);
          });
          expect(walked).toEqual(all);
          for (const [start, end, stopAfter] of ranges) {
            const inRange = all.filter(([k]) => k >= start && (end === undefined || k < end));
            const up: Array<[string, number]> = [];
            t.ascend(start, end, (k, v) => up.push([k, v]) > stopAfter);
            expect(up).toEqual(inRange.slice(0, stopAfter + 1));
            const down: Array<[string, number]> = [];
            t.descend(start, end, (k, v) => down.push([k, v]) > stopAfter);
            expect(down).toEqual(inRange.reverse().slice(0, stopAfter + 1));
          }
          const copy = t.map((v) => v * 2);
          const doubled: Array<[string, number]> = [];
          copy.forEach((k, v) => {
            doubled.push([k, v]);
          });
          expect(doubled).toEqual(all.map(([k, v]) => [k, v * 2]));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a walk of an emptied structure finds nothing, and it fills again", () => {
    const t = new SortedKeys<number>(2);
    for (const k of ["d", "a", "c", "b", "e"]) t.set(k, 1);
    for (const k of ["a", "b", "c", "d", "e"]) expect(t.delete(k)).toBe(true);
    const seen: string[] = [];
    t.ascend("", undefined, (k) => seen.push(k) < 0);
    t.descend("", undefined, (k) => seen.push(k) < 0);
    expect(seen).toEqual([]);
    t.set("z", 2);
    t.ascend("", undefined, (k) => seen.push(k) < 0);
    expect(seen).toEqual(["z"]);
  });
});
