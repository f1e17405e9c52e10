import { describe, expect, it } from "vitest";
import { MvccStore } from "../mvcc/store.ts";
import {
  type CoordinatorEnv,
  dispatch,
  isTransientLeaderError,
  KV_PROBES,
  LEADER_ERRORS,
  serveForward,
  snapshotTS,
} from "./coordinator.ts";
import { applyRequest } from "./fsm.ts";
import { Hlc, hlcValue } from "./hlc.ts";
import { type KvKnobs, kvKnobs } from "./knobs.ts";
import type { Co, DispatchResult, Effect, FsmRequest, OperationGroup, ProposeOutcome } from "./types.ts";

/**
 * A host whose answers the test scripts: `answer` decides each effect's result; sleeps advance
 * the clock. It records every effect so tests can assert what the coordinator asked for.
 */
class ScriptedHost {
  nowUs = 0;
  wallMs = 1_000;
  leader = true;
  readonly effects: Effect[] = [];
  readonly probes: string[] = [];
  readonly store = new MvccStore();
  readonly knobs: KvKnobs;
  readonly hlc: Hlc;
  readonly env: CoordinatorEnv;
  answer: (e: Effect, host: ScriptedHost) => unknown = (e) => this.defaultAnswer(e);

  constructor(overrides: Partial<KvKnobs> = {}) {
    this.knobs = kvKnobs(overrides);
    this.hlc = Hlc.fromKnobs(() => this.wallMs, this.knobs);
    this.env = {
      isLeader: () => this.leader,
      hlc: this.hlc,
      store: this.store,
      knobs: this.knobs,
      random: () => 0.5,
      probe: (n) => this.probes.push(n),
      nowUs: () => this.nowUs,
    };
  }

  applyLocal(request: FsmRequest): ProposeOutcome {
    return { status: "applied", index: 1, result: applyRequest(this.store, this.hlc, request, this.knobs) };
  }

  defaultAnswer(e: Effect): unknown {
    switch (e.kind) {
      case "propose":
        return this.applyLocal(e.request);
      case "sleep":
        this.nowUs += e.us;
        return undefined;
      case "forward":
        return { ok: true, commitTS: e.group.commitTS } satisfies DispatchResult;
      default:
        return true;
    }
  }

  run<R>(co: Co<R>): R {
    let step = co.next();
    while (!step.done) {
      this.effects.push(step.value);
      step = co.next(this.answer(step.value, this));
    }
    return step.value;
  }

  kinds(): string[] {
    return this.effects.map((e) => e.kind);
  }

  proposals(): FsmRequest[] {
    return this.effects.flatMap((e) => (e.kind === "propose" ? [e.request] : []));
  }
}

const group = (g: Partial<OperationGroup> = {}): OperationGroup => ({
  startTS: 0,
  commitTS: 0,
  readKeys: [],
  elems: [{ op: "put", key: "k", value: "v" }],
  ...g,
});

describe("production coordinator", () => {
  it("verifies leadership, then proposes; maps the apply result", () => {
    const h = new ScriptedHost();
    const r = h.run(dispatch(h.env, group()));
    expect(h.kinds()).toEqual(["verify-leader", "propose"]);
    expect(r).toEqual({ ok: true, commitTS: hlcValue(1000, 1) });
    const [p] = h.proposals();
    expect(p).toMatchObject({ kind: "txn", startTS: hlcValue(1000, 0), commitTS: hlcValue(1000, 1) });
  });

  it("maps every propose outcome", () => {
    const cases: Array<[ProposeOutcome, DispatchResult]> = [
      [
        { status: "applied", index: 1, result: { ok: false, reason: "write-conflict", key: "k" } },
        { ok: false, kind: "write-conflict", key: "k" },
      ],
      [
        { status: "applied", index: 1, result: { ok: false, reason: "invalid", message: "bad" } },
        { ok: false, kind: "failed", message: "bad" },
      ],
      [
        { status: "failed", message: LEADER_ERRORS.notLeader },
        { ok: false, kind: "failed", message: "not leader" },
      ],
      [
        { status: "unknown", message: LEADER_ERRORS.leadershipLost },
        { ok: false, kind: "ambiguous", message: "leadership lost" },
      ],
    ];
    for (const [out, want] of cases) {
      const h = new ScriptedHost();
      h.answer = (e) => (e.kind === "propose" ? out : true);
      expect(h.run(dispatch(h.env, group()))).toEqual(want);
      // Production never retries a local proposal.
      expect(h.proposals()).toHaveLength(1);
    }
  });

  it("forwards the identical request, commitTS included, when not leader or not verified", () => {
    for (const setup of ["follower", "unverified"] as const) {
      const h = new ScriptedHost();
      h.leader = setup !== "follower";
      h.answer = (e, host) =>
        e.kind === "verify-leader"
          ? false
          : e.kind === "forward"
            ? { ok: true, commitTS: 1 }
            : host.defaultAnswer(e);
      h.run(dispatch(h.env, group({ startTS: 50, commitTS: 60, readKeys: ["r"], prevCommitTS: 7 })));
      expect(h.kinds()).toEqual(setup === "follower" ? ["forward"] : ["verify-leader", "forward"]);
      expect(h.effects.at(-1)).toEqual({
        kind: "forward",
        timeoutUs: 5_000_000,
        group: {
          startTS: 50,
          commitTS: 60,
          readKeys: ["r"],
          elems: [{ op: "put", key: "k", value: "v" }],
          prevCommitTS: 7,
        },
      });
      expect(h.probes).toContain(KV_PROBES.forward);
    }
  });

  it("marks a write conflict that came back through a forward as wire, after re-sending it at once up to three times", () => {
    const h = new ScriptedHost();
    h.leader = false;
    h.answer = () => ({ ok: false, kind: "write-conflict", key: "k" }) satisfies DispatchResult;
    expect(h.run(dispatch(h.env, group({ startTS: 5 })))).toEqual({
      ok: false,
      kind: "write-conflict",
      key: "k",
      wire: true,
    });
    expect(h.kinds()).toEqual(["forward", "forward", "forward"]);
  });

  it("after a failed VerifyLeader, re-forwards on leader errors every interval with the original timestamps", () => {
    const h = new ScriptedHost();
    let refusals = 4;
    h.answer = (e, host) => {
      if (e.kind === "verify-leader") return false;
      if (e.kind === "forward") {
        if (refusals-- > 0) return { ok: false, kind: "failed", message: `rpc: ${LEADER_ERRORS.notLeader}` };
        return { ok: true, commitTS: e.group.commitTS };
      }
      return host.defaultAnswer(e);
    };
    const r = h.run(dispatch(h.env, group({ startTS: 50, commitTS: 60 })));
    expect(r).toEqual({ ok: true, commitTS: 60 });
    expect(h.kinds()).toEqual([
      "verify-leader",
      ...Array.from({ length: 4 }, () => ["forward", "sleep"]).flat(),
      "forward",
    ]);
    const forwards = h.effects.flatMap((e) => (e.kind === "forward" ? [e] : []));
    for (const f of forwards) expect(f.group).toMatchObject({ startTS: 50, commitTS: 60 });
    // Each forward waits at most what is left of the budget.
    expect(forwards.map((f) => f.timeoutUs)).toEqual([5_000_000, 4_975_000, 4_950_000, 4_925_000, 4_900_000]);
    expect(h.probes.filter((p) => p === KV_PROBES.forwardRetry)).toHaveLength(4);
  });

  it("re-sends identically after the receiver proposed and lost leadership; gives up at the budget as unknown", () => {
    const h = new ScriptedHost({ leaderRetryBudgetMs: 100 });
    h.leader = false;
    let first = true;
    h.answer = (e, host) => {
      if (e.kind !== "forward") return host.defaultAnswer(e);
      if (first) {
        first = false;
        return { ok: false, kind: "ambiguous", message: `propose: ${LEADER_ERRORS.leadershipLost}` };
      }
      return { ok: false, kind: "failed", message: LEADER_ERRORS.leaderNotFound };
    };
    const r = h.run(dispatch(h.env, group({ startTS: 5, commitTS: 9 })));
    // The first attempt may have landed, so the final "leader not found" is no proof it did not.
    expect(r).toEqual({ ok: false, kind: "ambiguous", message: LEADER_ERRORS.leaderNotFound });
    expect(h.kinds().filter((k) => k === "forward")).toHaveLength(4);
    expect(h.nowUs).toBe(100_000);
  });

  it("a re-sent forward of a request that already landed is answered by the stale-apply fast path", () => {
    const h = new ScriptedHost();
    h.leader = false;
    let attempts = 0;
    h.answer = (e, host) => {
      if (e.kind !== "forward") return host.defaultAnswer(e);
      attempts++;
      // The receiver proposes; the entry commits, but the receiver loses leadership before answering.
      const r = host.run(serveForwardAsNewLeader(host, e.group));
      return attempts === 1 ? { ok: false, kind: "ambiguous", message: LEADER_ERRORS.leadershipLost } : r;
    };
    h.store.applyMutations([{ op: "put", key: "z", value: "0" }], [], 0, 5);
    expect(h.run(dispatch(h.env, group({ startTS: 5, commitTS: 9 })))).toEqual({ ok: true, commitTS: 9 });
    expect(attempts).toBe(2);
    expect(h.store.versionsOf("k")).toHaveLength(1);
  });

  it("rejects commitTS <= startTS before proposing", () => {
    const h = new ScriptedHost();
    expect(h.run(dispatch(h.env, group({ startTS: 10, commitTS: 10 })))).toMatchObject({
      ok: false,
      kind: "failed",
    });
    expect(h.effects).toEqual([]);
  });

  it("observes a caller-supplied commitTS", () => {
    const h = new ScriptedHost();
    h.run(dispatch(h.env, group({ startTS: 1, commitTS: hlcValue(5000, 3) })));
    expect(h.hlc.current()).toBe(hlcValue(5000, 3));
  });

  it("B15(b): StartTS 0 clears a pre-allocated commitTS unless ensureValidStartTS", () => {
    const pre = hlcValue(900, 0);
    const head = new ScriptedHost({ ensureValidStartTS: false });
    head.run(dispatch(head.env, group({ commitTS: pre })));
    const [p] = head.proposals();
    expect(p.kind === "txn" && p.commitTS).not.toBe(pre);

    // The unmerged fix 81a0d5ea: a fresh clock reading as startTS (≈ commitTS − 1).
    const clock = new ScriptedHost({ emptySnapshotStartTS: "clock" });
    clock.run(dispatch(clock.env, group({ commitTS: pre })));
    expect(clock.proposals()[0]).toMatchObject({ startTS: pre - 1, commitTS: pre });

    // fixed: the empty snapshot sits before every commit.
    const fixed = new ScriptedHost();
    fixed.run(dispatch(fixed.env, group({ commitTS: pre })));
    expect(fixed.proposals()[0]).toMatchObject({ startTS: 1, commitTS: pre });
  });

  it("B6: with the read set outside Raft, read keys are checked at dispatch and not sent", () => {
    const h = new ScriptedHost({ readSetInRaft: false });
    h.store.applyMutations([{ op: "put", key: "r", value: "1" }], [], 0, 100);
    expect(h.run(dispatch(h.env, group({ startTS: 50, readKeys: ["r"] })))).toEqual({
      ok: false,
      kind: "write-conflict",
      key: "r",
    });
    expect(h.effects).toEqual([]);
    h.run(dispatch(h.env, group({ startTS: 100, readKeys: ["r"] })));
    expect(h.proposals()[0]).toMatchObject({ readKeys: [] });

    const inRaft = new ScriptedHost();
    inRaft.run(dispatch(inRaft.env, group({ startTS: 100, readKeys: ["r"] })));
    expect(inRaft.proposals()[0]).toMatchObject({ readKeys: ["r"] });
  });

  it("fenced allocation renews an expired lease once, then fails closed", () => {
    const h = new ScriptedHost();
    h.hlc.applyCeiling(1_000); // wall 1000 >= ceiling
    const r = h.run(dispatch(h.env, group()));
    expect(r.ok).toBe(true);
    expect(h.proposals()[0]).toEqual({ kind: "hlc-lease", ceilingMs: 11_000 });
    expect(h.probes).toEqual(expect.arrayContaining([KV_PROBES.ceilingExpired, KV_PROBES.leaseRecovery]));

    const stuck = new ScriptedHost();
    stuck.hlc.applyCeiling(1_000);
    stuck.answer = (e, host) =>
      e.kind === "propose"
        ? ({ status: "failed", message: "not leader" } as ProposeOutcome)
        : host.defaultAnswer(e);
    expect(stuck.run(dispatch(stuck.env, group()))).toMatchObject({ ok: false, kind: "failed" });

    const unfenced = new ScriptedHost({ hlcFenced: false });
    unfenced.hlc.applyCeiling(1_000);
    expect(unfenced.run(dispatch(unfenced.env, group())).ok).toBe(true);
    expect(unfenced.proposals().map((p) => p.kind)).toEqual(["txn"]);
  });

  it("refuses an empty write set", () => {
    const h = new ScriptedHost();
    expect(h.run(dispatch(h.env, group({ elems: [] })))).toMatchObject({ ok: false, kind: "failed" });
  });
});

describe("demo coordinator", () => {
  it("retries a leader error with the caller's StartTS/CommitTS; a landed first attempt then self-conflicts (B17)", () => {
    const h = new ScriptedHost({ coordinator: "demo", staleApplyFastPath: false, dedupProbe: false });
    h.store.applyMutations([{ op: "put", key: "z", value: "0" }], [], 0, 10);
    let proposals = 0;
    h.answer = (e, host) => {
      if (e.kind === "propose") {
        proposals++;
        const out = host.applyLocal(e.request);
        // First attempt commits, but the proposer loses leadership before hearing so.
        if (proposals === 1) {
          host.leader = false;
          return { status: "unknown", message: `raft engine: ${LEADER_ERRORS.leadershipLost}` };
        }
        return out;
      }
      if (e.kind === "forward") return host.run(serveForwardAsNewLeader(host, e.group));
      return host.defaultAnswer(e);
    };
    const r = h.run(dispatch(h.env, group({ startTS: 10, commitTS: hlcValue(1000, 5) })));
    expect(r).toEqual({ ok: false, kind: "write-conflict", key: "k", wire: true });
    const txns = h.proposals();
    expect(txns).toHaveLength(2);
    expect(txns[1]).toMatchObject({ startTS: 10, commitTS: hlcValue(1000, 5) });
    // The receiver runs its own VerifyLeader before proposing.
    expect(h.kinds()).toEqual(["propose", "sleep", "forward", "verify-leader", "propose"]);
    expect(h.nowUs).toBe(25_000);
    expect(h.probes).toContain(KV_PROBES.dispatchRetry);
  });

  it("with the stale-apply fast path the same re-send succeeds", () => {
    const h = new ScriptedHost({ coordinator: "demo" });
    h.store.applyMutations([{ op: "put", key: "z", value: "0" }], [], 0, 10);
    let first = true;
    h.answer = (e, host) => {
      if (e.kind === "propose") {
        const out = host.applyLocal(e.request);
        if (first) {
          first = false;
          return { status: "unknown", message: LEADER_ERRORS.leadershipLost };
        }
        return out;
      }
      return host.defaultAnswer(e);
    };
    expect(h.run(dispatch(h.env, group({ startTS: 10, commitTS: hlcValue(1000, 5) })))).toEqual({
      ok: true,
      commitTS: hlcValue(1000, 5),
    });
  });

  it("re-mints coordinator-minted timestamps on each retry", () => {
    const h = new ScriptedHost({ coordinator: "demo" });
    let n = 0;
    h.answer = (e, host) => {
      if (e.kind === "propose" && n++ < 2) return { status: "failed", message: LEADER_ERRORS.notLeader };
      return host.defaultAnswer(e);
    };
    expect(h.run(dispatch(h.env, group())).ok).toBe(true);
    const starts = h.proposals().map((p) => (p.kind === "txn" ? p.startTS : -1));
    expect(new Set(starts).size).toBe(3);
  });

  it("gives up after the budget; a possibly-landed attempt makes the result ambiguous", () => {
    const h = new ScriptedHost({ coordinator: "demo" });
    h.leader = false;
    h.answer = (e, host) =>
      e.kind === "forward"
        ? ({
            ok: false,
            kind: "failed",
            message: `rpc error: ${LEADER_ERRORS.notLeader}`,
          } satisfies DispatchResult)
        : host.defaultAnswer(e);
    expect(h.run(dispatch(h.env, group({ startTS: 3 })))).toMatchObject({ ok: false, kind: "failed" });
    expect(h.nowUs).toBe(5_000_000);
    expect(h.kinds().filter((k) => k === "sleep")).toHaveLength(200);

    const amb = new ScriptedHost({ coordinator: "demo" });
    let first = true;
    amb.answer = (e, host) => {
      if (e.kind === "propose") {
        host.leader = false;
        if (first) {
          first = false;
          return { status: "unknown", message: LEADER_ERRORS.leadershipLost };
        }
      }
      if (e.kind === "forward") return { ok: false, kind: "failed", message: LEADER_ERRORS.leaderNotFound };
      return host.defaultAnswer(e);
    };
    expect(amb.run(dispatch(amb.env, group({ startTS: 3 })))).toMatchObject({ ok: false, kind: "ambiguous" });
  });

  it("does not retry non-leader errors", () => {
    const h = new ScriptedHost({ coordinator: "demo" });
    h.answer = (e, host) =>
      e.kind === "propose"
        ? ({ status: "unknown", message: "proposal timeout" } as ProposeOutcome)
        : host.defaultAnswer(e);
    expect(h.run(dispatch(h.env, group()))).toMatchObject({ ok: false, kind: "ambiguous" });
    expect(h.proposals()).toHaveLength(1);
  });
});

describe("helpers", () => {
  it("recognises leader errors by suffix only", () => {
    expect(isTransientLeaderError("rpc error: code = Unknown desc = not leader")).toBe(true);
    expect(isTransientLeaderError("raft engine: Leadership Lost")).toBe(true);
    expect(isTransientLeaderError("key: not leader: write conflict")).toBe(false);
  });

  it("snapshotTS follows the knob", () => {
    const h = new ScriptedHost();
    h.store.applyMutations([{ op: "put", key: "a", value: "1" }], [], 0, 10);
    h.hlc.observe(20);
    expect(snapshotTS(h.store, h.hlc, h.knobs)).toBe(10);
    expect(snapshotTS(h.store, h.hlc, kvKnobs({ snapshotTS: "hlc-current-max" }))).toBe(20);
  });

  it("serveForward refuses on a non-leader", () => {
    const h = new ScriptedHost();
    h.leader = false;
    expect(h.run(serveForward(h.env, group({ startTS: 1 })))).toEqual({
      ok: false,
      kind: "failed",
      message: LEADER_ERRORS.notLeader,
    });
  });

  it("serveForward verifies leadership with a quorum before proposing, and keeps the caller's timestamps unobserved", () => {
    const h = new ScriptedHost();
    h.answer = (e, host) => (e.kind === "verify-leader" ? false : host.defaultAnswer(e));
    expect(h.run(serveForward(h.env, group({ startTS: 5, commitTS: 9 })))).toEqual({
      ok: false,
      kind: "failed",
      message: LEADER_ERRORS.notLeader,
    });
    expect(h.kinds()).toEqual(["verify-leader"]);
    const ok = new ScriptedHost({ hlcObserveOnApply: false });
    const far = hlcValue(9_000, 0);
    expect(ok.run(serveForward(ok.env, group({ startTS: 5, commitTS: far })))).toEqual({
      ok: true,
      commitTS: far,
    });
    expect(ok.kinds()).toEqual(["verify-leader", "propose"]);
    expect(ok.proposals()[0]).toMatchObject({ startTS: 5, commitTS: far });
    expect(ok.hlc.current()).toBeLessThan(far);
  });
});

/** The new leader in these tests shares the store: it serves the forward by proposing locally. */
function* serveForwardAsNewLeader(host: ScriptedHost, g: OperationGroup): Co<DispatchResult> {
  const wasLeader = host.leader;
  host.leader = true;
  const r = yield* serveForward(host.env, g);
  host.leader = wasLeader;
  return r;
}
