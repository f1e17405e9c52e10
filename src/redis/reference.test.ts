import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DeltaCompactor } from "./compactor.ts";
import { directNode } from "./interleave.ts";
import { checkStoreInvariants } from "./invariants.ts";
import { ReferenceRedis } from "./reference.ts";
import { commandArb, KEYS, observe, runCommand } from "./testkit.ts";
import type { RedisCommand, RedisReply } from "./types.ts";
import { variantByName, variants } from "./variants.ts";

function observeRef(ref: ReferenceRedis): RedisReply[] {
  const out: RedisReply[] = [];
  for (const key of KEYS) {
    out.push(ref.execute({ name: "TYPE", key }));
    out.push(ref.execute({ name: "LRANGE", key, start: 0, stop: -1 }));
    out.push(ref.execute({ name: "LLEN", key }));
    out.push(ref.execute({ name: "HGETALL", key }));
    out.push(ref.execute({ name: "HLEN", key }));
  }
  return out;
}

function serialCheck(variant: string, cmds: RedisCommand[], compactEvery = 0): void {
  const { node, ctx } = directNode(variantByName(variant)!.knobs);
  const reuseLog = new Set<string>();
  ctx.reuseLog = reuseLog;
  const compactor = new DeltaCompactor(ctx);
  const ref = new ReferenceRedis();
  cmds.forEach((cmd, i) => {
    const got = runCommand(node, ctx, cmd);
    const want = ref.execute(cmd);
    expect({ i, cmd, got }).toEqual({ i, cmd, got: want });
    if (compactEvery > 0 && i % compactEvery === compactEvery - 1) {
      const res = node.run(compactor.passOnce(true));
      if (ctx.knobs.compactorEmptyMeta !== "keep") for (const k of res.emptied) ref.forgetEmpty(k);
    }
  });
  expect(observe(node, ctx)).toEqual(observeRef(ref));
  if (variant === "fixed") expect(checkStoreInvariants(node.store, { reuseLog })).toEqual([]);
}

describe("serial equivalence with a plain Redis", () => {
  it("fixed: random command sequences", () => {
    fc.assert(
      fc.property(fc.array(commandArb(), { minLength: 1, maxLength: 40 }), (cmds) =>
        serialCheck("fixed", cmds),
      ),
      { numRuns: 300 },
    );
  });

  it("head: random command sequences (HEAD's EXEC subset, distinct HDEL fields)", () => {
    fc.assert(
      fc.property(
        fc.array(commandArb({ headExec: true, uniqueHdelFields: true }), { minLength: 1, maxLength: 40 }),
        (cmds) => serialCheck("head", cmds),
      ),
      { numRuns: 300 },
    );
  });

  it("fixed with a low compaction threshold and a pass every few commands", () => {
    fc.assert(
      fc.property(fc.array(commandArb(), { minLength: 1, maxLength: 60 }), (cmds) => {
        const v = variantByName("fixed")!;
        const saved = v.knobs;
        try {
          (v as { knobs: object }).knobs = { compactionThreshold: 2 };
          serialCheck("fixed", cmds, 3);
        } finally {
          (v as { knobs: object }).knobs = saved;
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("variants and serial execution", () => {
  /** Bugs that need no concurrency: PR #485's EXEC metadata (B1–B3) and B8's stale claim. */
  const serialBugs = new Set([
    "pr485",
    "multi-reads-base-meta",
    "multi-double-count",
    "start-ts-base-meta-only",
    "stale-claim-on-push",
  ]);

  for (const v of variants) {
    it(`${v.name}: ${serialBugs.has(v.name) ? "diverges" : "agrees"} serially`, () => {
      const prop = fc.property(
        fc.array(commandArb({ headExec: v.knobs.execCommands === "head", uniqueHdelFields: true }), {
          minLength: 1,
          maxLength: 40,
        }),
        (cmds) => {
          const { node, ctx } = directNode(v.knobs);
          const ref = new ReferenceRedis();
          for (const c of cmds) {
            if (JSON.stringify(runCommand(node, ctx, c)) !== JSON.stringify(ref.execute(c))) return false;
          }
          return true;
        },
      );
      const r = fc.check(prop, { numRuns: serialBugs.has(v.name) ? 3000 : 300, seed: 99 });
      expect(r.failed).toBe(serialBugs.has(v.name));
    });
  }
});
