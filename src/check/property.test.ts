/**
 * Histories produced by a serial reference execution are valid, whatever the interleaving of
 * processes, failures and indeterminate outcomes; one injected stale or reordered read is caught
 * and named.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asInvoked } from "./build.ts";
import type { History, MicroOp, Op } from "./history.ts";
import { checkHistory } from "./index.ts";

interface TxnPlan {
  process: number;
  outcome: "ok" | "fail" | "info";
  /** Whether an info txn took effect. */
  applied: boolean;
  mops: { read: boolean; key: number }[];
  nemesisBefore: boolean;
}

const planArb: fc.Arbitrary<TxnPlan> = fc.record({
  process: fc.nat({ max: 4 }),
  outcome: fc.constantFrom<TxnPlan["outcome"]>("ok", "ok", "ok", "ok", "fail", "info"),
  applied: fc.boolean(),
  mops: fc.array(fc.record({ read: fc.boolean(), key: fc.nat({ max: 2 }) }), { minLength: 1, maxLength: 4 }),
  nemesisBefore: fc.boolean(),
});

/** Runs the txns one after another against lists; each read sees every earlier committed append. */
function serialHistory(plans: TxnPlan[]): History {
  const state = new Map<number, number[]>();
  let next = 1;
  const ops: Op[] = [];
  const push = (op: Omit<Op, "index">) => ops.push({ index: ops.length, ...op } as Op);
  for (const p of plans) {
    if (p.nemesisBefore) push({ type: "info", process: "nemesis", f: "partition", value: null });
    const local = new Map<number, number[]>();
    const view = (k: number) => local.get(k) ?? state.get(k) ?? [];
    const mops: MicroOp[] = p.mops.map(({ read, key }) => {
      if (read) return ["r", key, [...view(key)]];
      const v = next++;
      local.set(key, [...view(key), v]);
      return ["append", key, v];
    });
    push({ type: "invoke", process: p.process, f: "txn", value: asInvoked(mops) });
    const commits = p.outcome === "ok" || (p.outcome === "info" && p.applied);
    if (commits) for (const [k, v] of local) state.set(k, v);
    push({
      type: p.outcome,
      process: p.process,
      f: "txn",
      value: p.outcome === "ok" ? mops : asInvoked(mops),
    });
  }
  return ops;
}

const historyArb = fc.array(planArb, { minLength: 1, maxLength: 25 }).map(serialHistory);

/** Who appended each element (key → element → completion op). */
function appenders(h: History): Map<string, Op> {
  const out = new Map<string, Op>();
  for (const op of h)
    if (op.type !== "invoke" && Array.isArray(op.value))
      for (const [f, k, v] of op.value as MicroOp[]) if (f === "append") out.set(`${k}/${v}`, op);
  return out;
}

describe("serial executions", () => {
  it("are valid under strict serializability", () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const res = checkHistory(h);
        // Only a history with no inferable dependency at all may be undecidable.
        if (res.valid !== true) expect(res.anomalyTypes).toEqual(["empty-transaction-graph"]);
      }),
      { numRuns: 300 },
    );
  });

  it("with one stale read: a real-time cycle through that read, and nothing else", () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), fc.nat(), (h, pick, cut) => {
        const writers = appenders(h);
        // A committed read-only txn reading a non-empty list; drop the tail from a point where the
        // first dropped element was appended by a committed txn that did not also append the kept end.
        const candidates = h.filter((op) => {
          if (op.type !== "ok") return false;
          const mops = op.value as MicroOp[];
          return mops.length === 1 && mops[0][0] === "r" && (mops[0][2] as number[]).length > 0;
        });
        fc.pre(candidates.length > 0);
        const target = candidates[pick % candidates.length];
        const [, k, full] = (target.value as MicroOp[])[0] as [string, number, number[]];
        const m = cut % full.length;
        const dropper = writers.get(`${k}/${full[m]}`)!;
        fc.pre(dropper.type === "ok");
        fc.pre(m === 0 || writers.get(`${k}/${full[m - 1]}`) !== dropper);
        const stale = h.map((op) => (op === target ? { ...op, value: [["r", k, full.slice(0, m)]] } : op));
        const strict = checkHistory(stale);
        expect(strict.valid).toBe(false);
        // When no later read shows what the stale read missed, the loss also has our own name.
        strict.anomalyTypes = strict.anomalyTypes.filter((t) => t !== "lost-append");
        strict.anomalies = strict.anomalies.filter((a) => a.type !== "lost-append");
        // Usually G-single-item-realtime. When a real-time step of the cycle joins two txns that
        // also have an rw dependency, that pair counts as rw (data edges explain a pair first, as
        // in Elle), so the same stale read is classed G2-item- or G-nonadjacent-item-realtime.
        expect(strict.anomalyTypes).toHaveLength(1);
        expect(strict.anomalyTypes[0]).toMatch(/^G(-single|2|-nonadjacent)-item-realtime$/);
        const steps = strict.anomalies[0].cycle!.steps;
        expect(steps.some((s) => s.kind === "realtime")).toBe(true);
        // The stale reader precedes (rw) an appender it missed: the dropper itself when the order is
        // still known from other reads, else another append of that key placed after what was seen.
        expect(steps).toContainEqual(expect.objectContaining({ kind: "rw", from: target.index, key: k }));
        expect(checkHistory(stale, { model: "serializable" }).valid).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("with one reordered read: incompatible-order", () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), (h, pick) => {
        const reads: { op: Op; j: number; k: number }[] = [];
        for (const op of h) {
          if (op.type !== "ok") continue;
          (op.value as MicroOp[]).forEach(([f, k, v], j) => {
            if (f === "r" && (v as number[]).length >= 2) reads.push({ op, j, k: k as number });
          });
        }
        const { op: target, j, k } = reads[pick % Math.max(1, reads.length)] ?? {};
        fc.pre(target !== undefined && reads.some((r) => r.k === k && (r.op !== target || r.j !== j)));
        const mops = (target.value as MicroOp[]).map((m, i) => {
          if (i !== j) return m;
          const v = [...(m[2] as number[])];
          [v[0], v[1]] = [v[1], v[0]];
          return [m[0], m[1], v] as MicroOp;
        });
        const res = checkHistory(h.map((op) => (op === target ? { ...op, value: mops } : op)));
        expect(res.valid).toBe(false);
        expect(res.anomalyTypes).toContain("incompatible-order");
      }),
      { numRuns: 300 },
    );
  });
});
