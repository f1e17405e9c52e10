import { describe, expect, it } from "vitest";
import { performRead } from "../kv/reads.ts";
import type { Co, ProposeOutcome } from "../kv/types.ts";
import { DeltaCompactor } from "./compactor.ts";
import type { NodeContext } from "./context.ts";
import { execute } from "./execute.ts";
import { directNode } from "./interleave.ts";
import { checkStoreInvariants } from "./invariants.ts";
import { decodeListMeta, encodeListDelta, keysFor, prefixEnd } from "./keys.ts";
import type { RedisKnobs } from "./knobs.ts";
import type { RedisCommand, RedisReply } from "./types.ts";

function setup(knobs: Partial<RedisKnobs> = {}) {
  const { node, ctx } = directNode({ compactionThreshold: 4, ...knobs });
  const compactor = new DeltaCompactor(ctx);
  ctx.urgentCompaction = (t, k) => compactor.triggerUrgent(t, k);
  const run = (cmd: RedisCommand): RedisReply => node.run(execute(ctx, cmd));
  return { node, ctx, compactor, run };
}

const K = keysFor("length-prefixed");
const deltaCount = (ctx: NodeContext, key: string) => {
  const p = K.listDeltaPrefix(key);
  return ctx.store.scanAt(p, prefixEnd(p), 1_000_000, ctx.store.lastCommitTS()).length;
};
const claimCount = (ctx: NodeContext, key: string) => {
  const p = K.listClaimPrefix(key);
  return ctx.store.scanAt(p, prefixEnd(p), 1_000_000, ctx.store.lastCommitTS()).length;
};

/** Drive the compactor loop: proposals apply at once, sleeps advance the clock, for `us` µs. */
function driveLoop(
  node: ReturnType<typeof directNode>["node"],
  compactor: DeltaCompactor,
  co: Co<void>,
  us: number,
  onSleep?: (t: number) => void,
) {
  const end = node.nowUs + us;
  let step = co.next();
  while (!step.done) {
    const e = step.value;
    let input: unknown;
    if (e.kind === "propose") {
      const result = node.apply(e.request);
      input = { status: "applied", index: node.log.length, result } satisfies ProposeOutcome;
    } else if (e.kind === "sleep") {
      node.advance(e.us);
      onSleep?.(node.nowUs);
      if (node.nowUs >= end) compactor.stop();
      input = undefined;
    } else if (e.kind === "read") {
      input = performRead(node.store, e);
    } else if (e.kind === "sched") {
      input = undefined;
    } else {
      input = true;
    }
    step = co.next(input);
  }
}

describe("DeltaCompactor folds", () => {
  it("folds a list at the threshold into its base meta, and not below it", () => {
    const { node, ctx, compactor, run } = setup();
    for (const v of ["a", "b", "c"]) run({ name: "RPUSH", key: "k", values: [v] });
    let res = node.run(compactor.passOnce(true));
    expect(res.folded.list).toEqual([]);
    run({ name: "LPOP", key: "k" });
    res = node.run(compactor.passOnce(true));
    expect(res.folded.list).toEqual(["k"]);
    expect(deltaCount(ctx, "k")).toBe(0);
    const meta = decodeListMeta(ctx.store.getAt(K.listMeta("k"), ctx.store.lastCommitTS())!);
    expect(meta).toMatchObject({ head: 1, len: 2, tail: 3 });
    expect(run({ name: "LRANGE", key: "k", start: 0, stop: -1 })).toMatchObject({
      value: [{ value: "b" }, { value: "c" }],
    });
    expect(checkStoreInvariants(node.store)).toEqual([]);
  });

  it("garbage-collects claims below Head and at or above Tail", () => {
    const { node, ctx, compactor, run } = setup();
    run({ name: "RPUSH", key: "k", values: ["a", "b", "c", "d"] });
    run({ name: "LPOP", key: "k" }); // claim 0
    run({ name: "RPOP", key: "k" }); // claim 3
    run({ name: "RPUSH", key: "k", values: ["e"] }); // reuses 3: claim 3 now inside [1, 4)
    run({ name: "RPOP", key: "k" }); // claim 3 again
    expect(claimCount(ctx, "k")).toBe(2);
    node.run(compactor.passOnce(true));
    expect(claimCount(ctx, "k")).toBe(0);
  });

  it("without claim GC (before 6eb9baca) claims accumulate", () => {
    const { node, ctx, compactor, run } = setup({ compactorClaimGc: false });
    run({ name: "RPUSH", key: "k", values: ["a", "b", "c", "d"] });
    for (let i = 0; i < 3; i++) run({ name: "LPOP", key: "k" });
    node.run(compactor.passOnce(true));
    expect(claimCount(ctx, "k")).toBe(3);
  });

  it("Len 0: delete-fenced (fixed) removes the key; keep leaves a Len-0 meta", () => {
    for (const mode of ["delete", "delete-fenced", "keep"] as const) {
      const { node, ctx, compactor, run } = setup({ compactorEmptyMeta: mode });
      run({ name: "RPUSH", key: "k", values: ["a", "b"] });
      run({ name: "LPOP", key: "k", count: 2 });
      run({ name: "RPUSH", key: "k", values: ["c"] });
      run({ name: "LPOP", key: "k" });
      const res = node.run(compactor.passOnce(true));
      expect(res.emptied).toEqual(["k"]);
      const fence = ctx.store.getAt(K.fence("list", "k"), ctx.store.lastCommitTS());
      const meta = ctx.store.getAt(K.listMeta("k"), ctx.store.lastCommitTS());
      expect(run({ name: "EXISTS", keys: ["k"] })).toEqual({ type: "int", value: mode === "keep" ? 1 : 0 });
      if (mode === "keep") expect(decodeListMeta(meta!)).toMatchObject({ head: 3, len: 0 });
      else expect(meta).toBeUndefined();
      // The fence is written by every push/pop anyway; what matters is the fold's own write.
      expect(fence).toBe("");
      expect(run({ name: "RPUSH", key: "k", values: ["x"] })).toEqual({ type: "int", value: 1 });
      expect(run({ name: "LRANGE", key: "k", start: 0, stop: -1 })).toMatchObject({
        value: [{ value: "x" }],
      });
    }
  });

  it("folds hashes (Len 0 deletes the meta under delete-fenced)", () => {
    const { node, ctx, compactor, run } = setup();
    run({ name: "HSET", key: "h", pairs: [["a", "1"]] });
    run({ name: "HSET", key: "h", pairs: [["b", "1"]] });
    run({ name: "HDEL", key: "h", fields: ["a"] });
    run({ name: "HSET", key: "h", pairs: [["c", "1"]] });
    const res = node.run(compactor.passOnce(true));
    expect(res.folded.hash).toEqual(["h"]);
    expect(run({ name: "HLEN", key: "h" })).toEqual({ type: "int", value: 2 });
    run({ name: "HDEL", key: "h", fields: ["b", "c"] });
    for (let i = 0; i < 3; i++) {
      run({ name: "HSET", key: "h", pairs: [["d", "1"]] });
      run({ name: "HDEL", key: "h", fields: ["d"] });
    }
    const res2 = node.run(compactor.passOnce(true));
    expect(res2.emptied).toEqual(["h"]);
    expect(run({ name: "EXISTS", keys: ["h"] })).toEqual({ type: "int", value: 0 });
    expect(ctx.store.getAt(K.hashMeta("h"), ctx.store.lastCommitTS())).toBeUndefined();
    expect(checkStoreInvariants(node.store)).toEqual([]);
  });

  it("a negative fold is refused without the clamp and clamped with it", () => {
    for (const clamp of [false, true]) {
      const { node, compactor } = setup({ lenClamp: clamp });
      // Deltas summing to Len −1, what B9's double pop over a hole leaves behind.
      const ds = [
        { headDelta: 0, lenDelta: 1 },
        { headDelta: 1, lenDelta: -1 },
        { headDelta: 1, lenDelta: -1 },
        { headDelta: 0, lenDelta: 0 },
      ];
      node.apply({
        kind: "txn",
        startTS: 0,
        commitTS: 10,
        prevCommitTS: 0,
        readKeys: [],
        elems: ds.map((d, i) => ({
          op: "put" as const,
          key: K.listDelta("k", 10, i),
          value: encodeListDelta(d),
        })),
      });
      const res = node.run(compactor.passOnce(true));
      expect(res.folded.list).toEqual(clamp ? ["k"] : []);
    }
  });
});

/**
 * After a fold of list `b` ([2] left, Head 1) to Len 0: with the meta kept it reads Head 1, Len 0
 * and LRANGE [2]; with it deleted there is no meta and LRANGE reads [].
 */
function expectFoldOfB(
  ctx: ReturnType<typeof setup>["ctx"],
  run: ReturnType<typeof setup>["run"],
  keep: boolean,
) {
  const lrange = run({ name: "LRANGE", key: "b", start: 0, stop: -1 });
  const meta = ctx.store.getAt(K.listMeta("b"), ctx.store.lastCommitTS());
  if (keep) {
    expect(decodeListMeta(meta!)).toMatchObject({ head: 1, len: 0 });
    expect(lrange).toMatchObject({ value: [{ value: "2" }] });
  } else {
    expect(meta).toBeUndefined();
    expect(lrange).toMatchObject({ value: [] });
  }
}

describe("DeltaCompactor scan window", () => {
  it("advances a cursor through pages, and the split guard keeps a cut key whole", () => {
    const { node, ctx, compactor, run } = setup({ compactionThreshold: 3, compactorTickScanLimit: 5 });
    for (let i = 0; i < 3; i++) run({ name: "RPUSH", key: "a", values: [`${i}`] });
    for (let i = 0; i < 4; i++) run({ name: "RPUSH", key: "b", values: [`${i}`] });
    for (let i = 0; i < 3; i++) run({ name: "RPUSH", key: "c", values: [`${i}`] });
    // Page 1: a×3, b×2 (b cut and below threshold ⇒ dropped, cursor backs up to a's last delta).
    let res = node.run(compactor.passOnce(true));
    expect(res.folded.list).toEqual(["a"]);
    expect(deltaCount(ctx, "b")).toBe(4);
    // Page 2 starts after a: b×4, c×1 (c cut ⇒ dropped).
    res = node.run(compactor.passOnce(true));
    expect(res.folded.list).toEqual(["b"]);
    // Page 3: c×3, not truncated ⇒ folded, cursor reset.
    res = node.run(compactor.passOnce(true));
    expect(res.folded.list).toEqual(["c"]);
    for (const k of ["a", "b", "c"]) expect(deltaCount(ctx, k)).toBe(0);
    expect(checkStoreInvariants(node.store)).toEqual([]);
  });

  it("a Len-0 fold of a key cut by the page end keeps its Head (F5); HEAD deletes the meta", () => {
    for (const keep of [true, false]) {
      const { node, ctx, compactor, run } = setup({
        compactionThreshold: 2,
        compactorTickScanLimit: 4,
        partialFoldKeepsMeta: keep,
      });
      for (const v of ["x", "y"]) run({ name: "RPUSH", key: "a", values: [v] });
      run({ name: "RPUSH", key: "b", values: ["1"] });
      run({ name: "LPOP", key: "b" });
      run({ name: "RPUSH", key: "b", values: ["2"] });
      // Page: a×2, b×2 of 3 — b is cut; its first two deltas sum to Head 1, Len 0.
      const res = node.run(compactor.passOnce(true));
      expect(res.folded.list).toEqual(["a", "b"]);
      expect(deltaCount(ctx, "b")).toBe(1);
      // Kept: the delta left behind resolves against Head 1. Deleted: it resolves against Head 0,
      // where item(0) was popped, so 2 is unreachable.
      expectFoldOfB(ctx, run, keep);
      if (keep) expect(run({ name: "LPOP", key: "b" })).toMatchObject({ value: "2" });
    }
  });

  it("a Len-0 fold of the key a pass resumed inside keeps its Head (F7); HEAD deletes the meta", () => {
    for (const keep of [true, false]) {
      const { node, ctx, compactor, run } = setup({
        compactionThreshold: 2,
        compactorTickScanLimit: 4,
        resumedFoldKeepsMeta: keep,
      });
      for (const v of ["x", "y"]) run({ name: "RPUSH", key: "a", values: [v] });
      run({ name: "RPUSH", key: "b", values: ["1"] });
      run({ name: "RPUSH", key: "c", values: ["1"] });
      run({ name: "RPUSH", key: "d", values: ["1"] });
      // Page 1: a×2, b×1, c×1 — c is cut and below the threshold, so the guard backs the cursor up
      // to b's only delta, which is not folded either.
      expect(node.run(compactor.passOnce(true)).folded.list).toEqual(["a"]);
      run({ name: "LPOP", key: "b" });
      run({ name: "RPUSH", key: "b", values: ["2"] });
      // Page 2 resumes after b's first delta: b's pop and push (Head +1, Len 0), c, d.
      expect(node.run(compactor.passOnce(true)).folded.list).toEqual(["b"]);
      expect(deltaCount(ctx, "b")).toBe(1);
      // Deleted: b's first delta (Len +1) resolves against Head 0, where item(0) was popped.
      expectFoldOfB(ctx, run, keep);
      if (!keep) expect(run({ name: "LLEN", key: "b" })).toMatchObject({ value: 1 });
    }
  });

  it("an urgent batch that leaves deltas behind keeps Head at Len 0 (F5)", () => {
    for (const keep of [true, false]) {
      const { node, ctx, compactor, run } = setup({ compactionThreshold: 1000, partialFoldKeepsMeta: keep });
      for (const v of ["1", "2"]) {
        run({ name: "RPUSH", key: "k", values: [v] });
        run({ name: "LPOP", key: "k" });
      }
      run({ name: "RPUSH", key: "k", values: ["3"] });
      // Lower the read limit once the deltas are written: the first batch takes 4 of the 5 deltas
      // (limit + 1), which sum to Head 2, Len 0; the fifth is left for the next batch.
      (ctx.knobs as RedisKnobs).maxDeltaScanLimit = 3;
      node.run(compactor.compactUrgent("list", "k"));
      expect(deltaCount(ctx, "k")).toBe(0);
      expect(run({ name: "LRANGE", key: "k", start: 0, stop: -1 })).toMatchObject({
        value: keep ? [{ value: "3" }] : [],
      });
    }
  });

  it("reads over the hard limit fail and queue an urgent compaction, which restores them", () => {
    const { node, compactor, run } = setup({ maxDeltaScanLimit: 5, compactionThreshold: 1000 });
    for (let i = 0; i < 6; i++) expect(run({ name: "RPUSH", key: "k", values: [`${i}`] }).type).toBe("int");
    expect(run({ name: "LLEN", key: "k" })).toMatchObject({
      type: "error",
      message: "ERR delta scan truncated: compaction required",
    });
    node.run(compactor.compactUrgent("list", "k"));
    expect(run({ name: "LLEN", key: "k" })).toEqual({ type: "int", value: 6 });
  });

  it("the urgent queue drops requests beyond its capacity", () => {
    const { compactor } = setup({ urgentQueueSize: 2 });
    expect(compactor.triggerUrgent("list", "a")).toBe(true);
    expect(compactor.triggerUrgent("list", "b")).toBe(true);
    expect(compactor.triggerUrgent("list", "c")).toBe(false);
  });
});

describe("DeltaCompactor loop", () => {
  it("runs a startup pass, then one per interval; pause skips, burst forces", () => {
    const { node, compactor } = setup({ compactorIntervalUs: 1_000_000, compactorPollUs: 100_000 });
    const co = compactor.run();
    driveLoop(node, compactor, co, 3_050_000);
    expect(compactor.passes).toBe(4); // startup + 3 intervals

    const s2 = setup({ compactorIntervalUs: 1_000_000, compactorPollUs: 100_000 });
    s2.compactor.pause();
    driveLoop(s2.node, s2.compactor, s2.compactor.run(), 3_050_000);
    expect(s2.compactor.passes).toBe(0);

    const s3 = setup({ compactorIntervalUs: 1_000_000, compactorPollUs: 100_000 });
    s3.compactor.burst(2);
    driveLoop(s3.node, s3.compactor, s3.compactor.run(), 250_000);
    expect(s3.compactor.passes).toBe(3); // startup + two bursts, well before the interval
  });

  it("serves urgent requests between passes", () => {
    const { node, compactor, run } = setup({
      maxDeltaScanLimit: 5,
      compactionThreshold: 1000,
      compactorIntervalUs: 10_000_000,
      compactorPollUs: 50_000,
    });
    for (let i = 0; i < 6; i++) run({ name: "RPUSH", key: "k", values: [`${i}`] });
    expect(run({ name: "LLEN", key: "k" }).type).toBe("error"); // queues the key
    driveLoop(node, compactor, compactor.run(), 100_000);
    expect(run({ name: "LLEN", key: "k" })).toEqual({ type: "int", value: 6 });
  });

  it("a pass over its budget backs off background passes", () => {
    const { node, ctx, compactor, run } = setup({ compactorTimeoutUs: 0, compactorBackoffUs: 5_000_000 });
    for (let i = 0; i < 4; i++) run({ name: "RPUSH", key: "k", values: [`${i}`] });
    // The first handler's dispatch takes simulated time; with a zero budget the pass stops.
    const co = compactor.passOnce();
    let step = co.next();
    while (!step.done) {
      if (step.value.kind === "propose") {
        node.advance(1000);
        const result = node.apply(step.value.request);
        step = co.next({ status: "applied", index: node.log.length, result });
      } else if (step.value.kind === "read") step = co.next(performRead(node.store, step.value));
      else if (step.value.kind === "sched") step = co.next(undefined);
      else step = co.next(true);
    }
    expect(deltaCount(ctx, "k")).toBe(0);
    expect(node.run(compactor.passOnce()).skipped).toBe("backoff");
    node.advance(6_000_000);
    expect(node.run(compactor.passOnce()).skipped).toBeUndefined();
  });
});
