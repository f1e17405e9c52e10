import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { majority, quorumValue, VoteTally } from "./quorum.ts";

describe("quorumValue", () => {
  it("is the quorum-th largest value (what a sort would give)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(20), { minLength: 1, maxLength: 9 }), (xs) => {
        const q = majority(xs.length);
        const sorted = [...xs].sort((a, b) => b - a);
        expect(quorumValue(xs, xs.length, q)).toBe(sorted[q - 1]);
      }),
    );
  });

  it("needs a majority, not a plurality", () => {
    expect(quorumValue([5, 5, 0, 0, 0], 5, 3)).toBe(0);
    expect(quorumValue([5, 5, 4, 0, 0], 5, 3)).toBe(4);
  });
});

describe("VoteTally", () => {
  it("wins at a majority of grants, loses once a majority is out of reach", () => {
    const t = new VoteTally(5, majority(5));
    expect(t.record(0, true)).toBe("pending");
    expect(t.record(1, false)).toBe("pending");
    expect(t.record(2, false)).toBe("pending");
    expect(t.record(3, false)).toBe("lost");
    t.reset();
    expect(t.record(0, true)).toBe("pending");
    expect(t.record(1, true)).toBe("pending");
    expect(t.record(2, true)).toBe("won");
  });

  it("counts a voter's first answer only", () => {
    const t = new VoteTally(3, majority(3));
    t.record(1, false);
    expect(t.record(1, true)).toBe("pending");
    expect(t.toString()).toBe("granted=0 rejected=1 of 3");
  });
});
