import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { append, HistoryBuilder, read as r } from "./build.ts";
import type { MicroOp } from "./history.ts";
import { checkHistory } from "./index.ts";
import {
  type Executed,
  execute,
  HASH_KINDS,
  LIST_KINDS,
  type RefMop,
  RefStore,
  type RefTxn,
  toHistory,
} from "./reference-model.ts";
import {
  check,
  del,
  exists,
  expectValid,
  found,
  llen,
  lpop,
  lpush,
  refTxnArb,
  rpop,
} from "./test-support.ts";

const rpush = append;

/**
 * `before` (by default [1]), then a DEL (acknowledged with `n`) and RPUSH of `x` overlapping, with
 * `during` invoked between them and completed after the push; the DEL completes last.
 */
function race(n: number, before: MicroOp[][] = [[rpush("q", 1)]], x = 2, during: MicroOp[] = []) {
  const b = new HistoryBuilder();
  for (const mops of before) b.txn(0, mops);
  b.invoke(1, [del("q", n)]).invoke(2, [rpush("q", x)]);
  if (during.length > 0)
    b.invoke(
      3,
      during.map(([f, k]) => [f, k, null] as MicroOp),
    );
  b.ok(2, [rpush("q", x)]);
  if (during.length > 0) b.ok(3, during);
  return b.ok(1, [del("q", n)]);
}

/** Invokes every txn, then completes each in the same order: all of them overlap. */
function overlapping(txns: [number, MicroOp[]][]): HistoryBuilder {
  const b = new HistoryBuilder();
  for (const [p, mops] of txns) b.invoke(p, mops);
  for (const [p, mops] of txns) b.ok(p, mops);
  return b;
}

/** Each txn committed before the next is invoked. */
function oneAfterAnother(txns: [number, MicroOp[]][]): HistoryBuilder {
  const b = new HistoryBuilder();
  for (const [p, mops] of txns) b.txn(p, mops);
  return b;
}

describe("routing", () => {
  it("keeps append/r-only keys with list-append and sends the rest to the queue analysis", () => {
    // On a list-append key, a read missing an element no pop could have taken is incompatible-order;
    // on a queue key the same shape is fine because 1 was popped.
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1), rpush("q", 2)])
      .txn(1, [lpop("q", 1)])
      .txn(2, [r("q", [2])]);
    expectValid(b);
  });

  it("mixing list and hash micro-ops on one key is not interpreted", () => {
    const b = new HistoryBuilder().txn(0, [rpush("k", 1)]).txn(1, [["hset", "k", ["f", 2, true]]]);
    const res = check(b);
    expect(res).toMatchObject({ valid: "unknown", anomalyTypes: ["unexpected-txn-micro-op-types"] });
    expect(res.anomalies[0].explanation).toContain(":append, :hset");
  });
});

describe("valid queue histories are not flagged", () => {
  it("a serial FIFO run with LLEN, EXISTS and DEL", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .txn(1, [rpush("q", 2)])
      .txn(0, [r("q", [1, 2]), llen("q", 2)])
      .txn(2, [llen("q", 2)])
      .txn(1, [lpop("q", 1)])
      .txn(2, [r("q", [2])])
      .txn(0, [lpop("q", 2)])
      .txn(1, [lpop("q")])
      .txn(2, [r("q", []), exists("q", 0), llen("q", 0)])
      .txn(0, [rpush("q", 3)])
      .txn(1, [del("q", 1)])
      .txn(2, [exists("q", 0), llen("q", 0), r("q", [])]);
    expectValid(b);
  });

  it("concurrent pushes and pops, with indeterminate ones", () => {
    const b = new HistoryBuilder()
      .invoke(0, [rpush("q", 1)])
      .invoke(1, [rpush("q", 2)])
      .invoke(2, [lpop("q")])
      .invoke(3, [rpush("q", 3)])
      .invoke(4, [lpop("q")])
      .ok(0, [rpush("q", 1)])
      .ok(2, [lpop("q", 2)]) // 2 went in first, and out first
      .info(3, [rpush("q", 3)])
      .ok(1, [rpush("q", 2)])
      .info(4, [lpop("q")]) // may have taken 1, or 3, or nothing
      .txn(5, [r("q", [3])]);
    expectValid(b);
  });

  it("an indeterminate pop explains a missing element", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .txn(1, [lpop("q")], "info")
      .txn(2, [r("q", [])]);
    expectValid(b);
  });

  it("a DEL racing a push, in either serial order", () => {
    for (const after of [[1], []]) {
      const b = race(1, [[rpush("q", 0)]], 1)
        .txn(3, [r("q", after), llen("q", after.length)])
        .txn(3, [exists("q", after.length)]);
      expectValid(b);
    }
  });

  it("LLEN and reads overlapping writes", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .invoke(1, [llen("q", 1)])
      .invoke(0, [rpush("q", 2)])
      .ok(1, [llen("q", 1)])
      .invoke(2, [r("q")])
      .ok(0, [rpush("q", 2)])
      .invoke(1, [llen("q", 0)])
      .invoke(0, [lpop("q")])
      .ok(2, [r("q", [1, 2])])
      .ok(1, [llen("q", 1)])
      .ok(0, [lpop("q", 1)])
      .txn(2, [r("q", [2])]);
    expectValid(b);
  });

  it("a read before a concurrent pop still holds the element", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .invoke(1, [r("q")])
      .invoke(2, [lpop("q")])
      .ok(2, [lpop("q", 1)])
      .ok(1, [r("q", [1])])
      .txn(3, [lpop("q")]);
    expectValid(b);
  });

  it("LPUSH with RPOP, and both ends mixed", () => {
    const b = new HistoryBuilder()
      .txn(0, [lpush("a", 1)])
      .txn(0, [lpush("a", 2)])
      .txn(1, [r("a", [2, 1])])
      .txn(1, [rpop("a", 1)])
      .txn(0, [rpop("a", 2)])
      .txn(2, [lpush("b", 1), rpush("b", 2), lpush("b", 3)])
      .txn(2, [r("b", [3, 1, 2]), llen("b", 3)])
      .txn(1, [lpop("b", 3), rpop("b", 2), llen("b", 1)]);
    expectValid(b);
  });

  it("multi-op transactions, pending and failed pushes", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1), rpush("q", 2), llen("q", 2), r("q", [1, 2])])
      .txn(1, [lpop("q", 1), llen("q", 1), rpush("q", 3), r("q", [2, 3])])
      .txn(2, [rpush("q", 4)], "fail")
      .invoke(3, [rpush("q", 5)])
      .txn(4, [r("q", [2, 3, 5]), llen("q", 3)]);
    expectValid(b);
  });

  it("a pop that finds the list empty while a push is in flight", () => {
    const b = new HistoryBuilder()
      .invoke(0, [lpop("q")])
      .invoke(1, [rpush("q", 1)])
      .ok(0, [lpop("q", null)])
      .ok(1, [rpush("q", 1)])
      .txn(2, [r("q", [1])]);
    expectValid(b);
  });
});

describe("each queue anomaly", () => {
  it("duplicate-pop", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .txn(1, [lpop("q", 1)])
      .txn(2, [lpop("q", 1)]);
    const a = found(check(b), "duplicate-pop");
    expect(a.ops).toEqual([1, 3, 5]);
    expect(a.explanation).toMatch(
      /op 1 \(process 0\) pushed 1 to key "q" once, yet 2 successful pops returned it/,
    );
  });

  it("phantom-element, read or popped", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .txn(1, [r("q", [1, 7])])
      .txn(2, [lpop("q", 8)]);
    const res = check(b);
    expect(res.anomalies.filter((a) => a.type === "phantom-element").map((a) => a.ops)).toEqual([[3], [5]]);
    expect(found(res, "phantom-element").explanation).toContain("no transaction ever pushed 7");
  });

  it("G1a: a read of a failed push", () => {
    const b = new HistoryBuilder().txn(0, [rpush("q", 1)], "fail").txn(1, [lpop("q", 1)]);
    expect(found(check(b), "G1a").explanation).toMatch(/failed \(aborted read\)/);
  });

  it("lost-element: never popped, and gone from the final read", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .txn(1, [rpush("q", 2)])
      .txn(2, [lpop("q", 2)])
      .txn(3, [r("q", []), llen("q", 0)]);
    const res = check(b);
    const a = found(res, "lost-element");
    expect(a.ops).toEqual([1, 7]);
    expect(a.explanation).toMatch(/pushed 1 to key "q" and was acknowledged, but op 7 \(process 3\)/);
    expect(res.anomalyTypes).not.toContain("lost-append");
  });

  it("lost-element shown by an empty pop", () => {
    const b = new HistoryBuilder().txn(0, [rpush("q", 1)]).txn(1, [lpop("q", null)]);
    expect(found(check(b), "lost-element").explanation).toContain("popped nil");
  });

  it("not lost when a DEL may have removed it", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .invoke(1, [del("q", 1)])
      .invoke(2, [r("q")])
      .ok(2, [r("q", [])])
      .ok(1, [del("q", 1)]);
    expectValid(b);
  });

  it("a read that misses an element popped later is stale, not lost: G-single-item-realtime", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .txn(1, [r("q", [])])
      .txn(2, [lpop("q", 1)]);
    const res = check(b);
    expect(res.anomalyTypes).toEqual(["G-single-item-realtime"]);
    const a = res.anomalies[0];
    expect(a.cycle!.steps.map((s) => [s.kind, s.from, s.to])).toEqual([
      ["rw", 3, 1],
      ["realtime", 1, 3],
    ]);
    expect(a.explanation).toContain(
      "1 was not lost: op 5 (process 2), invoked after T1 completed, popped it",
    );
    // Under a model without real time, a read may lag.
    expect(check(b, { model: "serializable" }).valid).toBe(true);
  });

  it("a stale empty pop that is read later is a real-time anomaly, not lost-append", () => {
    // The element is popped later, or read later (then nothing ever removes it, and the graph's own
    // rw edge from the empty pop closes the same cycle).
    for (const later of [lpop("q", 1), r("q", [1])]) {
      const b = new HistoryBuilder()
        .txn(0, [rpush("q", 1)])
        .txn(1, [lpop("q", null)])
        .txn(2, [later]);
      const res = check(b);
      expect(res.anomalyTypes).toEqual(["G-single-item-realtime"]);
      const steps = res.anomalies[0].cycle!.steps;
      expect(steps.map((s) => s.kind)).toEqual(["rw", "realtime"]);
      expect(steps[0]).toMatchObject({ from: 3, to: 1, key: "q" });
      expect(res.anomalies[0].explanation).toContain("popped nil");
      expect(check(b, { model: "serializable" }).valid).toBe(true);
    }
    // Never seen again: the element is lost.
    const lost = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .txn(1, [lpop("q", null)])
      .txn(2, [r("q", [])]);
    const res = check(lost);
    expect(res.anomalyTypes).toContain("lost-element");
    expect(res.anomalyTypes).not.toContain("lost-append");
  });

  it("lost-append on a list-append key: a hole, not a lagging prefix", () => {
    const hole = new HistoryBuilder()
      .txn(0, [append("x", 1)])
      .txn(1, [append("x", 2)])
      .txn(2, [r("x", [2])]);
    const res = check(hole);
    expect(found(res, "lost-append").explanation).toContain("though it holds 2, appended only after that");
    const stale = new HistoryBuilder()
      .txn(0, [append("x", 1)])
      .txn(1, [append("x", 2)])
      .txn(2, [r("x", [1])]);
    expect(check(stale).anomalyTypes).toEqual(["G-single-item-realtime"]);
  });

  it("fifo-violation: pushed in order, popped out of order", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .txn(1, [rpush("q", 2)])
      .txn(2, [lpop("q", 2)])
      .txn(3, [lpop("q", 1)]);
    const res = check(b);
    const a = found(res, "fifo-violation");
    expect(a.ops).toEqual([5, 7]);
    expect(a.explanation).toMatch(/so 1 was ahead of 2; yet op 5 \(process 2\) popped 2 from the head/);
  });

  it("fifo-violation from the order a read showed", () => {
    const b = overlapping([
      [0, [lpush("q", 1)]],
      [1, [rpush("q", 2)]],
    ])
      .txn(2, [r("q", [1, 2])])
      .txn(3, [lpop("q", 2)])
      .txn(4, [lpop("q", 1)]);
    expect(found(check(b), "fifo-violation").explanation).toContain('read key "q" = [1 2]');
  });

  it("len-mismatch inside one transaction, and in a quiet window", () => {
    const inTxn = new HistoryBuilder()
      .txn(0, [rpush("q", 1), rpush("q", 2)])
      .txn(1, [r("q", [1, 2]), rpush("q", 3), llen("q", 2)]);
    const a = found(check(inTxn), "len-mismatch");
    expect(a.explanation).toMatch(/implies 3 element\(s\) at the second, which shows 2/);
    const quiet = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .txn(1, [llen("q", 2)])
      .txn(2, [r("q", [1])]);
    expect(found(check(quiet), "len-mismatch").explanation).toContain("so both saw the same list");
  });

  it("resurrected-key: an element after an acknowledged DEL, and LLEN/EXISTS in a quiet window", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .txn(1, [del("q", 1)])
      .txn(2, [r("q", [1])]);
    expect(found(check(b), "resurrected-key").explanation).toContain("a deleted element came back");
    const counts = oneAfterAnother([
      [0, [rpush("q", 1)]],
      [1, [del("q", 1)]],
      [2, [llen("q", 1)]],
      [2, [exists("q", 1)]],
    ]);
    const res = check(counts);
    expect(res.anomalies.filter((a) => a.type === "resurrected-key")).toHaveLength(2);
    // A push racing the DEL may explain it.
    const racing = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .invoke(1, [del("q", 1)])
      .invoke(0, [rpush("q", 2)])
      .ok(1, [del("q", 1)])
      .ok(0, [rpush("q", 2)])
      .txn(2, [llen("q", 1), r("q", [2])]);
    expectValid(racing);
  });

  it("duplicate-elements in one read", () => {
    const b = new HistoryBuilder().txn(0, [rpush("q", 1)]).txn(1, [r("q", [1, 1]), llen("q", 2)]);
    expect(found(check(b), "duplicate-elements").explanation).toContain("1 2 times");
  });
});

describe("a push racing a DEL", () => {
  it("an orphan counted by LLEN but never read: len-mismatch only", () => {
    // DEL first: the list is [2], and the empty read lost 2. Push first: the list is empty, and
    // LLEN/EXISTS count an element that is not there. DEL's reply 1 is explained by 1 either way, so
    // nothing says which, and neither lost-element nor resurrected-key can be claimed.
    const b = race(1)
      .txn(3, [llen("q", 1)])
      .txn(3, [r("q", [])])
      .txn(3, [exists("q", 1)])
      .txn(4, [r("q", [])]);
    const res = check(b);
    expect(res.anomalyTypes).toEqual(["len-mismatch"]);
  });

  it("a DEL that found the key empty removed nothing: the element is lost", () => {
    const b = race(0, [])
      .txn(3, [llen("q", 1)])
      .txn(3, [r("q", [])]);
    const res = check(b);
    // Also a real-time cycle: that empty read came before 2's push, which completed before it.
    expect(res.anomalyTypes).toEqual(["G-single-item-realtime", "len-mismatch", "lost-element"]);
  });

  it("a read after the DEL shows the element survived it; a later loss is lost-element", () => {
    const b = race(1)
      .txn(3, [r("q", [2])])
      .txn(3, [r("q", [])]);
    const res = check(b);
    expect(res.anomalyTypes).toEqual(["lost-element"]);
    expect(found(res, "lost-element").explanation).toContain(
      'op 7 (process 3) read key "q" = [2], still holding it; but op 9 (process 3), invoked after that read completed, read key "q" = [], which lacks it',
    );
    // Missed by one read only, then seen again: a stale read, with its real-time cycle.
    const once = race(1)
      .txn(3, [r("q", [2])])
      .txn(3, [r("q", [])])
      .txn(4, [r("q", [2])]);
    const stale = check(once);
    expect(stale.anomalyTypes).toEqual(["G-single-item-realtime"]);
    expect(stale.anomalies[0].explanation).toContain(
      'from the invocation of op 7 (process 3), which read key "q" = [2], still holding it, and completed before T1 was invoked',
    );
    expect(stale.anomalies[0].explanation).toContain("2 was not lost: op 11 (process 4)");
    expect(check(once, { model: "serializable" }).valid).toBe(true);
  });

  it("what removes it after that read explains the loss", () => {
    const popped = race(1)
      .txn(3, [r("q", [2])])
      .txn(4, [lpop("q", 2)])
      .txn(3, [r("q", [])]);
    expectValid(popped);
    const deleted = race(1)
      .txn(3, [r("q", [2])])
      .txn(4, [del("q", 1)])
      .txn(3, [r("q", []), llen("q", 0)]);
    expectValid(deleted);
    const unknown = race(1)
      .txn(3, [r("q", [2])])
      .txn(4, [lpop("q")], "info")
      .txn(3, [r("q", [])]);
    expectValid(unknown);
    // Both serial orders of the race, read only before the DEL completed.
    for (const seen of [[1, 2], [2], []]) {
      const b = race(1, undefined, 2, [r("q", seen)]).txn(3, [r("q", seen.length === 1 ? [2] : [])]);
      expectValid(b);
    }
  });

  it("a push seen before the DEL was invoked took effect first: what survives the DEL is resurrected", () => {
    const seenFirst = (after: MicroOp[]) =>
      new HistoryBuilder()
        .txn(0, [rpush("q", 1)])
        .invoke(2, [rpush("q", 2)])
        .txn(3, [r("q", [1, 2])])
        .txn(1, [del("q", 1)])
        .ok(2, [rpush("q", 2)])
        .txn(3, after);
    const count = check(seenFirst([llen("q", 1)]));
    expect(count.anomalyTypes).toEqual(["resurrected-key"]);
    expect(count.anomalies[0].explanation).toContain("a push still in flight then had already taken effect");
    const element = check(seenFirst([r("q", [2])]));
    expect(element.anomalyTypes).toContain("resurrected-key");
    expect(found(element, "resurrected-key").explanation).toContain(
      'and op 4 (process 3) read key "q" = [1 2] and completed before op 6 (process 1) deleted the key (acknowledged), so that push had already taken effect',
    );
    expectValid(seenFirst([llen("q", 0), r("q", []), exists("q", 0)]));
    // An indeterminate push seen before the DEL counts too.
    const info = new HistoryBuilder()
      .invoke(2, [rpush("q", 2)])
      .txn(3, [r("q", [2])])
      .info(2, [rpush("q", 2)])
      .txn(1, [del("q", 1)])
      .txn(3, [exists("q", 1)]);
    expect(check(info).anomalyTypes).toEqual(["resurrected-key"]);
  });
});

describe("cycles through queue keys", () => {
  it("G-single-item across a queue and a list-append key", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1)])
      .invoke(1, [r("q"), r("x")])
      .invoke(2, [lpop("q"), append("x", 5)])
      .ok(2, [lpop("q", 1), append("x", 5)])
      .ok(1, [r("q", [1]), r("x", [5])]);
    const res = check(b, { model: "serializable" });
    expect(res.anomalyTypes).toEqual(["G-single-item"]);
    const text = res.anomalies[0].explanation;
    expect(text).toContain('read key "q" = [1], which still held 1, popped later by');
    expect(text).toContain('read key "x" = [5], observing');
  });

  it("a stale read of a queue: G-single-item-realtime", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1), rpush("q", 2)])
      .txn(1, [lpop("q", 1)])
      .txn(2, [r("q", [1, 2])])
      .txn(3, [lpop("q", 2)]);
    const res = check(b);
    expect(res.anomalyTypes).toContain("G-single-item-realtime");
    expect(check(b, { model: "serializable" }).valid).toBe(true);
  });

  it("pops out of order on the data alone: G0 under serializability", () => {
    const b = new HistoryBuilder()
      .txn(0, [rpush("q", 1), rpush("q", 2)])
      .invoke(1, [lpop("q")])
      .invoke(2, [lpop("q")])
      .invoke(3, [r("q")])
      .ok(3, [r("q", [1, 2])])
      .ok(1, [lpop("q", 2), rpush("p", 7)])
      .ok(2, [lpop("q", 1), rpush("p", 8)])
      .txn(4, [r("p", [7, 8]), lpop("p", 7)]);
    const res = check(b, { model: "serializable" });
    expect(res.valid).toBe(false);
    expect(res.anomalyTypes).toContain("G0");
  });
});

// Property tests: serial reference executions of lists and hashes.

const keyArb = fc.constantFrom("q1", "q2");
const mopArb: fc.Arbitrary<RefMop> = fc.oneof(
  fc.record({ kind: fc.constantFrom(...LIST_KINDS), key: keyArb }),
  fc.record({
    kind: fc.constantFrom(...HASH_KINDS),
    key: fc.constant("h"),
    field: fc.constantFrom("a", "b", "c"),
  }),
);
const txnArb = (outcomes: RefTxn["outcome"][], maxMops: number) => refTxnArb(mopArb, outcomes, maxMops);

function serial(executed: Executed[]) {
  return toHistory(executed, { spread: 0, rand: () => 0 });
}

/** A committed single-op txn whose reply is given (an injected fault). */
function single(mops: MicroOp[]): Executed {
  return { txn: { mops: [], outcome: "ok", applied: true }, mops, at: 0 };
}

/** Anomaly types found, leaving out the empty graph of a history with fewer than two txns. */
function types(h: ReturnType<typeof serial>): string[] {
  return checkHistory(h).anomalyTypes.filter((t) => t !== "empty-transaction-graph");
}

describe("histories from a serial reference execution", () => {
  it("one committed single-op txn after another: valid", () => {
    fc.assert(
      fc.property(fc.array(txnArb(["ok"], 1), { maxLength: 40 }), (txns) => {
        expect(types(serial(execute(txns)))).toEqual([]);
      }),
      { numRuns: Number(process.env.RUNS ?? 150) },
    );
  });

  it("overlapping multi-op txns, failed, indeterminate and never-completed ones: valid", () => {
    fc.assert(
      fc.property(
        fc.array(txnArb(["ok", "ok", "ok", "fail", "info", "pending"], 3), { maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        (txns, spread, seed) => {
          let x = seed | 1;
          const rand = (n: number) => {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            return (x >>> 0) % Math.max(1, n);
          };
          const h = toHistory(execute(txns), { spread, rand });
          const res = checkHistory(h);
          expect(
            res.anomalies.filter((a) => a.type !== "empty-transaction-graph").map((a) => a.explanation),
          ).toEqual([]);
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 150) },
    );
  });

  /** Runs `txns` serially, then the injected ops at `at` (computed against the state there), then the rest. */
  function injected(txns: RefTxn[], at: number, inject: (s: RefStore) => MicroOp[][]) {
    const cut = Math.min(at, txns.length);
    const store = new RefStore();
    const before = execute(txns.slice(0, cut), store);
    const mid = inject(store).map(single);
    const after = execute(txns.slice(cut), store);
    return serial([...before, ...mid, ...after]);
  }
  const runArb = fc.tuple(fc.array(txnArb(["ok"], 1), { maxLength: 30 }), fc.nat({ max: 30 }));

  it("one lost element is found", () => {
    fc.assert(
      fc.property(runArb, ([txns, at]) => {
        const h = injected(txns, at, (s) => {
          const x = s.value("q1"); // acknowledged, then lost
          const list = s.lists.get("q1") ?? [];
          return [[rpush("q1", x)], [r("q1", [...list]), llen("q1", list.length)]];
        });
        expect(types(h)).toContain("lost-element");
      }),
      { numRuns: 100 },
    );
  });

  it("one duplicate pop is found", () => {
    fc.assert(
      fc.property(runArb, ([txns, at]) => {
        const h = injected(txns, at, (s) => {
          const n = (s.lists.get("q1")?.length ?? 0) > 0 ? 1 : 0;
          s.lists.delete("q1");
          const x = s.value("q1");
          return [[del("q1", n)], [rpush("q1", x)], [lpop("q1", x)], [lpop("q1", x)]];
        });
        expect(types(h)).toContain("duplicate-pop");
      }),
      { numRuns: 100 },
    );
  });

  it("one wrong LLEN or HLEN is found", () => {
    fc.assert(
      fc.property(runArb, fc.boolean(), ([txns, at], onHash) => {
        const h = injected(txns, at, (s) => {
          if (onHash) {
            const all = Object.fromEntries(s.hashes.get("h") ?? new Map());
            return [[["hgetall", "h", all]], [["hlen", "h", Object.keys(all).length + 1]]];
          }
          const list = s.lists.get("q2") ?? [];
          return [[r("q2", [...list])], [llen("q2", list.length + 1)]];
        });
        expect(types(h)).toContain("len-mismatch");
      }),
      { numRuns: 100 },
    );
  });
});
