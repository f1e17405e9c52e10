import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HistoryBuilder } from "./build.ts";
import type { Key, MicroOp } from "./history.ts";
import { type CheckOptions, type CheckResult, checkHistory } from "./index.ts";
import {
  type Executed,
  execute,
  HASH_KINDS,
  type RefMop,
  RefStore,
  type RefTxn,
  toHistory,
} from "./reference-model.ts";

const hset = (k: Key, f: string, v: number, isNew: boolean | null = null): MicroOp => [
  "hset",
  k,
  [f, v, isNew],
];
const hdel = (k: Key, f: string, removed: boolean | null = null): MicroOp => ["hdel", k, [f, removed]];
const hget = (k: Key, f: string, v: number | null = null): MicroOp => ["hget", k, [f, v]];
const hgetall = (k: Key, m: Record<string, number> = {}): MicroOp => ["hgetall", k, m];
const hlen = (k: Key, n: number): MicroOp => ["hlen", k, n];
const del = (k: Key, n: number): MicroOp => ["del", k, n];
const exists = (k: Key, n: number): MicroOp => ["exists", k, n];

function check(b: HistoryBuilder, opts?: CheckOptions): CheckResult {
  return checkHistory(b.build(), opts);
}

function expectValid(b: HistoryBuilder, opts?: CheckOptions): void {
  const res = check(b, opts);
  expect(res.anomalies.map((a) => `${a.type}: ${a.explanation}`)).toEqual([]);
  expect(res.valid).toBe(true);
}

function found(res: CheckResult, type: string) {
  const a = res.anomalies.find((x) => x.type === type);
  expect(a, `${type} among ${res.anomalyTypes.join(", ")}`).toBeDefined();
  return a!;
}

describe("valid hash histories are not flagged", () => {
  it("a serial run of every hash command", () => {
    const b = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .txn(1, [hget("h", "a", 1), hgetall("h", { a: 1 }), hlen("h", 1), exists("h", 1)])
      .txn(0, [hset("h", "a", 2, false), hset("h", "b", 3, true)])
      .txn(2, [hgetall("h", { a: 2, b: 3 }), hlen("h", 2)])
      .txn(1, [hdel("h", "a", true), hget("h", "a"), hlen("h", 1)])
      .txn(2, [hdel("h", "a", false)])
      .txn(0, [del("h", 1)])
      .txn(1, [hgetall("h"), hlen("h", 0), exists("h", 0), hget("h", "b")])
      .txn(2, [hset("h", "b", 4, true)])
      .txn(0, [hget("h", "b", 4)]);
    expectValid(b);
  });

  it("concurrent HSET and HDEL with reads in between", () => {
    const b = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .invoke(1, [hset("h", "a", 2)])
      .invoke(2, [hdel("h", "a")])
      .invoke(3, [hget("h", "a")])
      .invoke(4, [hgetall("h")])
      .ok(3, [hget("h", "a", 2)])
      .ok(1, [hset("h", "a", 2, false)])
      .ok(4, [hgetall("h", {})])
      .ok(2, [hdel("h", "a", true)])
      .invoke(5, [hset("h", "a", 3)])
      .invoke(3, [hlen("h", 1)])
      .ok(3, [hlen("h", 1)])
      .info(5, [hset("h", "a", 3)])
      .txn(4, [hgetall("h", { a: 3 }), hlen("h", 1)])
      .txn(1, [hget("h", "a", 3)]);
    expectValid(b);
  });

  it("concurrent first writes of a field: only one finds it absent", () => {
    const b = new HistoryBuilder()
      .invoke(0, [hset("h", "a", 1)])
      .invoke(1, [hset("h", "a", 2)])
      .invoke(2, [hget("h", "a")])
      .ok(1, [hset("h", "a", 2, false)])
      .ok(2, [hget("h", "a", null)])
      .ok(0, [hset("h", "a", 1, true)])
      .txn(3, [hget("h", "a", 2)]);
    expectValid(b);
  });

  it("a DEL racing an HSET, in either order; two-element HSETs", () => {
    for (const after of [{ b: 2 }, {}] as Record<string, number>[]) {
      const b = new HistoryBuilder()
        .txn(0, [["hset", "h", ["a", 1]]])
        .invoke(1, [del("h", 1)])
        .invoke(2, [["hset", "h", ["b", 2]]])
        .ok(2, [["hset", "h", ["b", 2]]])
        .ok(1, [del("h", 1)])
        .txn(3, [hgetall("h", after), hlen("h", Object.keys(after).length)])
        .txn(3, [exists("h", Object.keys(after).length)]);
      expectValid(b);
    }
  });

  it("failed and indeterminate writes", () => {
    const b = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1)], "fail")
      .txn(1, [hset("h", "a", 2)], "info")
      .txn(2, [hget("h", "a", 2)])
      .txn(1, [hset("h", "b", 3)], "info")
      .txn(2, [hgetall("h", { a: 2 }), hlen("h", 1)]);
    expectValid(b);
  });
});

describe("each hash anomaly", () => {
  it("phantom-element: a value never written to that field", () => {
    const b = new HistoryBuilder()
      .txn(0, [hset("h", "b", 5, true)])
      .txn(1, [hget("h", "a", 99)])
      .txn(2, [hgetall("h", { a: 5, b: 5 })]);
    const res = check(b);
    const ps = res.anomalies.filter((a) => a.type === "phantom-element");
    expect(ps.map((a) => a.ops)).toEqual([[3], [5]]);
    expect(ps[1].explanation).toContain('(op 1 (process 0) wrote it to field "b")');
  });

  it("G1a: a read of a failed HSET", () => {
    const b = new HistoryBuilder().txn(0, [hset("h", "a", 1)], "fail").txn(1, [hget("h", "a", 1)]);
    expect(found(check(b), "G1a").explanation).toContain("a transaction that failed");
  });

  it("len-mismatch inside one transaction and in a quiet window", () => {
    const inTxn = new HistoryBuilder().txn(0, [
      hgetall("h", { a: 1 }),
      hset("h", "b", 2, true),
      hlen("h", 3),
    ]);
    expect(found(check(inTxn), "len-mismatch").explanation).toContain(
      "implies 2 field(s) at the second, which shows 3",
    );
    const quiet = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .txn(1, [hlen("h", 2)])
      .txn(2, [hgetall("h", { a: 1 })]);
    expect(found(check(quiet), "len-mismatch").explanation).toContain("so both saw the same hash");
  });

  it("resurrected-key: after DEL and after HDEL, and HLEN in a quiet window", () => {
    const afterDel = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .txn(1, [del("h", 1)])
      .txn(2, [hget("h", "a", 1)]);
    expect(found(check(afterDel), "resurrected-key").explanation).toContain("deleted the key (acknowledged)");
    const afterHdel = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .txn(1, [hdel("h", "a", true)])
      .txn(2, [hgetall("h", { a: 1 })]);
    expect(found(check(afterHdel), "resurrected-key").explanation).toContain("deleted that field");
    const count = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .txn(1, [del("h", 1)])
      .txn(2, [hlen("h", 1)]);
    expect(found(check(count), "resurrected-key").explanation).toContain("read HLEN");
  });

  it("lost-update: two read-modify-writes of one version, or two creations of one field", () => {
    const rmw = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .invoke(1, [hget("h", "a"), hset("h", "a", 2)])
      .invoke(2, [hget("h", "a"), hset("h", "a", 3)])
      .ok(1, [hget("h", "a", 1), hset("h", "a", 2, false)])
      .ok(2, [hget("h", "a", 1), hset("h", "a", 3, false)]);
    const res = check(rmw);
    expect(res.anomalyTypes).toEqual(["G2-item", "lost-update"]);
    expect(found(res, "lost-update").explanation).toContain('saw field "a" of key "h" = 1 and then wrote it');
    const twoNew = new HistoryBuilder()
      .invoke(0, [hset("h", "a", 1)])
      .invoke(1, [hset("h", "a", 2)])
      .ok(0, [hset("h", "a", 1, true)])
      .ok(1, [hset("h", "a", 2, true)]);
    expect(check(twoNew).anomalyTypes).toContain("lost-update");
    // With deletes, "absent" is not one version: both may have found it absent.
    const withDel = new HistoryBuilder()
      .txn(0, [hset("h", "a", 0, true)])
      .invoke(2, [hdel("h", "a")])
      .invoke(0, [hset("h", "a", 1)])
      .invoke(1, [hset("h", "a", 2)])
      .ok(2, [hdel("h", "a", true)])
      .ok(0, [hset("h", "a", 1, true)])
      .invoke(2, [hdel("h", "a")])
      .ok(2, [hdel("h", "a", true)])
      .ok(1, [hset("h", "a", 2, true)]);
    expectValid(withDel);
  });
});

describe("cycles through hash keys", () => {
  it("G-single-item: a read that both misses and sees one transaction", () => {
    const b = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .invoke(1, [hget("h", "a"), hget("h", "b")])
      .invoke(2, [hget("h", "a"), hset("h", "a", 3), hset("h", "b", 4)])
      .ok(2, [hget("h", "a", 1), hset("h", "a", 3, false), hset("h", "b", 4, true)])
      .ok(1, [hget("h", "a", 1), hget("h", "b", 4)]);
    const res = check(b, { model: "serializable" });
    expect(res.anomalyTypes).toEqual(["G-single-item"]);
    expect(res.anomalies[0].explanation).toContain("so it installed the next version");
  });

  it("a stale read of an overwritten version, and of the initial absence: G-single-item-realtime", () => {
    const overwritten = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .txn(1, [hget("h", "a", 1), hset("h", "a", 2, false)])
      .txn(2, [hget("h", "a", 1)]);
    expect(check(overwritten).anomalyTypes).toEqual(["G-single-item-realtime"]);
    const absent = new HistoryBuilder().txn(0, [hset("h", "a", 1, true)]).txn(1, [hget("h", "a")]);
    expect(check(absent).anomalyTypes).toEqual(["G-single-item-realtime"]);
    expect(check(absent, { model: "serializable" }).valid).toBe(true);
  });

  it("stale reads after blind HSETs, ordered by real time: G-single-item-realtime", () => {
    const value = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .txn(1, [hset("h", "a", 2, false)])
      .txn(2, [hget("h", "a", 1)]);
    const res = check(value);
    expect(res.anomalyTypes).toEqual(["G-single-item-realtime"]);
    expect(res.anomalies[0].cycle!.steps.map((s) => s.kind)).toEqual(["rw", "realtime"]);
    expect(res.anomalies[0].explanation).toContain("a version older than T2's write of 2");
    expect(check(value, { model: "serializable" }).valid).toBe(true);
    const absent = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .txn(1, [hdel("h", "a", true)])
      .txn(0, [hset("h", "a", 2, true)])
      .txn(2, [hgetall("h", {})]);
    expect(check(absent).anomalyTypes).toEqual(["G-single-item-realtime"]);
    // A delete that may run after the HSET began explains the absence.
    const racing = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .invoke(1, [hdel("h", "a")])
      .txn(0, [hset("h", "a", 2, false)])
      .ok(1, [hdel("h", "a", true)])
      .txn(2, [hgetall("h", {})]);
    expectValid(racing);
  });
});

const mopArb: fc.Arbitrary<RefMop> = fc.record({
  kind: fc.constantFrom(...HASH_KINDS),
  key: fc.constantFrom("h1", "h2"),
  field: fc.constantFrom("a", "b", "c"),
});
const txnArb = (outcomes: RefTxn["outcome"][], maxMops: number): fc.Arbitrary<RefTxn> =>
  fc.record({
    mops: fc.array(mopArb, { minLength: 1, maxLength: maxMops }),
    outcome: fc.constantFrom(...outcomes),
    applied: fc.boolean(),
  });

function xorshift(seed: number): (n: number) => number {
  let x = seed | 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % Math.max(1, n);
  };
}

describe("hash histories from a serial reference execution", () => {
  it("overlapping txns with every outcome: valid under every model", () => {
    fc.assert(
      fc.property(
        fc.array(txnArb(["ok", "ok", "ok", "fail", "info", "pending"], 3), { maxLength: 30 }),
        fc.nat({ max: 8 }),
        fc.integer(),
        (txns, spread, seed) => {
          const h = toHistory(execute(txns), { spread, rand: xorshift(seed) });
          for (const model of ["strict-serializable", "serializable"]) {
            const bad = checkHistory(h, { model }).anomalies.filter(
              (a) => a.type !== "empty-transaction-graph",
            );
            expect(bad.map((a) => a.explanation)).toEqual([]);
          }
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 150) },
    );
  });

  it("a value read back after an acknowledged DEL is found", () => {
    fc.assert(
      fc.property(fc.array(txnArb(["ok"], 2), { maxLength: 25 }), fc.nat({ max: 25 }), (txns, at) => {
        const store = new RefStore();
        const cut = Math.min(at, txns.length);
        const before = execute(txns.slice(0, cut), store);
        const v = store.value("h1");
        const n = (store.hashes.get("h1")?.size ?? 0) > 0 || (store.lists.get("h1")?.length ?? 0) > 0 ? 1 : 0;
        const mid: MicroOp[][] = [
          [del("h1", n)],
          [hset("h1", "a", v, true)],
          [del("h1", 1)],
          [hget("h1", "a", v)],
        ];
        store.hashes.delete("h1");
        const after = execute(txns.slice(cut), store);
        const single = (mops: MicroOp[]): Executed => ({
          txn: { mops: [], outcome: "ok", applied: true },
          mops,
          at: 0,
        });
        const h = toHistory([...before, ...mid.map(single), ...after], { spread: 0, rand: () => 0 });
        expect(checkHistory(h).anomalyTypes).toContain("resurrected-key");
      }),
      { numRuns: 100 },
    );
  });
});
