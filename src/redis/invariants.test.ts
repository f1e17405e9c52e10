import { describe, expect, it } from "vitest";
import { MvccStore } from "../mvcc/store.ts";
import { reuseLogEntry } from "./context.ts";
import { execute } from "./execute.ts";
import { directNode } from "./interleave.ts";
import { checkStoreInvariants } from "./invariants.ts";
import { encodeHashDelta, encodeListDelta, encodeListMeta, i64be, keysFor, u64be } from "./keys.ts";
import { variantByName } from "./variants.ts";

const K = keysFor("length-prefixed");
const names = (s: MvccStore, opts = {}) => checkStoreInvariants(s, opts).map((v) => v.name);

function storeWith(writes: Array<[string, string]>, ts = 10): MvccStore {
  const s = new MvccStore();
  s.applyMutations(
    writes.map(([key, value]) => ({ op: "put" as const, key, value })),
    [],
    0,
    ts,
  );
  return s;
}

describe("checkStoreInvariants", () => {
  it("a consistent list and hash pass", () => {
    const s = storeWith([
      [K.listMeta("k"), encodeListMeta({ head: 5, len: 1 })],
      [K.listItem("k", 5), "a"],
      [K.listItem("k", 6), "b"],
      [K.listDelta("k", 10, 0), encodeListDelta({ headDelta: 0, lenDelta: 1 })],
      [K.hashField("h", "f"), "1"],
      [K.hashDelta("h", 10, 0), encodeHashDelta(1)],
    ]);
    expect(names(s)).toEqual([]);
  });

  it("list-meta: an undecodable meta and a negative resolved Len", () => {
    expect(names(storeWith([[K.listMeta("k"), i64be(0) + i64be(2) + u64be(1) + u64be(0)]]))).toContain(
      "invariant:list-meta",
    );
    expect(
      names(storeWith([[K.listDelta("k", 10, 0), encodeListDelta({ headDelta: 1, lenDelta: -1 })]])),
    ).toEqual(["invariant:list-meta"]);
  });

  it("delta-ts: embedded ts ≠ version ts, unless the reuse log says so", () => {
    const key = K.listDelta("k", 7, 0);
    const s = storeWith(
      [
        [key, encodeListDelta({ headDelta: 0, lenDelta: 1 })],
        [K.listItem("k", 0), "a"],
      ],
      10,
    );
    expect(names(s)).toEqual(["invariant:delta-ts"]);
    expect(names(s, { reuseLog: new Set([reuseLogEntry(key, 10)]) })).toEqual([]);
  });

  it("list-holes and list-orphan", () => {
    const s = storeWith([
      [K.listDelta("k", 10, 0), encodeListDelta({ headDelta: 0, lenDelta: 2 })],
      [K.listItem("k", 0), "a"],
      [K.listItem("k", 2), "c"],
    ]);
    expect(names(s).sort()).toEqual(["invariant:list-holes", "invariant:list-orphan"]);
  });

  it("hash-len: HEAD's HDEL of a repeated field", () => {
    const { node, ctx } = directNode(variantByName("head")!.knobs);
    node.run(
      execute(ctx, {
        name: "HSET",
        key: "h",
        pairs: [
          ["f", "1"],
          ["g", "1"],
        ],
      }),
    );
    node.run(execute(ctx, { name: "HDEL", key: "h", fields: ["f", "f"] }));
    expect(names(node.store)).toContain("invariant:hash-len");
  });
});
