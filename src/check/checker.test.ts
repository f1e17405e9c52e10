import { describe, expect, it } from "vitest";
import { append as a, HistoryBuilder, read as r } from "./build.ts";
import type { MicroOp } from "./history.ts";
import { type CheckOptions, checkHistory } from "./index.ts";

/** Runs txns concurrently: every invocation first, then every completion, in the order given. */
function concurrent(txns: { p: number; mops: MicroOp[]; type?: "ok" | "fail" | "info" }[]) {
  const b = new HistoryBuilder();
  for (const t of txns) b.invoke(t.p, t.mops);
  for (const t of txns) {
    const type = t.type ?? "ok";
    if (type === "ok") b.ok(t.p, t.mops);
    else if (type === "fail") b.fail(t.p, t.mops);
    else b.info(t.p, t.mops);
  }
  return b;
}

function check(b: HistoryBuilder, opts?: CheckOptions) {
  return checkHistory(b.build(), opts);
}

describe("valid histories are not flagged", () => {
  it("a serial history of appends and reads", () => {
    const b = new HistoryBuilder()
      .txn(0, [a("x", 1), r("x", [1])])
      .txn(1, [r("x", [1]), a("x", 2), a("y", 1)])
      .txn(0, [r("x", [1, 2]), r("y", [1])])
      .txn(2, [r("z", [])]);
    const res = check(b);
    expect(res).toMatchObject({ valid: true, anomalyTypes: [], anomalies: [] });
    expect(res.stats).toEqual({ ops: 8, txns: 4, ok: 4, fail: 0, info: 0 });
  });

  // An append of unknown or failed outcome, then a committed one, then a read of both or one.
  it.each([
    ["an info append whose effect is observed later", "info", [1, 2]],
    ["an info append that never took effect", "info", [2]],
    ["a failed append that is never observed", "fail", [2]],
  ] as const)("%s", (_name, outcome, seen) => {
    const b = new HistoryBuilder()
      .txn(0, [a("x", 1)], outcome)
      .txn(1, [a("x", 2)])
      .txn(2, [r("x", [...seen])]);
    expect(check(b).valid).toBe(true);
  });

  it("an info txn's reads are not observations", () => {
    const b = new HistoryBuilder()
      .txn(0, [a("x", 1)])
      .invoke(1, [r("x")])
      .info(1, [r("x", [])]) // would be a stale read if it counted
      .txn(2, [r("x", [1])]);
    expect(check(b).valid).toBe(true);
  });

  it("a never-completed invocation whose append is observed", () => {
    const b = new HistoryBuilder().invoke(5, [a("x", 1)]).txn(1, [r("x", [1])]);
    expect(check(b).valid).toBe(true);
  });

  it("nemesis ops, nil reads of empty lists, and concurrent txns", () => {
    const b = new HistoryBuilder()
      .nemesis("partition", { n1: ["n2"] })
      .invoke(0, [a(3, 1)])
      .invoke(1, [r(3)])
      .ok(1, [r(3, null)])
      .ok(0, [a(3, 1)])
      .nemesis("heal")
      .txn(2, [r(3, [1])]);
    expect(check(b)).toMatchObject({ valid: true, anomalyTypes: [] });
  });
});

describe("each anomaly class", () => {
  it("G0: two txns' appends ordered differently on two keys", () => {
    const b = concurrent([
      { p: 0, mops: [a("x", 1), a("y", 1)] },
      { p: 1, mops: [a("x", 2), a("y", 2)] },
      { p: 2, mops: [r("x", [1, 2]), r("y", [2, 1])] },
    ]);
    const res = check(b);
    expect(res).toMatchObject({ valid: false, anomalyTypes: ["G0"] });
    const g0 = res.anomalies[0];
    expect(g0.cycle!.steps.map((s) => s.kind)).toEqual(["ww", "ww"]);
    expect(g0.explanation).toContain("a contradiction!");
    expect(g0.keys.sort()).toEqual(["x", "y"]);
  });

  it("G1a: a committed read of a failed append", () => {
    const b = new HistoryBuilder()
      .txn(3, [a("x", 0)])
      .txn(0, [a("x", 1)], "fail")
      .txn(1, [r("x", [0, 1])]);
    const res = check(b);
    expect(res.valid).toBe(false);
    expect(res.anomalyTypes).toContain("G1a");
    const g1a = res.anomalies.find((x) => x.type === "G1a")!;
    expect(g1a.ops).toEqual([5, 3]);
    expect(g1a.explanation).toMatch(/op 3 \(process 0, fail\).*failed/);
  });

  it("G1b: a read ending at an intermediate append", () => {
    const b = new HistoryBuilder().txn(0, [a("x", 1), a("x", 2)]).txn(1, [r("x", [1])]);
    const res = check(b);
    expect(res.anomalyTypes).toContain("G1b");
    expect(check(b, { anomalies: ["G1"] }).anomalyTypes).toEqual(["G1b"]);
  });

  it("G1c: circular information flow", () => {
    const b = concurrent([
      { p: 0, mops: [a("x", 1), r("y", [1])] },
      { p: 1, mops: [a("x", 2), a("y", 1)] },
      { p: 2, mops: [r("x", [1, 2])] },
    ]);
    const res = check(b);
    expect(res.anomalyTypes).toEqual(["G1c"]);
    expect(res.anomalies[0].cycle!.steps.map((s) => s.kind).sort()).toEqual(["wr", "ww"]);
  });

  it("G-single-item: read skew", () => {
    const b = concurrent([
      { p: 0, mops: [a("x", 1), a("y", 1)] },
      { p: 1, mops: [r("x", [1]), r("y", [])] },
    ]);
    const res = check(b);
    expect(res.anomalyTypes).toEqual(["G-single-item"]);
    const why = res.anomalies[0].cycle!.steps.find((s) => s.kind === "rw")!.why;
    expect(why).toMatch(/read key "y" = \[\] \(its initial state\), before T\d appended 1/);
  });

  it("G2-item: write skew", () => {
    const b = concurrent([
      { p: 0, mops: [r("x", []), a("y", 1)] },
      { p: 1, mops: [r("y", []), a("x", 1)] },
    ]);
    expect(check(b, { model: "serializable" })).toMatchObject({ valid: false, anomalyTypes: ["G2-item"] });
    expect(check(b, { model: "snapshot-isolation" }).valid).toBe(true);
  });

  it("G-nonadjacent-item: two rw edges separated by wr edges", () => {
    const b = concurrent([
      { p: 0, mops: [a("x", 1)] },
      { p: 1, mops: [r("x", [1]), r("y", [])] },
      { p: 2, mops: [a("y", 1)] },
      { p: 3, mops: [r("y", [1]), r("x", [])] },
    ]);
    const res = check(b, { model: "snapshot-isolation" });
    expect(res).toMatchObject({ valid: false, anomalyTypes: ["G-nonadjacent-item"] });
    const kinds = res.anomalies[0].cycle!.steps.map((s) => s.kind);
    expect(kinds.filter((k) => k === "rw")).toHaveLength(2);
  });

  it("G-single-item-realtime: a stale read after a completed append", () => {
    // The later read shows the element, so this is a lagging read, not a lost append.
    const b = new HistoryBuilder()
      .txn(0, [a("x", 1)])
      .txn(1, [r("x", [])])
      .txn(2, [r("x", [1])]);
    const res = check(b);
    expect(res).toMatchObject({ valid: false, anomalyTypes: ["G-single-item-realtime"] });
    const steps = res.anomalies[0].cycle!.steps;
    expect(steps.map((s) => s.kind).sort()).toEqual(["realtime", "rw"]);
    expect(steps.find((s) => s.kind === "realtime")!.why).toMatch(
      /completed at index 1, 1 µs before T\d was invoked at index 2/,
    );
    expect(res.notModels).toContain("strict-serializable");
    expect(check(b, { model: "serializable" }).valid).toBe(true);
  });

  it("G-single-item-process: a process does not see its own earlier append", () => {
    const b = new HistoryBuilder()
      .invoke(0, [a("x", 1)])
      .invoke(1, [a("y", 1)])
      .ok(0, [a("x", 1)])
      .invoke(0, [r("x")])
      .ok(1, [a("y", 1)])
      .ok(0, [r("x", [])]);
    expect(check(b, { model: "strong-session-snapshot-isolation" }).anomalyTypes).toEqual([
      "G-single-item-process",
    ]);
    expect(check(b, { model: "snapshot-isolation" }).valid).toBe(true);
  });

  it("incompatible-order and duplicate-elements", () => {
    const b = concurrent([
      { p: 0, mops: [a("x", 1)] },
      { p: 1, mops: [a("x", 2)] },
      { p: 2, mops: [r("x", [1, 2])] },
      { p: 3, mops: [r("x", [2, 1])] },
      { p: 4, mops: [r("x", [1, 2, 1])] },
    ]);
    const res = check(b, { model: "read-committed" });
    expect(res.anomalyTypes).toEqual(expect.arrayContaining(["duplicate-elements", "incompatible-order"]));
  });

  it("internal: a txn not seeing its own append", () => {
    const b = new HistoryBuilder().txn(0, [a("x", 1), r("x", [])]);
    const res = check(b, { anomalies: ["internal"] });
    expect(res.valid).toBe(false);
    expect(res.anomalyTypes).toContain("internal");
  });

  it("future-read: a txn reading what it appends later", () => {
    const b = new HistoryBuilder().txn(0, [r("x", [1]), a("x", 1)]);
    expect(check(b).anomalyTypes).toContain("future-read");
  });

  it("dirty-update: a committed append on top of a failed one", () => {
    const b = concurrent([
      { p: 0, mops: [a("x", 1)], type: "fail" },
      { p: 1, mops: [a("x", 2)] },
      { p: 2, mops: [r("x", [1, 2])] },
    ]);
    expect(check(b, { anomalies: ["dirty-update"] }).anomalyTypes).toEqual(["dirty-update"]);
  });

  it("lost-update: two txns append after reading the same state (also a G-single-item cycle)", () => {
    const b = concurrent([
      { p: 0, mops: [r("x", []), a("x", 1)] },
      { p: 1, mops: [r("x", []), a("x", 2)] },
      { p: 2, mops: [r("x", [1, 2])] },
    ]);
    const res = check(b);
    expect(res.anomalyTypes).toEqual(["G-single-item", "lost-update"]);
    expect(res.anomalies.find((x) => x.type === "lost-update")!.ops).toEqual([3, 4]);
  });

  it("phantom-element: a read of an element nobody appended", () => {
    const b = new HistoryBuilder().txn(0, [a("x", 1)]).txn(1, [r("x", [1, 7])]);
    expect(check(b).anomalyTypes).toContain("phantom-element");
  });
});

describe("verdicts that are not true or false", () => {
  it("every txn info: empty transaction graph", () => {
    const b = new HistoryBuilder().txn(0, [a("x", 1)], "info").txn(1, [r("x")], "info");
    expect(check(b)).toMatchObject({ valid: "unknown", anomalyTypes: ["empty-transaction-graph"] });
  });

  it("micro-ops no analysis owns", () => {
    const b = new HistoryBuilder().txn(0, [["w", "x", 1]]);
    expect(check(b)).toMatchObject({ valid: "unknown", anomalyTypes: ["unexpected-txn-micro-op-types"] });
  });

  it("the same element appended twice", () => {
    const b = new HistoryBuilder().txn(0, [a("x", 1)]).txn(1, [a("x", 1)]);
    expect(check(b)).toMatchObject({ valid: "unknown", anomalyTypes: ["duplicate-appends"] });
  });

  it("a cycle search that runs out of budget", () => {
    const b = concurrent([
      { p: 0, mops: [a("x", 1), a("y", 1)] },
      { p: 1, mops: [a("x", 2), a("y", 2)] },
      { p: 2, mops: [r("x", [1, 2]), r("y", [2, 1])] },
    ]);
    const res = check(b, { cycleSearchBudget: 0 });
    expect(res.valid).toBe("unknown");
    expect(res.anomalyTypes).toContain("cycle-search-timeout");
  });

  it("an unknown model is an error", () => {
    expect(() => check(new HistoryBuilder(), { model: "bogus" })).toThrow(
      /unknown consistency model "bogus"/,
    );
  });
});
