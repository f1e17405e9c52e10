import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MvccStore } from "../mvcc/store.ts";
import { applyRequest } from "./fsm.ts";
import { CeilingExpiredError, Hlc, hlcLogical, hlcPhysical, hlcValue } from "./hlc.ts";
import { type KvKnobs, kvKnobs } from "./knobs.ts";
import type { FsmRequest } from "./types.ts";

function clockAt(ms: number): {
  set(v: number): void;
  hlc: (o?: ConstructorParameters<typeof Hlc>[1]) => Hlc;
} {
  let now = ms;
  return { set: (v) => (now = v), hlc: (o) => new Hlc(() => now, o) };
}

describe("Hlc", () => {
  it("physical ms × 65536 + logical; logical counts within a ms and resets when the wall moves", () => {
    const c = clockAt(100);
    const h = c.hlc();
    expect(h.next()).toBe(hlcValue(100, 0));
    expect(h.next()).toBe(hlcValue(100, 1));
    c.set(99); // wall regression: keep physical, keep counting
    expect(h.next()).toBe(hlcValue(100, 2));
    c.set(101);
    expect(h.next()).toBe(hlcValue(101, 0));
    expect(h.current()).toBe(hlcValue(101, 0));
    expect(hlcPhysical(h.current())).toBe(101);
    expect(hlcLogical(hlcValue(7, 9))).toBe(9);
  });

  it("logical overflow bumps physical by one", () => {
    const c = clockAt(5);
    const h = c.hlc();
    h.observe(hlcValue(5, 65_535));
    expect(h.next()).toBe(hlcValue(6, 0));
  });

  it("observe only raises", () => {
    const h = clockAt(0).hlc();
    h.observe(50);
    h.observe(10);
    expect(h.current()).toBe(50);
    expect(h.next()).toBe(51);
  });

  it("the ceiling floors the physical part and only rises; ignored when off", () => {
    const c = clockAt(100);
    const h = c.hlc();
    h.applyCeiling(10_100);
    h.applyCeiling(5_000);
    expect(h.physicalCeiling()).toBe(10_100);
    expect(h.next()).toBe(hlcValue(10_100, 0));
    expect(h.nextFenced()).toBe(hlcValue(10_100, 1));
    const off = c.hlc({ ceiling: false });
    off.applyCeiling(10_100);
    expect(off.physicalCeiling()).toBe(0);
    expect(off.next()).toBe(hlcValue(100, 0));
  });

  it("nextFenced fails closed when wall ≥ ceiling or the logical counter would pass the ceiling", () => {
    const c = clockAt(100);
    const h = c.hlc();
    expect(h.nextFenced()).toBe(hlcValue(100, 0)); // no ceiling yet: unfenced
    h.applyCeiling(200);
    c.set(200);
    expect(() => h.nextFenced()).toThrow(CeilingExpiredError);
    expect(h.next()).toBe(hlcValue(200, 0)); // unfenced Next still issues
    c.set(150);
    h.observe(hlcValue(200, 65_535));
    expect(() => h.nextFenced()).toThrow(CeilingExpiredError);
    expect(h.fencedRejections).toBe(2);
    expect(h.current()).toBe(hlcValue(200, 65_535)); // a refusal issues nothing
  });

  it("nextTimestampAfterThrough is strictly above startTS", () => {
    const h = clockAt(1).hlc({ fenced: false });
    const start = hlcValue(500, 3);
    expect(h.nextTimestampAfterThrough(start)).toBe(start + 1);
  });

  it("becomeLeader floors at the max applied ts only with the knob", () => {
    const off = clockAt(1).hlc();
    off.becomeLeader(1_000);
    expect(off.current()).toBe(0);
    const on = clockAt(0).hlc({ leaderFloor: true });
    on.becomeLeader(1_000);
    expect(on.next()).toBe(1_001);
  });

  it("is strictly monotonic per node whatever the wall clock does (property)", () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant("wall" as const), v: fc.integer({ min: 0, max: 400 }) }),
      fc.record({
        k: fc.constant("observe" as const),
        v: fc.integer({ min: 0, max: hlcValue(400, 65_535) }),
      }),
      fc.record({ k: fc.constant("ceiling" as const), v: fc.integer({ min: 0, max: 400 }) }),
      fc.record({ k: fc.constant("next" as const), v: fc.constant(0) }),
      fc.record({ k: fc.constant("fenced" as const), v: fc.constant(0) }),
      fc.record({ k: fc.constant("after" as const), v: fc.integer({ min: 0, max: hlcValue(400, 65_535) }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.boolean(), (ops, fenced) => {
        const c = clockAt(0);
        const h = c.hlc({ fenced });
        let prev = 0;
        for (const o of ops) {
          const before = h.current();
          let ts: number | undefined;
          try {
            if (o.k === "wall") c.set(o.v);
            else if (o.k === "observe") h.observe(o.v);
            else if (o.k === "ceiling") h.applyCeiling(o.v);
            else if (o.k === "next") ts = h.next();
            else if (o.k === "fenced") ts = h.nextFenced();
            else {
              ts = h.nextTimestampAfterThrough(o.v);
              expect(ts).toBeGreaterThan(o.v);
            }
          } catch (e) {
            expect(e).toBeInstanceOf(CeilingExpiredError);
          }
          expect(h.current()).toBeGreaterThanOrEqual(before);
          if (ts !== undefined) {
            expect(ts).toBeGreaterThan(prev);
            expect(ts).toBeGreaterThan(before);
            if (h.physicalCeiling() > 0) expect(hlcPhysical(ts)).toBeGreaterThanOrEqual(h.physicalCeiling());
            prev = ts;
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Leader hand-off: nodes with skewed wall clocks take turns issuing commit timestamps into one
// replicated log. A new leader has applied every committed entry before it issues.

interface SimNode {
  hlc: Hlc;
  store: MvccStore;
  applied: number;
  skewMs: number;
}

type Action =
  | { kind: "tick"; ms: number }
  | { kind: "issue"; count: number }
  | { kind: "renew" }
  | { kind: "handoff"; to: number };

/**
 * `mint`: the startTS comes from the leader's clock (coordinator-minted, docs/model.md) rather
 * than from its store's LastCommitTS, whose Observe would otherwise floor the clock by itself.
 */
function runHandoff(
  knobs: KvKnobs,
  skews: number[],
  actions: Action[],
  mint: boolean,
): { issued: number[]; committed: number[] } {
  let nowMs = 1_000;
  const log: FsmRequest[] = [];
  const nodes: SimNode[] = skews.map((skewMs) => {
    const n: SimNode = { hlc: undefined as unknown as Hlc, store: new MvccStore(), applied: 0, skewMs };
    n.hlc = Hlc.fromKnobs(() => nowMs + n.skewMs, knobs);
    return n;
  });
  const catchUp = (n: SimNode) => {
    while (n.applied < log.length) applyRequest(n.store, n.hlc, log[n.applied++], knobs);
  };
  const append = (req: FsmRequest) => {
    log.push(req);
    catchUp(nodes[leader]);
  };
  let leader = 0;
  const issued: number[] = [];
  const renew = () => {
    if (knobs.hlcCeiling)
      append({ kind: "hlc-lease", ceilingMs: nodes[leader].hlc.wallMs() + knobs.hlcWindowMs });
  };
  renew();
  for (const a of actions) {
    const l = nodes[leader];
    if (a.kind === "tick") nowMs += a.ms;
    else if (a.kind === "renew") renew();
    else if (a.kind === "handoff") {
      leader = a.to % nodes.length;
      catchUp(nodes[leader]);
      nodes[leader].hlc.becomeLeader(nodes[leader].store.lastCommitTS());
      renew();
    } else {
      for (let i = 0; i < a.count; i++) {
        const alloc = (f: () => number): number => {
          try {
            return f();
          } catch (e) {
            if (!(e instanceof CeilingExpiredError)) throw e;
            renew(); // on-demand lease recovery, then one more try
            return f();
          }
        };
        const startTS = mint ? alloc(() => l.hlc.allocate()) : l.store.lastCommitTS();
        const commitTS = alloc(() => l.hlc.nextTimestampAfterThrough(startTS));
        issued.push(commitTS);
        append({
          kind: "txn",
          startTS,
          commitTS,
          prevCommitTS: 0,
          readKeys: [],
          elems: [{ op: "put", key: `k${commitTS}`, value: "v" }],
        });
      }
    }
  }
  const committed = log.flatMap((r) => (r.kind === "txn" ? [r.commitTS] : []));
  return { issued, committed };
}

describe("commit timestamps across leader changes", () => {
  const actionArb: fc.Arbitrary<Action> = fc.oneof(
    fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 4_000 }) }),
    fc.record({ kind: fc.constant("issue" as const), count: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ kind: fc.constant("renew" as const) }),
    fc.record({ kind: fc.constant("handoff" as const), to: fc.nat() }),
  );

  it("are unique and increase in log order with the ceiling and observe-on-apply on (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -3_000, max: 3_000 }), { minLength: 2, maxLength: 3 }),
        fc.array(actionArb, { maxLength: 40 }),
        fc.boolean(),
        fc.boolean(),
        (skews, actions, fenced, mint) => {
          const knobs = kvKnobs({ hlcCeiling: true, hlcObserveOnApply: true, hlcFenced: fenced });
          const { committed } = runHandoff(knobs, skews, actions, mint);
          expect(new Set(committed).size).toBe(committed.length);
          for (let i = 1; i < committed.length; i++) expect(committed[i]).toBeGreaterThan(committed[i - 1]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("can repeat with those knobs off and a lagging clock on the new leader", () => {
    const off = kvKnobs({ hlcCeiling: false, hlcObserveOnApply: false, hlcFenced: false });
    const script: Action[] = [
      { kind: "issue", count: 1 }, // L0 at wall 1000: start (1000,0), commit (1000,1)
      { kind: "handoff", to: 1 }, // L1's wall lags 5 ms
      { kind: "tick", ms: 5 },
      { kind: "issue", count: 1 }, // L1 at wall 1000 again: start (1000,0), commit (1000,1)
    ];
    const bad = runHandoff(off, [0, -5], script, true);
    expect(bad.committed).toEqual([hlcValue(1000, 1), hlcValue(1000, 1)]);

    expect(new Set(runHandoff(kvKnobs(), [0, -5], script, true).committed).size).toBe(2);
    // Observe-on-apply alone, or the leader floor alone, is enough for this schedule; an adapter
    // startTS taken from the caught-up store is too (its Observe floors the clock).
    expect(
      new Set(runHandoff({ ...off, hlcObserveOnApply: true }, [0, -5], script, true).committed).size,
    ).toBe(2);
    expect(new Set(runHandoff({ ...off, hlcLeaderFloor: true }, [0, -5], script, true).committed).size).toBe(
      2,
    );
    expect(new Set(runHandoff(off, [0, -5], script, false).committed).size).toBe(2);
  });

  it("the ceiling alone does not cover a new leader's logical counter", () => {
    // Both leaders issue at physical = ceiling; without observe the new one restarts its counter.
    const knobs = kvKnobs({ hlcObserveOnApply: false });
    const script: Action[] = [
      { kind: "issue", count: 2 },
      { kind: "handoff", to: 1 },
      { kind: "issue", count: 1 },
    ];
    const r = runHandoff(knobs, [0, 0], script, true);
    expect(new Set(r.committed).size).toBeLessThan(3);
  });
});
