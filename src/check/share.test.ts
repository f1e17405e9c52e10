import { describe, expect, it } from "vitest";
import { parseEdnHistory } from "./edn.ts";
import type { MicroOp } from "./history.ts";
import { parseJsonlHistory } from "./jsonl.ts";

const mops = (h: ReturnType<typeof parseEdnHistory>, i: number) => h[i].value as MicroOp[];

describe("MopSharer's read sharing", () => {
  const edn = [
    "{:type :invoke, :f :txn, :value [[:r 1 nil]], :process 0, :index 0}",
    "{:type :ok, :f :txn, :value [[:r 1 [1 2]]], :process 0, :index 1}",
    "{:type :invoke, :f :txn, :value [[:r 1 nil] [:r 2 nil]], :process 1, :index 2}",
    "{:type :ok, :f :txn, :value [[:r 1 [1 2]] [:r 2 [1 2]]], :process 1, :index 3}",
    "{:type :invoke, :f :txn, :value [[:r 1 nil]], :process 2, :index 4}",
    "{:type :ok, :f :txn, :value [[:r 1 [1 2 3]]], :process 2, :index 5}",
  ].join("\n");

  it("gives a read equal to the latest read of its key that micro-op itself", () => {
    const h = parseEdnHistory(edn);
    expect(mops(h, 3)[0]).toBe(mops(h, 1)[0]);
    // Another key, or another list, is never shared.
    expect(mops(h, 3)[1]).not.toBe(mops(h, 3)[0]);
    expect(mops(h, 3)[1]).toEqual(["r", 2, [1, 2]]);
    expect(mops(h, 5)[0]).toEqual(["r", 1, [1, 2, 3]]);
  });

  it("keeps the values exactly as written (0 and -0 stay apart)", () => {
    const h = parseJsonlHistory(
      [
        '{"index":0,"type":"invoke","process":0,"f":"txn","value":[["r",1,null]]}',
        '{"index":1,"type":"ok","process":0,"f":"txn","value":[["r",1,[0]]]}',
        '{"index":2,"type":"invoke","process":1,"f":"txn","value":[["r",1,null]]}',
        '{"index":3,"type":"ok","process":1,"f":"txn","value":[["r",1,[-0]]]}',
      ].join("\n"),
    );
    expect(Object.is((mops(h, 3)[0][2] as number[])[0], -0)).toBe(true);
    expect(Object.is((mops(h, 1)[0][2] as number[])[0], 0)).toBe(true);
  });

  it("does not share an invocation's read with its completion", () => {
    const h = parseEdnHistory(
      [
        "{:type :invoke, :f :txn, :value [[:r 1 [5]]], :process 0, :index 0}",
        "{:type :ok, :f :txn, :value [[:r 1 [5]]], :process 0, :index 1}",
      ].join("\n"),
    );
    expect(h[1].value).not.toBe(h[0].value);
    expect(mops(h, 1)[0]).not.toBe(mops(h, 0)[0]);
  });
});
