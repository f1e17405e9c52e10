import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { num } from "./commands.ts";

/** The definition `num` reads plain decimal integers faster than: the number when it spells `s` again. */
function byConversion(s: string): number | string {
  const n = Number(s);
  return Number.isFinite(n) && String(n) === s ? n : s;
}

describe("num", () => {
  it("agrees with converting there and back, on digit strings and on anything else", () => {
    const digits = fc.stringMatching(/^-?[0-9]{0,20}(\.[0-9]{0,3})?(e[0-9])?$/);
    fc.assert(
      fc.property(fc.oneof(digits, fc.string(), fc.nat().map(String), fc.double().map(String)), (s) => {
        expect(Object.is(num(s), byConversion(s))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it("keeps strings that only look like numbers", () => {
    for (const s of ["00", "01", "", " 1", "1 ", "+1", "1e3", "0x10", "-0", "1234567890123456789"]) {
      expect(num(s)).toBe(byConversion(s));
    }
    expect(num("0")).toBe(0);
    expect(num("999999999999999")).toBe(999999999999999);
  });
});
