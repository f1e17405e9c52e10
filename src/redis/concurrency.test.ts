/**
 * Random interleavings on one replica: commands (and compactor passes) start at random points,
 * their proposals apply in a random order or are lost (landed or not). Under `fixed` the store's
 * white-box invariants hold after every step; under the bug variants some schedule breaks them
 * (the rarer schedules, B9/B13/B14, are built by hand in knobs.test.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KvKnobs } from "../kv/knobs.ts";
import { DeltaCompactor } from "./compactor.ts";
import { execute } from "./execute.ts";
import { Interleave, type Task } from "./interleave.ts";
import { checkStoreInvariants, type InvariantViolation } from "./invariants.ts";
import type { RedisKnobs } from "./knobs.ts";
import { commandArb } from "./testkit.ts";
import type { RedisCommand } from "./types.ts";
import { variantByName } from "./variants.ts";

type Action =
  | { kind: "start"; cmd: RedisCommand }
  | { kind: "apply"; pick: number }
  | { kind: "lose"; pick: number; landed: boolean }
  | { kind: "compact" };

function actionArb(opts: { headExec: boolean; lose: boolean }): fc.Arbitrary<Action> {
  const cmds = commandArb({ headExec: opts.headExec, uniqueHdelFields: true });
  const arbs: Array<fc.WeightedArbitrary<Action>> = [
    { weight: 4, arbitrary: cmds.map((cmd) => ({ kind: "start" as const, cmd })) },
    { weight: 5, arbitrary: fc.nat(7).map((pick) => ({ kind: "apply" as const, pick })) },
    { weight: 1, arbitrary: fc.constant({ kind: "compact" as const }) },
  ];
  if (opts.lose) {
    arbs.push({
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("lose" as const), pick: fc.nat(7), landed: fc.boolean() }),
    });
  }
  return fc.oneof(...arbs);
}

/** Runs the schedule; returns the first invariant violation seen (after any step). */
function play(
  knobs: Partial<RedisKnobs & KvKnobs>,
  actions: Action[],
  commitOrderGuard = true,
): InvariantViolation[] {
  const reuseLog = new Set<string>();
  const h = new Interleave({ compactionThreshold: 3, ...knobs }, { reuseLog, commitOrderGuard });
  const compactor = new DeltaCompactor(h.ctx);
  const opts = {
    layout: h.ctx.knobs.keyLayout,
    reuseLog,
    claimsAreMarkers: h.ctx.knobs.claimSemantics === "marker",
  };
  const active: Task<unknown>[] = [];
  const check = () => checkStoreInvariants(h.node.store, opts);
  const prune = () => {
    for (let i = active.length - 1; i >= 0; i--) if (active[i].state === "done") active.splice(i, 1);
  };
  for (const a of actions) {
    if (a.kind === "start") active.push(h.start("c", execute(h.ctx, a.cmd)));
    else if (a.kind === "compact") active.push(h.start("compactor", compactor.passOnce(true)));
    else if (active.length > 0) {
      const t = active[a.pick % active.length];
      if (a.kind === "apply" || t.held === undefined) h.apply(t);
      else h.lose(t, a.landed);
    }
    prune();
    const v = check();
    if (v.length > 0) return v;
  }
  for (const t of active) h.finish(t);
  return check();
}

const scheduleArb = (opts: { headExec: boolean; lose: boolean }) =>
  fc.array(actionArb(opts), { minLength: 4, maxLength: 40 });

describe("random interleavings on one replica", () => {
  it("fixed keeps every store invariant (production coordinator, lost proposals included)", () => {
    fc.assert(
      fc.property(scheduleArb({ headExec: false, lose: true }), (actions) => {
        expect(play({}, actions)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it("fixed keeps every store invariant with the demo coordinator's re-sends", () => {
    fc.assert(
      fc.property(scheduleArb({ headExec: false, lose: true }), (actions) => {
        expect(play({ coordinator: "demo" }, actions)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  for (const [variant, invariant] of [
    ["pop-push-same-end", "invariant:list-orphan"],
    ["del-unfenced", "invariant:list-orphan"],
  ] as const) {
    it(`${variant} breaks ${invariant} in some schedule`, () => {
      const v = variantByName(variant)!;
      const r = fc.check(
        fc.property(scheduleArb({ headExec: v.knobs.execCommands === "head", lose: false }), (actions) =>
          play(v.knobs, actions).every((x) => x.name !== invariant),
        ),
        { numRuns: 3000, seed: 5 },
      );
      expect(r.failed).toBe(true);
    });
  }
});
