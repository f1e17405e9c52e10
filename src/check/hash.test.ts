import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HistoryBuilder } from "./build.ts";
import type { MicroOp } from "./history.ts";
import { checkHistory } from "./index.ts";
import * as ref from "./reference-model.ts";
import {
  check,
  del,
  exists,
  expectNoAnomalies,
  expectValid,
  found,
  hdel,
  hget,
  hgetall,
  hlen,
  hset,
  refTxnArb,
} from "./test-support.ts";

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

describe("orders across deletes", () => {
  // B20's race: EXEC[HGETALL h, DEL h] against EXEC[HGET h o, HSET h n1], then a reader.
  const t1 = (all: Record<string, number>) => [hgetall("h", all), del("h", 1)];
  const t2 = (o: number | null, isNew = true) => [hget("h", "o", o as number), hset("h", "n1", 2, isNew)];
  const race = (o: number | null, all: Record<string, number>, final: Record<string, number>) =>
    new HistoryBuilder()
      .txn(0, [hset("h", "o", 1, true)])
      .invoke(1, t1(all))
      .invoke(2, t2(o))
      .ok(2, t2(o))
      .ok(1, t1(all))
      .txn(36, [hgetall("h", final)]);

  it("a read that found a field absent, then deleted the key, precedes the concurrent creation of that field", () => {
    const b = race(1, { o: 1 }, { n1: 2 });
    for (const model of ["strict-serializable", "serializable"]) {
      const res = check(b, { model });
      expect(res.anomalyTypes).toEqual(["G2-item"]);
      const text = res.anomalies[0].explanation;
      expect(text).toContain('finding field "n1" absent; had');
      expect(text).toContain('own DEL of key "h" came after that read');
      expect(text).toContain('then deleted key "h", so it installed the next version');
    }
  });

  it("the same transactions one after the other, in either order, or concurrent in a valid order", () => {
    const t2First = new HistoryBuilder()
      .txn(0, [hset("h", "o", 1, true)])
      .txn(2, t2(1))
      .txn(1, t1({ o: 1, n1: 2 }))
      .txn(36, [hgetall("h", {})]);
    expectValid(t2First, { model: "strict-serializable" });
    expectValid(t2First, { model: "serializable" });
    const t1First = new HistoryBuilder()
      .txn(0, [hset("h", "o", 1, true)])
      .txn(1, t1({ o: 1 }))
      .txn(2, t2(null))
      .txn(36, [hgetall("h", { n1: 2 })]);
    expectValid(t1First, { model: "strict-serializable" });
    expectValid(t1First, { model: "serializable" });
    // Concurrent, with T2 reading after T1's DEL.
    expectValid(race(null, { o: 1 }, { n1: 2 }));
    expectValid(race(null, { o: 1 }, { n1: 2 }), { model: "serializable" });
  });

  it("an indeterminate DEL explains any absence", () => {
    const b = new HistoryBuilder()
      .txn(0, [hset("h", "o", 1, true)])
      .invoke(1, t1({}))
      .invoke(2, t2(1))
      .ok(2, t2(1))
      .info(1, t1({}))
      .txn(36, [hgetall("h", { o: 1, n1: 2 })])
      .txn(37, [hgetall("h", {})]);
    expectValid(b);
    expectValid(b, { model: "serializable" });
    const field = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .invoke(1, [hdel("h", "a")])
      .txn(2, [hset("h", "a", 2, false), hset("h", "b", 3, true)])
      .info(1, [hdel("h", "a")])
      .txn(3, [hget("h", "a"), hget("h", "b", 3)]);
    expectValid(field);
    expectValid(field, { model: "serializable" });
  });

  it("serial DEL, HDEL, HSET and HGETALL runs", () => {
    const b = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true), hset("h", "b", 2, true)])
      .txn(1, [hgetall("h", { a: 1, b: 2 }), del("h", 1)])
      .txn(2, [hgetall("h"), hset("h", "a", 3, true)])
      .txn(0, [hget("h", "a", 3), hget("h", "b"), hdel("h", "a", true), hset("h", "b", 4, true)])
      .txn(1, [del("h", 1), hset("h", "a", 5, true)])
      .txn(2, [hgetall("h", { a: 5 }), hdel("h", "b", false)])
      .txn(0, [hset("h", "b", 6, true), del("h", 1)])
      .txn(1, [hgetall("h"), hset("h", "b", 7, true)])
      .txn(2, [hgetall("h", { b: 7 })]);
    expectValid(b);
    expectValid(b, { model: "serializable" });
  });

  it("concurrent HDEL and HSET of one field, in either order", () => {
    // HSET then HDEL (the field ends absent), or HDEL then HSET (it ends = 2).
    for (const [seen, isNew] of [
      [null, false],
      [2, true],
    ] as const) {
      const b = new HistoryBuilder()
        .txn(0, [hset("h", "a", 1, true)])
        .txn(3, [hget("h", "a", 1)])
        .invoke(1, [hdel("h", "a")])
        .invoke(2, [hset("h", "a", 2)])
        .invoke(3, [hget("h", "a")])
        .ok(2, [hset("h", "a", 2, isNew)])
        .ok(3, [hget("h", "a", seen as number)])
        .ok(1, [hdel("h", "a", true)])
        .txn(3, [hgetall("h", seen === null ? {} : { a: 2 })]);
      expectValid(b);
      expectValid(b, { model: "serializable" });
    }
  });

  /** T0 sets x and y, then `remove` (done before the rest begins, or racing them to the end), then `txns`. */
  const afterDelete = (
    removeFirst: boolean,
    remove: MicroOp,
    txns: [number, MicroOp[]][],
    after: MicroOp[],
  ) => {
    const b = new HistoryBuilder().txn(0, [hset("h", "x", 1), hset("h", "y", 2)]);
    if (removeFirst) b.txn(1, [remove]);
    else b.invoke(1, [remove]);
    for (const [p, mops] of txns) b.invoke(p, mops);
    for (const [p, mops] of txns) b.ok(p, mops);
    if (!removeFirst) b.ok(1, [remove]);
    return b.txn(4, after);
  };

  it("deletes ruled out by real time only: a write skew across a DEL is G2-item-realtime", () => {
    // The DEL completed before T2 and T3 began; each then found absent the field the other sets.
    const skew = afterDelete(
      true,
      del("h", 1),
      [
        [2, [hget("h", "x"), hset("h", "y", 3)]],
        [3, [hget("h", "y"), hset("h", "x", 4)]],
      ],
      [hget("h", "x", 4)],
    );
    const res = check(skew);
    expect(res.anomalyTypes).toEqual(["G2-item-realtime"]);
    expect(res.anomalies[0].cycle!.steps.map((s) => s.kind)).toEqual(["rw", "rw"]);
    expect(res.anomalies[0].explanation).toContain(
      'DEL of key "h" completed before T2 was invoked (real time)',
    );
    // Without real time the DEL may lie between them: T2, T0, the DEL, T3 is a valid serial order.
    expectValid(skew, { model: "serializable" });
  });

  it("an HDEL ruled out by real time: a read that misses a write it otherwise follows is G-single-item-realtime", () => {
    // T3 sets x and z; T2 sees T3's z but finds x absent, so the HDEL must lie between them.
    const txns: [number, MicroOp[]][] = [
      [3, [hset("h", "x", 4), hset("h", "z", 5)]],
      [2, [hget("h", "x"), hget("h", "z", 5)]],
    ];
    // A final read that agrees with the only serial order left: T0, T3, the HDEL, T2.
    const final = [hgetall("h", { y: 2, z: 5 })];
    const res = check(afterDelete(true, hdel("h", "x", true), txns, final));
    expect(res.anomalyTypes).toEqual(["G-single-item-realtime"]);
    // T2 < T3 (rw, the HDEL ruled out by real time) and T3 < T2 (wr); the final read is stale too.
    expect(res.anomalies.map((a) => a.cycle!.steps.map((s) => s.kind))).toEqual([
      ["rw", "wr"],
      ["rw", "realtime"],
    ]);
    expectValid(afterDelete(true, hdel("h", "x", true), txns, final), { model: "serializable" });
    // An HDEL still running when T2 completed may lie between T3 and T2: valid.
    expectValid(afterDelete(false, hdel("h", "x", true), txns, final));
  });

  it("a delete known to precede the HSET, by a dependency: G-single-item", () => {
    // D removes "a" and sets "z"; W reads z (so D came first) and sets "a" and "y"; R sees y but not a.
    const b = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .txn(1, [hdel("h", "a", true), hset("h", "z", 9, true)])
      .invoke(2, [hget("h", "z"), hset("h", "a", 5), hset("h", "y", 7)])
      .invoke(3, [hget("h", "a"), hget("h", "y")])
      .ok(3, [hget("h", "a"), hget("h", "y", 7)])
      .ok(2, [hget("h", "z", 9), hset("h", "a", 5, true), hset("h", "y", 7, true)]);
    const res = check(b, { model: "serializable" });
    expect(res.anomalyTypes).toEqual(["G-single-item"]);
    expect(res.anomalies[0].explanation).toContain('HDEL of field "a" came before T');
    // Without that dependency the HDEL may have run between the HSET and the read.
    const unordered = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .invoke(1, [hdel("h", "a"), hset("h", "z", 9)])
      .invoke(2, [hset("h", "a", 5), hset("h", "y", 7)])
      .invoke(3, [hget("h", "a"), hget("h", "y")])
      .ok(2, [hset("h", "a", 5, false), hset("h", "y", 7, true)])
      .ok(1, [hdel("h", "a", true), hset("h", "z", 9, true)])
      .ok(3, [hget("h", "a"), hget("h", "y", 7)]);
    expectValid(unordered, { model: "serializable" });
    expectValid(unordered);
  });

  it("a DEL before the HSET in the writer's own transaction, and a DEL then HSET elsewhere", () => {
    const own = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .invoke(1, [del("h", 1), hset("h", "a", 5), hset("h", "y", 7)])
      .invoke(2, [hget("h", "a"), hget("h", "y")])
      .ok(1, [del("h", 1), hset("h", "a", 5, true), hset("h", "y", 7, true)])
      .ok(2, [hget("h", "a"), hget("h", "y", 7)]);
    expect(check(own, { model: "serializable" }).anomalyTypes).toEqual(["G-single-item"]);
    // Another transaction's DEL, followed in it by an HSET of the field, leaves no absence behind.
    const replaced = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .invoke(3, [del("h", 1), hset("h", "a", 4)])
      .invoke(1, [hset("h", "a", 5), hset("h", "y", 7)])
      .invoke(2, [hget("h", "a"), hget("h", "y")])
      .ok(3, [del("h", 1), hset("h", "a", 4, true)])
      .ok(1, [hset("h", "a", 5, false), hset("h", "y", 7, true)])
      .ok(2, [hget("h", "a"), hget("h", "y", 7)]);
    expect(check(replaced, { model: "serializable" }).anomalyTypes).toEqual(["G-single-item"]);
    // The DEL after the HSET in the writer's transaction explains the absence.
    const after = new HistoryBuilder()
      .txn(0, [hset("h", "a", 1, true)])
      .invoke(1, [hset("h", "a", 5), del("h", 1), hset("h", "y", 7)])
      .invoke(2, [hget("h", "a"), hget("h", "y")])
      .ok(1, [hset("h", "a", 5, false), del("h", 1), hset("h", "y", 7, true)])
      .ok(2, [hget("h", "a"), hget("h", "y", 7)]);
    expectValid(after, { model: "serializable" });
    expectValid(after);
  });

  it("a DEL that never read a field still overwrites the version another transaction read", () => {
    // X read b (so it follows T0, which wrote a too), deleted the key and set c; R saw a = 1 and c.
    const b = (a: number | null, c: number | null) =>
      new HistoryBuilder()
        .txn(0, [hset("h", "a", 1, true), hset("h", "b", 2, true)])
        .invoke(1, [hget("h", "b"), del("h", 1), hset("h", "c", 3)])
        .invoke(2, [hget("h", "a"), hget("h", "c")])
        .ok(2, [hget("h", "a", a as number), hget("h", "c", c as number)])
        .ok(1, [hget("h", "b", 2), del("h", 1), hset("h", "c", 3, true)]);
    for (const model of ["strict-serializable", "serializable"]) {
      const res = check(b(1, 3), { model });
      expect(res.anomalyTypes).toEqual(["G-single-item"]);
      expect(res.anomalies[0].explanation).toContain(
        'seeing field "a" = 1, written by op 1 (process 0); T2, which depends on that transaction (a ww or wr dependency), later deleted key "h"',
      );
      expectValid(b(1, null), { model });
      expectValid(b(null, 3), { model });
    }
  });
});

const mopArb: fc.Arbitrary<ref.RefMop> = fc.record({
  kind: fc.constantFrom(...ref.HASH_KINDS),
  key: fc.constantFrom("h1", "h2"),
  field: fc.constantFrom("a", "b", "c"),
});
const txnArb = (outcomes: ref.RefTxn["outcome"][], maxMops: number) => refTxnArb(mopArb, outcomes, maxMops);

function xorshift(seed: number): (n: number) => number {
  let x = seed | 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % Math.max(1, n);
  };
}

/** Serial executions of `txn`s, laid out overlapping by up to `spread`: no anomaly under either model. */
function expectSerialRunsValid(txn: fc.Arbitrary<ref.RefTxn>, spread: number): void {
  fc.assert(
    fc.property(fc.array(txn, { maxLength: 30 }), fc.nat({ max: spread }), fc.integer(), (txns, sp, seed) =>
      expectNoAnomalies(ref.toHistory(ref.execute(txns), { spread: sp, rand: xorshift(seed) }), [
        "strict-serializable",
        "serializable",
      ]),
    ),
    { numRuns: Number(process.env.RUNS ?? 150) },
  );
}

describe("hash histories from a serial reference execution", () => {
  it("overlapping txns with every outcome: valid under every model", () => {
    expectSerialRunsValid(txnArb(["ok", "ok", "ok", "fail", "info", "pending"], 3), 8);
  });

  it("DEL- and HDEL-heavy runs of one hash, overlapping: valid under strict-serializable and serializable", () => {
    // Many deletes of few fields, multi-op transactions (reads before deletes, deletes before
    // HSETs) and indeterminate deletes: the shapes the inference across deletes reasons about.
    const kinds: ref.RefMop["kind"][] = [
      "hset",
      "hset",
      "hset",
      "hdel",
      "hdel",
      "del",
      "del",
      "hget",
      "hgetall",
      "hgetall",
    ];
    const churn: fc.Arbitrary<ref.RefMop> = fc.record({
      kind: fc.constantFrom(...kinds),
      key: fc.constantFrom("h", "h", "h", "g"),
      field: fc.constantFrom("a", "b"),
    });
    const txn = fc.record({
      mops: fc.array(churn, { minLength: 1, maxLength: 4 }),
      outcome: fc.constantFrom<ref.RefTxn["outcome"]>("ok", "ok", "ok", "ok", "fail", "info", "pending"),
      applied: fc.boolean(),
    });
    expectSerialRunsValid(txn, 6);
  });

  it("a value read back after an acknowledged DEL is found", () => {
    fc.assert(
      fc.property(fc.array(txnArb(["ok"], 2), { maxLength: 25 }), fc.nat({ max: 25 }), (txns, at) => {
        const store = new ref.RefStore();
        const cut = Math.min(at, txns.length);
        const before = ref.execute(txns.slice(0, cut), store);
        const v = store.value("h1");
        const n = (store.hashes.get("h1")?.size ?? 0) > 0 || (store.lists.get("h1")?.length ?? 0) > 0 ? 1 : 0;
        const mid: MicroOp[][] = [
          [del("h1", n)],
          [hset("h1", "a", v, true)],
          [del("h1", 1)],
          [hget("h1", "a", v)],
        ];
        store.hashes.delete("h1");
        const after = ref.execute(txns.slice(cut), store);
        const single = (mops: MicroOp[]): ref.Executed => ({
          txn: { mops: [], outcome: "ok", applied: true },
          mops,
          at: 0,
        });
        const h = ref.toHistory([...before, ...mid.map(single), ...after], { spread: 0, rand: () => 0 });
        expect(checkHistory(h).anomalyTypes).toContain("resurrected-key");
      }),
      { numRuns: 100 },
    );
  });
});
