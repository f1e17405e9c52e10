import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeHashDelta,
  decodeHashMeta,
  decodeI64be,
  decodeListDelta,
  decodeListMeta,
  decodeSortable8,
  decodeU64be,
  encodeHashDelta,
  encodeHashMeta,
  encodeListDelta,
  encodeListMeta,
  i64be,
  keysFor,
  prefixEnd,
  sortable8,
  ts8,
  u32be,
} from "./keys.ts";

const bytes = (s: string) => [...s].map((c) => c.charCodeAt(0));
const safeInt = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });

describe("encoding primitives", () => {
  it("ts8 is 8-byte big-endian, exact up to 2^53", () => {
    expect(bytes(ts8(0x01_0203_0405_0607))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(bytes(ts8(2 ** 53 - 1))).toEqual([0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(bytes(ts8(65536 * 1_000_000 + 7))).toEqual(bytes(ts8(65_536_000_007)));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => decodeU64be(ts8(n)) === n),
    );
    // Byte order is numeric order.
    fc.assert(
      fc.property(
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        (a, b) => (a < b ? ts8(a) < ts8(b) : a > b ? ts8(a) > ts8(b) : ts8(a) === ts8(b)),
      ),
    );
  });

  it("i64 two's complement round-trips", () => {
    expect(bytes(i64be(-1))).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(bytes(i64be(-(2 ** 32)))).toEqual([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    fc.assert(fc.property(safeInt, (n) => decodeI64be(i64be(n)) === n));
  });

  it("sortable8 flips the sign bit so byte order is numeric order", () => {
    expect(bytes(sortable8(0))).toEqual([0x80, 0, 0, 0, 0, 0, 0, 0]);
    expect(bytes(sortable8(-1))).toEqual([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    fc.assert(fc.property(safeInt, (n) => decodeSortable8(sortable8(n)) === n));
    fc.assert(fc.property(safeInt, safeInt, (a, b) => a < b === sortable8(a) < sortable8(b)));
  });

  it("u32be and prefixEnd", () => {
    expect(bytes(u32be(0x01020304))).toEqual([1, 2, 3, 4]);
    expect(prefixEnd("ab")).toBe("ac");
    expect(prefixEnd("a\u00ff")).toBe("b");
    expect(prefixEnd("\u00ff\u00ff")).toBe("");
  });
});

describe("key layouts (docs/model.md)", () => {
  const lp = keysFor("length-prefixed");

  it("lists", () => {
    expect(lp.listMeta("k")).toBe("!lst|meta|k");
    expect(lp.listItem("k", 5)).toBe(`!lst|itm|k${sortable8(5)}`);
    expect(lp.listDelta("k", 7, 2)).toBe(
      `!lst|meta|d|\u0000\u0000\u0000\u0001k${ts8(7)}\u0000\u0000\u0000\u0002`,
    );
    expect(lp.listClaim("k", -3)).toBe(`!lst|claim|\u0000\u0000\u0000\u0001k${sortable8(-3)}`);
    expect(lp.fence("list", "k")).toBe("!redis|txn-wide-list|k");
    expect(lp.itemSeq(lp.listItem("k", -9), "k")).toBe(-9);
    expect(lp.itemSeq(lp.listItem("kk", 1), "k")).toBeUndefined();
    expect(lp.deltaUserKey(lp.listDelta("a\u0000b", 9, 0), "!lst|meta|d|")).toBe("a\u0000b");
    expect(lp.deltaCommitTS(lp.listDelta("k", 123456789, 0), lp.listDeltaPrefix("k"))).toBe(123456789);
    expect(lp.claimUserKey(lp.listClaim("xyz", 4))).toBe("xyz");
  });

  it("hashes", () => {
    expect(lp.hashMeta("h")).toBe("!hs|meta|\u0000\u0000\u0000\u0001h");
    expect(lp.hashField("h", "f")).toBe("!hs|fld|\u0000\u0000\u0000\u0001hf");
    expect(lp.hashDelta("h", 1, 0)).toBe(
      `!hs|meta|d|\u0000\u0000\u0000\u0001h${ts8(1)}\u0000\u0000\u0000\u0000`,
    );
    expect(lp.hashFieldName(lp.hashField("h", "field"), "h")).toBe("field");
  });

  it("type-probe read keys are the nine of trackTypeReadKeys", () => {
    expect(lp.typeProbeReadKeys("k")).toHaveLength(9);
    expect(lp.typeProbeReadKeys("k")).toContain("!lst|meta|k");
    expect(lp.typeProbeReadKeys("k")).toContain("k");
  });

  it("length prefixes keep another key's deltas out of a scan; the NUL separator does not (B16)", () => {
    const other = `foo\u0000${"x".repeat(12)}`;
    for (const [layout, collides] of [
      ["length-prefixed", false],
      ["null-separator", true],
    ] as const) {
      const k = keysFor(layout);
      const p = k.listDeltaPrefix("foo");
      const d = k.listDelta(other, 5, 0);
      expect(d >= p && d < prefixEnd(p)).toBe(collides);
      expect(k.deltaUserKey(d, "!lst|meta|d|")).toBe(other);
    }
  });
});

describe("value codecs", () => {
  it("list meta: 32 bytes, Tail = Head + Len enforced, legacy 24 bytes accepted", () => {
    const v = encodeListMeta({ head: -3, len: 5, expireAt: 9 });
    expect(v).toHaveLength(32);
    expect(decodeListMeta(v)).toEqual({ head: -3, tail: 2, len: 5, expireAt: 9 });
    expect(decodeListMeta(v.slice(0, 24))).toEqual({ head: -3, tail: 2, len: 5, expireAt: 0 });
    const bad = i64be(0) + i64be(3) + i64be(2) + i64be(0);
    expect(() => decodeListMeta(bad)).toThrow(/tail/);
    expect(() => encodeListMeta({ head: 0, len: -1 })).toThrow();
    expect(() => decodeListMeta("x")).toThrow(/length/);
  });

  it("list delta 16 bytes, hash meta 16, hash delta 8", () => {
    fc.assert(
      fc.property(safeInt, safeInt, (h, l) => {
        const d = decodeListDelta(encodeListDelta({ headDelta: h, lenDelta: l }));
        return d.headDelta === h && d.lenDelta === l;
      }),
    );
    expect(encodeListDelta({ headDelta: -1, lenDelta: 1 })).toHaveLength(16);
    expect(decodeHashMeta(encodeHashMeta({ len: 4 }))).toEqual({ len: 4, expireAt: 0 });
    expect(encodeHashDelta(-2)).toHaveLength(8);
    expect(decodeHashDelta(encodeHashDelta(-2))).toBe(-2);
    expect(() => decodeListDelta(encodeListMeta({ head: 0, len: 1 }))).toThrow(/delta length/);
  });
});
