import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MvccStore } from "../mvcc/store.ts";
import { applyRequest, CommitRecords, primaryKey, uniqueMutations } from "./fsm.ts";
import { Hlc } from "./hlc.ts";
import { type KvKnobs, kvKnobs } from "./knobs.ts";
import type { FsmRequest, Mutation } from "./types.ts";

const put = (key: string, value: string): Mutation => ({ op: "put", key, value });
const del = (key: string): Mutation => ({ op: "del", key });

function txn(
  startTS: number,
  commitTS: number,
  elems: Mutation[],
  extra: { readKeys?: string[]; prevCommitTS?: number; txnId?: string } = {},
): FsmRequest {
  return {
    kind: "txn",
    startTS,
    commitTS,
    prevCommitTS: extra.prevCommitTS ?? 0,
    readKeys: extra.readKeys ?? [],
    elems,
    ...(extra.txnId !== undefined ? { txnId: extra.txnId } : {}),
  };
}

function setup(overrides: Partial<KvKnobs> = {}) {
  const knobs = kvKnobs(overrides);
  const store = new MvccStore();
  const hlc = Hlc.fromKnobs(() => 0, knobs);
  return { knobs, store, hlc, apply: (r: FsmRequest) => applyRequest(store, hlc, r, knobs) };
}

describe("applyRequest", () => {
  it("rejects commitTS <= startTS and empty write sets without touching the store", () => {
    const { apply, store } = setup();
    expect(apply(txn(5, 5, [put("a", "1")]))).toMatchObject({ ok: false, reason: "invalid" });
    expect(apply(txn(5, 4, [put("a", "1")]))).toMatchObject({ ok: false, reason: "invalid" });
    expect(apply(txn(5, 6, []))).toMatchObject({ ok: false, reason: "invalid" });
    expect(store.versionCount).toBe(0);
  });

  it("applies with OCC and observes the commitTS only on success", () => {
    const { apply, hlc } = setup();
    expect(apply(txn(0, 10, [put("a", "1")]))).toEqual({ ok: true, commitTS: 10 });
    expect(hlc.current()).toBe(10);
    expect(apply(txn(5, 20, [put("a", "2")]))).toEqual({ ok: false, reason: "write-conflict", key: "a" });
    expect(hlc.current()).toBe(10);
    const off = setup({ hlcObserveOnApply: false });
    off.apply(txn(0, 10, [put("a", "1")]));
    expect(off.hlc.current()).toBe(0);
  });

  it("the stale-apply fast path makes an identical re-send a no-op success; without it the re-send self-conflicts", () => {
    const req = txn(3, 10, [put("a", "1"), put("b", "2")]);
    const on = setup();
    on.apply(txn(0, 3, [put("z", "0")]));
    expect(on.apply(req)).toEqual({ ok: true, commitTS: 10 });
    expect(on.apply(req)).toEqual({ ok: true, commitTS: 10, noop: "stale-apply" });
    const off = setup({ staleApplyFastPath: false });
    off.apply(txn(0, 3, [put("z", "0")]));
    off.apply(req);
    expect(off.apply(req)).toEqual({ ok: false, reason: "write-conflict", key: "a" });
    // Only when every key has a version at exactly commitTS.
    expect(on.apply(txn(3, 10, [put("a", "1"), put("c", "2")]))).toMatchObject({ ok: false });
  });

  it("with staleApplyTxnId the fast path is for the same txn only: an identical write set of another txn conflicts", () => {
    // Two LPOPs of one element from one snapshot that drew the same commitTS (F4).
    const pop = [put("claim", ""), del("item"), put("fence", ""), put("delta@10", "+1-1")];
    const first = txn(3, 10, pop, { txnId: "n0.1" });
    const other = txn(3, 10, pop, { txnId: "n1.7" });
    const fixed = setup();
    fixed.apply(txn(0, 3, [put("item", "x")]));
    expect(fixed.apply(first)).toEqual({ ok: true, commitTS: 10 });
    expect(fixed.apply(first)).toEqual({ ok: true, commitTS: 10, noop: "stale-apply" });
    expect(fixed.apply(other)).toMatchObject({ ok: false, reason: "write-conflict" });
    const head = setup({ staleApplyTxnId: false });
    head.apply(txn(0, 3, [put("item", "x")]));
    head.apply(first);
    expect(head.apply(other)).toEqual({ ok: true, commitTS: 10, noop: "stale-apply" });
  });

  it("the dedup probe no-ops a reused write set whose primary key landed at prevCommitTS", () => {
    const { apply, store } = setup();
    expect(apply(txn(0, 10, [put("b", "x"), put("a", "y")]))).toEqual({ ok: true, commitTS: 10 });
    // Same write set, same startTS, fresh commitTS: the primary is "a", the smallest key.
    const reuse = txn(0, 11, [put("b", "x"), put("a", "y")], { prevCommitTS: 10 });
    expect(apply(reuse)).toEqual({ ok: true, commitTS: 10, noop: "dedup" });
    expect(store.versionCount).toBe(2);
    const off = setup({ dedupProbe: false });
    off.apply(txn(0, 10, [put("b", "x"), put("a", "y")]));
    expect(off.apply(reuse)).toEqual({ ok: false, reason: "write-conflict", key: "b" });
  });

  it("de-duplicates mutations, last per key wins", () => {
    const { apply, store } = setup();
    apply(txn(0, 10, [put("a", "1"), put("b", "2"), del("a")]));
    expect(store.getAt("a", 10)).toBeUndefined();
    expect(store.getAt("b", 10)).toBe("2");
    expect(uniqueMutations([put("a", "1"), put("b", "2"), put("a", "3")])).toEqual([
      put("b", "2"),
      put("a", "3"),
    ]);
    expect(primaryKey([put("b", ""), put("a\x00", ""), put("a", "")])).toBe("a");
  });

  it("validates read keys in the log entry only when readSetInRaft", () => {
    const on = setup();
    on.apply(txn(0, 10, [put("r", "1")]));
    expect(on.apply(txn(5, 11, [put("w", "1")], { readKeys: ["r"] }))).toMatchObject({ ok: false, key: "r" });
    const off = setup({ readSetInRaft: false });
    off.apply(txn(0, 10, [put("r", "1")]));
    expect(off.apply(txn(5, 11, [put("w", "1")], { readKeys: ["r"] }))).toEqual({ ok: true, commitTS: 11 });
  });

  it("lease entries raise the ceiling (when on); noop does nothing", () => {
    const { apply, hlc, store } = setup();
    expect(apply({ kind: "hlc-lease", ceilingMs: 500 })).toEqual({ ok: true, commitTS: 0 });
    apply({ kind: "hlc-lease", ceilingMs: 400 });
    expect(hlc.physicalCeiling()).toBe(500);
    expect(apply({ kind: "noop" })).toEqual({ ok: true, commitTS: 0 });
    expect(store.lastCommitTS()).toBe(0);
    const off = setup({ hlcCeiling: false });
    off.apply({ kind: "hlc-lease", ceilingMs: 500 });
    expect(off.hlc.physicalCeiling()).toBe(0);
    // A replica without a clock applies the same entries.
    expect(applyRequest(new MvccStore(), null, { kind: "hlc-lease", ceilingMs: 9 }, kvKnobs())).toEqual({
      ok: true,
      commitTS: 0,
    });
  });
});

describe("applyRequest check order (route gate, commitTS, dedup, last write, internal key, fast path, OCC)", () => {
  // One write set that landed twice, at 5 and at 10 (e.g. the first attempt and its reuse both
  // surviving churn), so that a later request can match the dedup probe and the fast path at once.
  const ws = [put("a", "1"), put("b", "2")];
  function landedTwice(overrides: Partial<KvKnobs> = {}) {
    const s = setup(overrides);
    expect(s.apply(txn(0, 5, ws))).toEqual({ ok: true, commitTS: 5 });
    expect(s.apply(txn(5, 10, ws))).toEqual({ ok: true, commitTS: 10 });
    return s;
  }

  it("a request matching both the dedup probe and the fast path is answered by the probe, which observes nothing", () => {
    for (const compare of [true, false]) {
      const s = landedTwice({ staleApplyCompareValues: compare, hlcObserveOnApply: true });
      const before = s.hlc.current();
      const req = txn(3, 10, ws, { prevCommitTS: 5 });
      expect(s.apply(req)).toEqual({ ok: true, commitTS: 5, noop: "dedup" });
      expect(s.hlc.current()).toBe(before);
      // Without the probe the same request is the fast path's: a no-op at its own commitTS.
      const noProbe = landedTwice({ staleApplyCompareValues: compare, dedupProbe: false });
      expect(noProbe.apply(req)).toEqual({ ok: true, commitTS: 10, noop: "stale-apply" });
    }
  });

  it("commitTS <= startTS is refused even when the dedup probe would match", () => {
    const s = landedTwice();
    expect(s.apply(txn(10, 10, ws, { prevCommitTS: 5 }))).toMatchObject({ ok: false, reason: "invalid" });
    expect(s.apply(txn(11, 10, ws, { prevCommitTS: 5 }))).toMatchObject({ ok: false, reason: "invalid" });
  });

  it("the dedup probe runs before the internal-key check; the internal-key check before the fast path", () => {
    const s = setup();
    // Planted straight into the store: the FSM itself never writes an internal key.
    s.store.applyMutations([put("!txn|x", "m"), put("a", "1")], [], 0, 5);
    const withInternal = [put("!txn|x", "m"), put("a", "1")];
    // Landed at PrevCommitTS: the probe answers first.
    expect(s.apply(txn(3, 9, withInternal, { prevCommitTS: 5 }))).toEqual({
      ok: true,
      commitTS: 5,
      noop: "dedup",
    });
    // Every key has a version at commitTS 5, but the internal key is refused before the fast path.
    expect(s.apply(txn(3, 5, withInternal))).toMatchObject({ ok: false, reason: "invalid" });
  });

  it("the fast path sees the write set after last-write-per-key", () => {
    const s = setup();
    s.apply(txn(0, 10, [put("a", "2")]));
    // Taken mutation by mutation, a=1 does not match the version at 10; the last write a=2 does.
    expect(s.apply(txn(3, 10, [put("a", "1"), put("a", "2")]))).toEqual({
      ok: true,
      commitTS: 10,
      noop: "stale-apply",
    });
  });

  it("the fast path runs before the commit-order fix and OCC", () => {
    const s = setup({ applyInCommitOrder: true });
    const req = txn(3, 10, ws);
    s.apply(req);
    s.apply(txn(10, 20, [put("a", "3")]));
    // commitTS 10 <= LastCommitTS 20 and "a" changed after startTS, yet the re-send is a no-op success.
    expect(s.apply(req)).toEqual({ ok: true, commitTS: 10, noop: "stale-apply" });
    // A different write set at a late commitTS is refused by the fix, before OCC would run.
    expect(s.apply(txn(15, 12, [put("c", "1")]))).toMatchObject({ ok: false, reason: "invalid" });
    expect(s.apply(txn(11, 12, [put("c", "1")]))).toEqual({ ok: false, reason: "write-conflict", key: "c" });
  });
});

describe("replicas", () => {
  const keyArb = fc.constantFrom("a", "a\x00", "b", "k", "\xff");
  const mutArb: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ op: fc.constant("put" as const), key: keyArb, value: fc.constantFrom("", "1", "2", "\xff") }),
    fc.record({ op: fc.constant("del" as const), key: keyArb }),
  );
  const reqArb: fc.Arbitrary<FsmRequest> = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant("txn" as const),
        startTS: fc.integer({ min: 0, max: 30 }),
        commitTS: fc.integer({ min: 0, max: 34 }),
        prevCommitTS: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 34 })),
        readKeys: fc.array(keyArb, { maxLength: 2 }),
        elems: fc.array(mutArb, { maxLength: 4 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("hlc-lease" as const), ceilingMs: fc.nat(100) }) },
    { weight: 1, arbitrary: fc.constant({ kind: "noop" as const }) },
  );
  const knobsArb = fc.record({
    readSetInRaft: fc.boolean(),
    staleApplyFastPath: fc.boolean(),
    dedupProbe: fc.boolean(),
    hlcObserveOnApply: fc.boolean(),
    hlcCeiling: fc.boolean(),
  });

  it("applying the same committed log gives byte-identical stores and identical results (property)", () => {
    fc.assert(
      fc.property(
        fc.array(reqArb, { maxLength: 40 }),
        knobsArb,
        fc.integer({ min: 0, max: 40 }),
        (log, k, cloneAt) => {
          const knobs = kvKnobs(k);
          // Different wall clocks: nothing node-local may leak into the replicated state.
          const a = { store: new MvccStore(), hlc: Hlc.fromKnobs(() => 7, knobs) };
          const b = { store: new MvccStore(), hlc: Hlc.fromKnobs(() => 70_000, knobs) };
          let c: MvccStore | undefined;
          const resultsA = [];
          const resultsB = [];
          for (let i = 0; i < log.length; i++) {
            if (i === cloneAt) c = a.store.clone();
            resultsA.push(applyRequest(a.store, a.hlc, log[i], knobs));
            resultsB.push(applyRequest(b.store, null, log[i], knobs));
            if (c) applyRequest(c, null, log[i], knobs);
          }
          expect(resultsB).toEqual(resultsA);
          expect(b.store.snapshotBytes()).toBe(a.store.snapshotBytes());
          if (c) expect(c.snapshotBytes()).toBe(a.store.snapshotBytes());
          expect(b.store.versionCount).toBe(a.store.versionCount);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("CommitRecords", () => {
  it("answers like a map by (primary, commitTS) whatever order commits arrive in", () => {
    const cmd = fc.tuple(fc.constantFrom("a", "b", "c"), fc.integer({ min: 1, max: 12 }), fc.string());
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 60 }), (sets) => {
        const r = new CommitRecords();
        const model = new Map<string, string>();
        for (const [p, ts, id] of sets) {
          r.set(p, ts, id);
          model.set(`${p}@${ts}`, id);
          for (const q of ["a", "b", "c"])
            for (let t = 0; t <= 13; t++) expect(r.get(q, t)).toBe(model.get(`${q}@${t}`));
        }
      }),
    );
  });
});
