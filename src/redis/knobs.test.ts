/**
 * Each knob changes exactly the behaviour it names: for every catalogued bug, a hand-built
 * interleaving (docs/catalogue.md's minimal schedule) shows the anomaly with the bug's variant knobs and
 * its absence under `fixed`.
 */
import { describe, expect, it } from "vitest";
import type { KvKnobs } from "../kv/knobs.ts";
import { performRead } from "../kv/reads.ts";
import type { Co } from "../kv/types.ts";
import { DeltaCompactor } from "./compactor.ts";
import { execute } from "./execute.ts";
import { directNode, Interleave, type Task } from "./interleave.ts";
import { checkStoreInvariants } from "./invariants.ts";
import type { RedisKnobs } from "./knobs.ts";
import type { RedisCommand, RedisReply } from "./types.ts";
import { variantByName } from "./variants.ts";

type Knobs = Partial<RedisKnobs & KvKnobs>;
const V = (name: string): Knobs => variantByName(name)!.knobs;

const rpush = (key: string, ...values: string[]): RedisCommand => ({ name: "RPUSH", key, values });
const lpush = (key: string, ...values: string[]): RedisCommand => ({ name: "LPUSH", key, values });
const lpop = (key: string, count?: number): RedisCommand => ({ name: "LPOP", key, count });
const rpop = (key: string, count?: number): RedisCommand => ({ name: "RPOP", key, count });
const del = (...keys: string[]): RedisCommand => ({ name: "DEL", keys });
const exec = (...commands: RedisCommand[]): RedisCommand => ({ name: "EXEC", commands });
const lrangeCmd = (key: string): RedisCommand => ({ name: "LRANGE", key, start: 0, stop: -1 });

function start(h: Interleave, name: string, cmd: RedisCommand): Task<RedisReply> {
  return h.start(name, execute(h.ctx, cmd));
}
function run(h: Interleave, cmd: RedisCommand): RedisReply {
  return h.run("serial", execute(h.ctx, cmd));
}
function values(r: RedisReply): Array<string | null> {
  if (r.type !== "array") throw new Error(`not an array: ${JSON.stringify(r)}`);
  return r.value.map((x) => (x.type === "bulk" ? x.value : null));
}
const list = (h: Interleave, key: string) => values(run(h, lrangeCmd(key)));
const llen = (h: Interleave, key: string) => run(h, { name: "LLEN", key });
const int = (value: number): RedisReply => ({ type: "int", value });
const bulk = (value: string): RedisReply => ({ type: "bulk", value });

describe("B12 del-unfenced", () => {
  const schedule = (knobs: Knobs) => {
    const h = new Interleave(knobs);
    run(h, rpush("k", "a"));
    const d = start(h, "del", del("k")); // DEL reads [a] and plans its deletes
    const p = start(h, "push", rpush("k", "x")); // RPUSH x at the same snapshot
    h.finish(p); // the push commits first: its read keys (fence, item(0)) are untouched
    h.finish(d);
    return { h, del: d.result };
  };

  it("head: the pushed element is orphaned (LLEN 1, LRANGE [])", () => {
    const { h, del: r } = schedule(V("del-unfenced"));
    expect(r).toEqual(int(1));
    expect(llen(h, "k")).toEqual(int(1));
    expect(list(h, "k")).toEqual([]);
    expect(checkStoreInvariants(h.node.store).map((v) => v.name)).toContain("invariant:list-orphan");
  });

  it("fixed: DEL conflicts on the fence and deletes x too", () => {
    const { h, del: r } = schedule({});
    expect(r).toEqual(int(1));
    expect(run(h, { name: "EXISTS", keys: ["k"] })).toEqual(int(0));
    expect(h.probe("del-conflict")).toBe(1);
    expect(checkStoreInvariants(h.node.store)).toEqual([]);
  });

  it("head, empty list: the DEL-first order orphans too; fixed conflicts", () => {
    for (const [knobs, orphan] of [
      [V("del-unfenced"), true],
      [{}, false],
    ] as const) {
      const h = new Interleave(knobs);
      run(h, rpush("k", "a"));
      run(h, lpop("k")); // deltas only, Len 0: a push reads only the fence
      const p = start(h, "push", rpush("k", "x"));
      run(h, del("k"));
      h.finish(p);
      expect(llen(h, "k")).toEqual(int(1));
      expect(list(h, "k")).toEqual(orphan ? [] : ["x"]);
    }
  });
});

describe("B13 compactor-deletes-empty-meta", () => {
  const setup = (knobs: Knobs) => {
    const h = new Interleave({ compactionThreshold: 4, ...knobs });
    run(h, rpush("k", "a"));
    run(h, rpush("k", "b"));
    run(h, lpop("k"));
    run(h, lpop("k")); // Head 2, Len 0, four deltas
    return h;
  };

  for (const order of ["compactor-first", "push-first"] as const) {
    it(`head (${order}): the fold deletes the base meta and the push's delta rebases to Head 0`, () => {
      const h = setup(V("compactor-deletes-empty-meta"));
      const c = new DeltaCompactor(h.ctx);
      const fold = h.start("compactor", c.passOnce(true));
      const p = start(h, "push", rpush("k", "x"));
      if (order === "compactor-first") {
        h.apply(fold);
        h.finish(p);
      } else {
        h.finish(p);
        h.finish(fold);
      }
      expect(p.result).toEqual(int(1));
      expect(llen(h, "k")).toEqual(int(1));
      expect(list(h, "k")).toEqual([]); // x sits at item(2), outside [0, 1)
      expect(run(h, lpop("k"))).toEqual({ type: "nil" });
      if (order === "push-first") expect(h.probe("compactor-raced-push-empty")).toBe(1);
    });

    it(`fixed (${order}): the fold writes the fence, so one side conflicts`, () => {
      const h = setup({});
      const c = new DeltaCompactor(h.ctx);
      const fold = h.start("compactor", c.passOnce(true));
      const p = start(h, "push", rpush("k", "x"));
      if (order === "compactor-first") {
        h.apply(fold);
        h.finish(p);
      } else {
        h.finish(p);
        h.finish(fold);
        expect(h.probe("compactor-conflict")).toBe(1);
      }
      expect(list(h, "k")).toEqual(["x"]);
      expect(checkStoreInvariants(h.node.store)).toEqual([]);
    });
  }
});

describe("B14 lazy-tombstone-reap", () => {
  const schedule = (knobs: Knobs) => {
    const h = new Interleave({ compactionThreshold: 4, ...knobs });
    run(h, rpush("k", "a"));
    run(h, rpush("k", "b"));
    run(h, lpop("k"));
    run(h, lpop("k"));
    const c = new DeltaCompactor(h.ctx);
    const first = h.run("fold", c.passOnce(true)); // keep: base meta {Head 2, Len 0}, no deltas
    expect(first.folded.list).toEqual(["k"]);
    const reap = h.start("reaper", c.passOnce(true)); // scans: no deltas, no items
    const p = start(h, "push", rpush("k", "x"));
    h.finish(p);
    h.finish(reap);
    return h;
  };

  it("unfenced reaper deletes the kept meta under a racing push", () => {
    const h = schedule(V("lazy-tombstone-reap"));
    expect(llen(h, "k")).toEqual(int(1));
    expect(list(h, "k")).toEqual([]);
    expect(h.probe("reaper-reaped")).toBe(1);
  });

  it("fenced reaper conflicts instead", () => {
    const h = schedule({ compactorEmptyMeta: "keep", lazyReaper: "fenced" });
    expect(list(h, "k")).toEqual(["x"]);
    expect(h.probe("compactor-conflict")).toBe(1);
  });
});

describe("B10(b) pop-push-same-end", () => {
  const schedule = (knobs: Knobs) => {
    const h = new Interleave(knobs);
    run(h, rpush("k", "a", "b"));
    const p = start(h, "push", rpush("k", "c"));
    const q = start(h, "pop", rpop("k"));
    h.finish(p);
    h.finish(q);
    return { h, pop: q.result };
  };

  it("variant: both commit; c lies past Tail and b's slot is a hole", () => {
    const { h, pop: r } = schedule(V("pop-push-same-end"));
    expect(r).toEqual(bulk("b"));
    expect(llen(h, "k")).toEqual(int(2));
    expect(list(h, "k")).toEqual(["a"]);
    const names = checkStoreInvariants(h.node.store).map((v) => v.name);
    expect(names).toContain("invariant:list-holes");
    expect(names).toContain("invariant:list-orphan");
  });

  it("fixed: the pop retries and returns c", () => {
    const { h, pop: r } = schedule({});
    expect(r).toEqual(bulk("c"));
    expect(list(h, "k")).toEqual(["a", "b"]);
  });

  it("boundary read keys alone (fence off) protect only the pop-first order", () => {
    const { h, pop: r } = schedule({ listFence: false });
    expect(r).toEqual(bulk("b"));
    expect(list(h, "k")).toEqual(["a"]); // push first: the pop reads nothing the push wrote
    const h2 = new Interleave({ listFence: false });
    run(h2, rpush("k", "a", "b"));
    const p = start(h2, "push", rpush("k", "c"));
    const q = start(h2, "pop", rpop("k"));
    h2.finish(q);
    h2.finish(p); // pop first: item(Tail−1) changed under the push, which retries
    expect(q.result).toEqual(bulk("b"));
    expect(list(h2, "k")).toEqual(["a", "c"]);
  });
});

describe("B9 head-past-gap and B23 len-clamp", () => {
  /** A hole at Head made by B10(b) at the head end: [hole@0, b@1]. */
  const holeAtHead = (h: Interleave) => {
    run(h, rpush("k", "a", "b"));
    const p = start(h, "lpush", lpush("k", "z"));
    const q = start(h, "lpop", lpop("k"));
    h.finish(p);
    h.finish(q);
  };

  it("variant: two pops over the hole both advance Head; b is never returned", () => {
    const h = new Interleave(V("head-past-gap"));
    holeAtHead(h);
    expect(llen(h, "k")).toEqual(int(2));
    const p1 = start(h, "pop1", lpop("k"));
    const p2 = start(h, "pop2", lpop("k"));
    h.finish(p1);
    h.finish(p2);
    expect(p1.result).toEqual({ type: "nil" });
    expect(p2.result).toEqual({ type: "nil" });
    expect(llen(h, "k")).toEqual(int(0));
    expect(h.probe("pop-over-hole")).toBe(2);
  });

  it("claiming holes (HEAD) makes the second pop conflict and return b", () => {
    const h = new Interleave({ ...V("head-past-gap"), popClaimsHoles: true });
    holeAtHead(h);
    const p1 = start(h, "pop1", lpop("k"));
    const p2 = start(h, "pop2", lpop("k"));
    h.finish(p1);
    h.finish(p2);
    expect(p1.result).toEqual({ type: "nil" });
    expect(p2.result).toEqual(bulk("b"));
    expect(h.probe("pop-claim-conflict")).toBe(1);
  });

  const doublePopOverSingleHole = (knobs: Knobs) => {
    const h = new Interleave(knobs);
    run(h, rpush("k", "a"));
    const p = start(h, "push", rpush("k", "c"));
    const q = start(h, "pop", rpop("k"));
    h.finish(p);
    h.finish(q); // [hole@0], Len 1; c orphaned at item(1)
    const p1 = start(h, "pop1", lpop("k"));
    const p2 = start(h, "pop2", lpop("k"));
    h.finish(p1);
    h.finish(p2); // Len −1
    return h;
  };

  it("len-clamp: Len −1 reads as 0 (the double pop is hidden)", () => {
    const h = doublePopOverSingleHole(V("len-clamp"));
    expect(llen(h, "k")).toEqual(int(0));
    expect(h.probe("len-clamped")).toBeGreaterThan(0);
    expect(checkStoreInvariants(h.node.store).map((v) => v.name)).toContain("invariant:list-meta");
  });

  it("without the clamp the read fails instead", () => {
    const h = doublePopOverSingleHole(V("head-past-gap"));
    const r = llen(h, "k");
    expect(r.type).toBe("error");
  });
});

describe("B8 stale-claim-on-push", () => {
  const schedule = (knobs: Knobs) => {
    const h = new Interleave(knobs);
    run(h, rpush("k", "a"));
    run(h, rpop("k")); // claims seq 0
    run(h, rpush("k", "b")); // reuses seq 0
    return { h, pop: run(h, lpop("k")) };
  };

  it("marker claims without clearing: b is skipped (nil, LLEN 1, LRANGE [])", () => {
    const { h, pop: r } = schedule(V("stale-claim-on-push"));
    expect(r).toEqual({ type: "nil" });
    expect(llen(h, "k")).toEqual(int(1));
    expect(list(h, "k")).toEqual([]);
    expect(checkStoreInvariants(h.node.store, { claimsAreMarkers: true }).map((v) => v.name)).toContain(
      "invariant:claim-in-range",
    );
  });

  it("marker claims with the push clearing the stale claim: b pops", () => {
    const { pop: r } = schedule({ claimSemantics: "marker", pushClearsStaleClaim: true });
    expect(r).toEqual(bulk("b"));
  });

  it("token claims (HEAD): b pops", () => {
    expect(schedule({}).pop).toEqual(bulk("b"));
  });
});

describe("B7 multi-lrange-no-read-key", () => {
  const schedule = (knobs: Knobs) => {
    const h = new Interleave(knobs);
    run(h, rpush("k", "k0"));
    run(h, rpush("j", "j0"));
    const t1 = start(h, "t1", exec(lrangeCmd("k"), rpush("j", "5")));
    const t2 = start(h, "t2", exec(lrangeCmd("j"), rpush("k", "7")));
    h.finish(t1);
    h.finish(t2);
    return { t1: t1.result!, t2: t2.result! };
  };

  it("variant: both EXECs commit on stale reads (write skew)", () => {
    const { t1, t2 } = schedule(V("multi-lrange-no-read-key"));
    expect(values((t1 as { value: RedisReply[] }).value[0])).toEqual(["k0"]);
    expect(values((t2 as { value: RedisReply[] }).value[0])).toEqual(["j0"]);
  });

  it("fixed: the second EXEC retries and sees the first one's append", () => {
    const { t2 } = schedule({});
    expect(values((t2 as { value: RedisReply[] }).value[0])).toEqual(["j0", "5"]);
  });
});

describe("B1/B2/B3 PR #485 EXEC list metadata", () => {
  it("B1: EXEC reads the base meta only, returns [] and overwrites item(0)", () => {
    const h = new Interleave(V("multi-reads-base-meta"));
    run(h, rpush("k", "1"));
    const r = run(h, exec(lrangeCmd("k"), rpush("k", "2")));
    expect(r).toEqual({ type: "array", value: [{ type: "array", value: [] }, int(1)] });
    expect(list(h, "k")).toEqual(["2"]);
    expect(llen(h, "k")).toEqual(int(1));
  });

  it("B2: the base meta counts the deltas that stay ⇒ LLEN 3 over [a, b]", () => {
    const h = new Interleave(V("multi-double-count"));
    run(h, rpush("k", "a"));
    run(h, exec(rpush("k", "b")));
    expect(llen(h, "k")).toEqual(int(3));
    expect(list(h, "k")).toEqual(["a", "b"]);
  });

  it("B3: deltas deleted without being folded ⇒ [4] after [1 2 3]", () => {
    const h = new Interleave(V("start-ts-base-meta-only"));
    for (const v of ["1", "2", "3"]) run(h, rpush("k", v));
    run(h, exec(rpush("k", "4")));
    expect(list(h, "k")).toEqual(["4"]);
    expect(llen(h, "k")).toEqual(int(1));
  });

  it("fixed: EXEC sees and extends the resolved list", () => {
    const h = new Interleave({});
    for (const v of ["1", "2", "3"]) run(h, rpush("k", v));
    run(h, exec(lrangeCmd("k"), rpush("k", "4")));
    expect(list(h, "k")).toEqual(["1", "2", "3", "4"]);
  });
});

describe("B4 start-ts-clock-next / B5 snapshot-ts-hlc-current", () => {
  it("B4: an EXEC whose startTS is ahead of an in-flight push overwrites its item", () => {
    for (const [knobs, lost] of [
      [V("start-ts-clock-next"), true],
      [{}, false],
    ] as const) {
      const h = new Interleave(knobs);
      run(h, rpush("k", "a"));
      const a = start(h, "push", rpush("k", "x")); // commitTS allocated, not applied
      const b = start(h, "exec", exec(rpush("k", "y")));
      h.finish(a);
      h.finish(b);
      expect(list(h, "k")).toEqual(lost ? ["a", "y"] : ["a", "x", "y"]);
    }
  });

  it("B5: a read at HLC.Current equal to an in-flight commitTS misses it without conflicting", () => {
    for (const [knobs, lost] of [
      [V("snapshot-ts-hlc-current"), true],
      [{}, false],
    ] as const) {
      const h = new Interleave(knobs);
      run(h, rpush("k", "a"));
      const w1 = start(h, "w1", rpush("k", "x"));
      const w2 = start(h, "w2", rpush("k", "y"));
      h.finish(w1);
      h.finish(w2);
      expect(list(h, "k")).toEqual(lost ? ["a", "y"] : ["a", "x", "y"]);
    }
  });
});

describe("B6 read-set-pre-raft", () => {
  it("a read key written between validation and apply is not caught", () => {
    for (const [knobs, skew] of [
      [V("read-set-pre-raft"), true],
      [{}, false],
    ] as const) {
      const h = new Interleave(knobs);
      run(h, rpush("k", "k0"));
      run(h, rpush("j", "j0"));
      const t1 = start(h, "t1", exec(lrangeCmd("k"), rpush("j", "5"))); // validated, held
      run(h, rpush("k", "7"));
      h.finish(t1);
      const r = (t1.result as { value: RedisReply[] }).value[0];
      expect(values(r)).toEqual(skew ? ["k0"] : ["k0", "7"]);
    }
  });
});

describe("B11 del-truncated-scan", () => {
  it("DEL leaves deltas beyond one page: the list resurrects", () => {
    for (const [knobs, resurrected] of [
      [V("del-truncated-scan"), true],
      [{}, false],
    ] as const) {
      const h = new Interleave({ maxDeltaScanLimit: 4, compactorEnabled: false, ...knobs });
      for (let i = 0; i < 5; i++) run(h, rpush("k", `v${i}`));
      expect(run(h, rpush("k", "v5")).type).toBe("error"); // more than 4 deltas: truncated
      expect(h.probe("delta-scan-truncated")).toBe(1);
      expect(run(h, del("k"))).toEqual(int(1));
      expect(run(h, { name: "EXISTS", keys: ["k"] })).toEqual(int(resurrected ? 1 : 0));
      expect(llen(h, "k")).toEqual(int(resurrected ? 1 : 0));
    }
  });
});

describe("B16 null-separator", () => {
  it("the scan prefix of foo covers foo\\0… ⇒ phantom length", () => {
    const other = `foo\u0000${"x".repeat(12)}`;
    for (const [knobs, phantom] of [
      [V("null-separator"), true],
      [{}, false],
    ] as const) {
      const h = new Interleave(knobs);
      run(h, rpush(other, "v"));
      expect(llen(h, "foo")).toEqual(int(phantom ? 1 : 0));
      expect(run(h, { name: "TYPE", key: "foo" })).toEqual({
        type: "status",
        value: phantom ? "list" : "none",
      });
    }
  });
});

describe("B17 retry-recompute", () => {
  /** The push lands, the leader is lost before it hears so, the demo loop re-sends it. */
  const schedule = (knobs: Knobs) => {
    const h = new Interleave(knobs);
    run(h, rpush("k", "a"));
    const p = start(h, "push", rpush("k", "x"));
    h.lose(p, true); // attempt 1 commits but the proposer sees "leadership lost"
    h.finish(p); // the demo Dispatch loop re-sends the identical request
    return { h, reply: p.result };
  };

  it("variant: the re-sent copy self-conflicts and the adapter recomputes ⇒ duplicate", () => {
    const { h, reply: r } = schedule(V("retry-recompute"));
    expect(r).toEqual(int(3));
    expect(list(h, "k")).toEqual(["a", "x", "x"]);
  });

  it("demo coordinator with HEAD's stale-apply fast path: the re-send succeeds silently", () => {
    const { h, reply: r } = schedule({ coordinator: "demo" });
    expect(r).toEqual(int(2));
    expect(list(h, "k")).toEqual(["a", "x"]);
  });

  it("demo coordinator, fast path off, dedup on: the reuse's PrevCommitTS probe no-ops", () => {
    const { h, reply: r } = schedule({ coordinator: "demo", staleApplyFastPath: false });
    expect(r).toEqual(int(2));
    expect(list(h, "k")).toEqual(["a", "x"]);
    expect(h.probe("reuse-path")).toBe(1);
    expect(h.probe("reuse-dedup-noop")).toBe(1);
  });

  it("production coordinator: the unknown outcome reaches the client as an ambiguous error", () => {
    const { h, reply: r } = schedule({});
    expect(r).toMatchObject({ type: "error", ambiguous: true });
    expect(list(h, "k")).toEqual(["a", "x"]);
    expect(h.probe("ambiguous-outcome")).toBe(1);
  });
});

describe("B18 reuse-past-tail", () => {
  /** The first copy is lost; a pop shrinks the tail; the identical write set is re-sent. */
  const schedule = (knobs: Knobs) => {
    const h = new Interleave({ coordinator: "demo", ...knobs });
    run(h, rpush("k", "a", "b"));
    const p = start(h, "push", rpush("k", "c"));
    h.lose(p, false); // dropped: never committed; the demo loop sleeps then re-sends
    run(h, rpop("k")); // Tail 2 → 1
    h.finish(p);
    return h;
  };

  it("variant: c lands at item(2), past the shrunk Tail", () => {
    const h = schedule(V("reuse-past-tail"));
    expect(llen(h, "k")).toEqual(int(2));
    expect(list(h, "k")).toEqual(["a"]);
  });

  it("fixed: the boundary read key item(Tail−1) conflicts and the push recomputes", () => {
    const h = schedule({});
    expect(list(h, "k")).toEqual(["a", "c"]);
    expect(checkStoreInvariants(h.node.store, {})).toEqual([]);
  });
});

describe("B19 read-before-catch-up", () => {
  /**
   * A replica that has not applied the last committed entry yet: the first fence it answers
   * applies it (ReadIndex waits for apply). Reads whose snapshot is chosen before the fence miss it.
   */
  function readWithCatchUp(knobs: Knobs, cmd: RedisCommand): { reply: RedisReply; fences: number } {
    const { node, ctx } = directNode(knobs);
    node.run(execute(ctx, rpush("k", "a")));
    node.run(execute(ctx, { name: "HSET", key: "h", pairs: [["f", "1"]] }));
    // The entry the replica lags behind on: another leader's push and HSET.
    const lagging = directNode(knobs);
    lagging.node.run(execute(lagging.ctx, rpush("k", "a")));
    lagging.node.run(execute(lagging.ctx, { name: "HSET", key: "h", pairs: [["f", "1"]] }));
    const pending = [...lagging.node.log];
    const { node: leader, ctx: lctx } = directNode(knobs);
    for (const e of pending) leader.apply(e.request);
    leader.run(execute(lctx, rpush("k", "b")));
    leader.run(execute(lctx, { name: "HSET", key: "h", pairs: [["f", "2"]] }));
    const behind = leader.log.slice(pending.length);
    // `lagging` has the first entries only; its first fence applies the rest.
    let fences = 0;
    const co: Co<RedisReply> = execute(lagging.ctx, cmd);
    let step = co.next();
    while (!step.done) {
      const e = step.value;
      let input: unknown;
      if (e.kind === "read-index" || e.kind === "lease-read") {
        if (fences++ === 0) for (const b of behind) lagging.node.apply(b.request);
        input = true;
      } else if (e.kind === "sleep" || e.kind === "sched") {
        input = undefined;
      } else if (e.kind === "read") {
        input = performRead(lagging.node.store, e);
      } else {
        throw new Error(`unexpected effect ${e.kind}`);
      }
      step = co.next(input);
    }
    return { reply: step.value, fences };
  }

  it("LRANGE: no fence (variant) reads stale; before-after (fixed) reads fresh", () => {
    const stale = readWithCatchUp(V("read-before-catch-up"), lrangeCmd("k"));
    expect(stale.fences).toBe(0);
    expect(values(stale.reply)).toEqual(["a"]);
    const fresh = readWithCatchUp({}, lrangeCmd("k"));
    expect(fresh.fences).toBe(2);
    expect(values(fresh.reply)).toEqual(["a", "b"]);
  });

  it("HGET: fence after the snapshot (HEAD residual) is stale; before (fixed) is fresh", () => {
    const cmd: RedisCommand = { name: "HGET", key: "h", field: "f" };
    expect(readWithCatchUp(V("read-before-catch-up"), cmd).reply).toEqual(bulk("1"));
    expect(readWithCatchUp(V("head"), cmd).reply).toEqual(bulk("1"));
    expect(readWithCatchUp({}, cmd).reply).toEqual(bulk("2"));
  });

  it("LLEN fences before its snapshot even in HEAD", () => {
    expect(readWithCatchUp(V("head"), { name: "LLEN", key: "k" }).reply).toEqual(int(2));
  });
});

describe("B20 no-wide-fence", () => {
  it("EXEC DEL of a hash vs a concurrent HSET of a new field: the field survives", () => {
    for (const [knobs, survives] of [
      [V("no-wide-fence"), true],
      [{}, false],
    ] as const) {
      const h = new Interleave(knobs);
      run(h, { name: "HSET", key: "h", pairs: [["f", "1"]] });
      const d = start(h, "del", exec(del("h")));
      run(h, { name: "HSET", key: "h", pairs: [["g", "2"]] });
      h.finish(d);
      expect(run(h, { name: "HGET", key: "h", field: "g" })).toEqual(survives ? bulk("2") : { type: "nil" });
    }
  });

  it("standalone DEL of a hash vs a concurrent new field (fences read but never written)", () => {
    for (const [knobs, survives] of [
      [V("no-wide-fence"), true],
      [{}, false],
    ] as const) {
      const h = new Interleave(knobs);
      run(h, { name: "HSET", key: "h", pairs: [["f", "1"]] });
      const d = start(h, "del", del("h"));
      run(h, { name: "HSET", key: "h", pairs: [["g", "2"]] });
      h.finish(d);
      expect(run(h, { name: "HLEN", key: "h" })).toEqual(int(survives ? 1 : 0));
    }
  });
});

describe("B15(b) StartTS = 0 sentinel", () => {
  it("head: the first push on an empty store embeds a ts its version does not carry", () => {
    const { node, ctx } = directNode(V("head"));
    node.run(execute(ctx, rpush("k", "a")));
    expect(checkStoreInvariants(node.store).map((v) => v.name)).toEqual(["invariant:delta-ts"]);
    const fixed = directNode({});
    fixed.node.run(execute(fixed.ctx, rpush("k", "a")));
    expect(checkStoreInvariants(fixed.node.store)).toEqual([]);
  });
});

describe("finding: out-of-order apply of pre-allocated commit timestamps (HEAD and fixed)", () => {
  /**
   * P1 pre-allocates c1 and is slow to propose; Q (another key) allocates c2 > c1 and applies;
   * P2 snapshots at LastCommitTS = c2, which misses P1, and picks the same seq. P1 applies at
   * c1 < c2, then P2 applies: its write keys' newest versions (c1) are not above its startTS (c2),
   * so nothing conflicts and P2 overwrites P1's item.
   */
  const schedule = (commitOrderGuard: boolean) => {
    const h = new Interleave({}, { commitOrderGuard });
    run(h, rpush("k", "a"));
    const p1 = start(h, "p1", rpush("k", "x"));
    run(h, rpush("other", "q"));
    const p2 = start(h, "p2", rpush("k", "y"));
    h.finish(p1);
    h.finish(p2);
    return { h, p1: p1.result, p2: p2.result };
  };

  it("without a commit-order guard x is overwritten: both acknowledged, one lost", () => {
    const { h, p1, p2 } = schedule(false);
    expect(p1).toEqual(int(2));
    expect(p2).toEqual(int(2));
    expect(list(h, "k")).toEqual(["a", "y"]);
  });

  it("rejecting commits not above LastCommitTS (proposed FSM fix) makes each late one retry", () => {
    const { h, p1, p2 } = schedule(true);
    // P1 is rejected once and its reuse lands at a fresh commitTS; P2 is then late in turn, and
    // its reuse conflicts on item(1) before it recomputes.
    expect(p1).toEqual(int(2));
    expect(p2).toEqual(int(3));
    expect(list(h, "k")).toEqual(["a", "x", "y"]);
    expect(h.probe("reuse-path")).toBe(2);
  });
});

describe("findings fixed in `fixed`", () => {
  it("hdelDedupFields: HEAD's HDEL k f f replies 2 and HLEN drifts", () => {
    for (const [knobs, removed, len] of [
      [V("head"), 2, 0],
      [{}, 1, 1],
    ] as const) {
      const h = new Interleave(knobs);
      run(h, {
        name: "HSET",
        key: "h",
        pairs: [
          ["f", "1"],
          ["g", "2"],
        ],
      });
      expect(run(h, { name: "HDEL", key: "h", fields: ["f", "f"] })).toEqual(int(removed));
      expect(run(h, { name: "HLEN", key: "h" })).toEqual(int(len));
    }
  });

  it("delDedupKeys: HEAD's DEL k k replies 2", () => {
    for (const [knobs, n] of [
      [V("head"), 2],
      [{}, 1],
    ] as const) {
      const h = new Interleave(knobs);
      run(h, rpush("k", "a"));
      expect(run(h, del("k", "k"))).toEqual(int(n));
    }
  });
});

describe("retry, reuse and wire conflicts", () => {
  it("a genuine conflict costs one reuse round, then a recompute", () => {
    const h = new Interleave({});
    run(h, rpush("k", "a"));
    const p = start(h, "p", rpush("k", "x"));
    run(h, rpush("k", "y"));
    const t0 = h.node.nowUs;
    h.apply(p); // conflict → pending, backoff, reuse dispatch held
    expect(h.probe("reuse-path")).toBe(1);
    const slept = h.node.nowUs - t0;
    expect(slept).toBeGreaterThanOrEqual(1000);
    expect(slept).toBeLessThan(1500);
    h.apply(p); // reuse conflicts again: not ours ⇒ drop, recompute
    h.finish(p);
    expect(p.result).toEqual(int(3));
    expect(list(h, "k")).toEqual(["a", "y", "x"]);
  });

  it("without dedup the retry recomputes at once", () => {
    const h = new Interleave({ onePhaseDedup: false });
    run(h, rpush("k", "a"));
    const p = start(h, "p", rpush("k", "x"));
    run(h, rpush("k", "y"));
    h.finish(p);
    expect(h.probe("reuse-path")).toBe(0);
    expect(list(h, "k")).toEqual(["a", "y", "x"]);
  });

  it("the retry cap turns endless conflicts into an error", () => {
    const h = new Interleave({ retryMaxAttempts: 2, onePhaseDedup: false });
    run(h, rpush("k", "a"));
    const p = start(h, "p", rpush("k", "x"));
    for (let i = 0; i < 3; i++) {
      run(h, rpush("k", `y${i}`));
      h.apply(p);
    }
    expect(p.result).toMatchObject({ type: "error", ambiguous: false });
    expect(h.probe("retry-limit")).toBe(1);
  });

  it("a forwarded (wire) conflict: pushes normalize and reuse it, DEL fails closed as ambiguous", () => {
    const h = new Interleave({});
    run(h, rpush("k", "a"));
    // The node forwards (it does not believe it leads); the leader serves the forward on apply.
    h.node.env.isLeader = () => false;
    const p = start(h, "p", rpush("k", "x"));
    expect(p.heldForward).toBeDefined();
    h.node.env.isLeader = () => true;
    run(h, rpush("k", "y"));
    h.finish(p);
    expect(h.probe("ambiguous-retry")).toBe(1);
    expect(h.probe("reuse-path")).toBe(1);
    expect(p.result).toEqual(int(3));
    expect(list(h, "k")).toEqual(["a", "y", "x"]);

    h.node.env.isLeader = () => false;
    const d = start(h, "d", del("k"));
    h.node.env.isLeader = () => true;
    run(h, rpush("k", "z"));
    h.finish(d);
    expect(d.result).toMatchObject({ type: "error", ambiguous: true });
    expect(list(h, "k")).toEqual(["a", "y", "x", "z"]);
  });

  it("a lost read fence fails a read with NOTLEADER", () => {
    const h = new Interleave({});
    h.fenceAnswer = false;
    expect(run(h, lrangeCmd("k"))).toMatchObject({ type: "error", ambiguous: false });
    expect(h.probe("read-fence-failed")).toBe(1);
  });
});

describe("EXEC command set", () => {
  it("head refuses commands outside HEAD's txnApplyHandlers", () => {
    const h = new Interleave(V("head"));
    expect(run(h, exec(rpush("k", "a"), lpop("k")))).toMatchObject({ type: "error" });
    expect(run(h, { name: "EXISTS", keys: ["k"] })).toEqual(int(0));
  });

  it("fixed runs them on one snapshot", () => {
    const h = new Interleave({});
    run(h, rpush("k", "a", "b"));
    const r = run(
      h,
      exec(lpop("k"), { name: "LLEN", key: "k" }, lrangeCmd("k"), rpush("k", "c"), rpop("k", 2)),
    );
    expect(r).toEqual({
      type: "array",
      value: [
        bulk("a"),
        int(1),
        { type: "array", value: [bulk("b")] },
        int(2),
        { type: "array", value: [bulk("c"), bulk("b")] },
      ],
    });
    expect(list(h, "k")).toEqual([]);
    expect(run(h, { name: "TYPE", key: "k" })).toEqual({ type: "status", value: "list" });
    expect(checkStoreInvariants(h.node.store)).toEqual([]);
  });
});
