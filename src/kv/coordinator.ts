/**
 * The transaction coordinator (docs/model.md; elastickv `kv/coordinator.go`,
 * `kv/sharded_coordinator.go`, `kv/leader_proxy.go`, `kv/tso.go`), written as a coroutine over
 * Effects so that the cluster runtime decides when quorum checks, proposals, forwards and sleeps
 * complete.
 */
import { CeilingExpiredError, type Hlc } from "./hlc.ts";
import type { KvKnobs } from "./knobs.ts";
import { ready, yieldOnce, yieldOnceMap } from "./steps.ts";
import type {
  Co,
  DispatchResult,
  Effect,
  FsmRequest,
  OperationGroup,
  ProposeOutcome,
  StoreView,
} from "./types.ts";

export interface CoordinatorEnv {
  /** This node's local belief that it leads the group (no quorum round). */
  isLeader(): boolean;
  hlc: Hlc;
  /** The local replica's store. */
  store: StoreView;
  knobs: KvKnobs;
  /** Seeded random stream of this node's coordinator. */
  random(): number;
  /** Count a named rare event (see KV_PROBES). */
  probe(name: string): void;
  /** Simulated time in microseconds (retry budgets). */
  nowUs(): number;
  /** A txn id unique across the cluster's nodes and restarts (absent: dispatches carry none). */
  newTxnId?(): string;
  /**
   * Whether this node may answer from its own store without a quorum round: it leads under a
   * valid lease and has applied every entry of the terms before its own.
   */
  readSafeLocally?(): boolean;
}

/** Probe names this module reports. */
export const KV_PROBES = {
  forward: "kv.forward",
  forwardRetry: "kv.forward-retry",
  proposeUnknown: "kv.propose-unknown",
  dispatchRetry: "kv.dispatch-retry",
  wireWriteConflict: "kv.wire-write-conflict",
  ceilingExpired: "kv.ceiling-expired",
  leaseRecovery: "kv.hlc-lease-recovery",
  readSetPrevalidateConflict: "kv.read-set-prevalidate-conflict",
} as const;

/**
 * Leader-churn messages. Hosts end failed/unknown messages with one of these when the cause is
 * leadership; the demo retry loop recognises them by suffix, as elastickv does once a gRPC
 * boundary has dropped the typed error (`hasTransientLeaderPhrase`).
 */
export const LEADER_ERRORS = {
  notLeader: "not leader",
  leaderNotFound: "leader not found",
  leadershipLost: "leadership lost",
  transferInProgress: "leadership transfer in progress",
} as const;

const LEADER_PHRASES: readonly string[] = Object.values(LEADER_ERRORS);

export function isTransientLeaderError(message: string): boolean {
  const m = message.toLowerCase();
  for (const p of LEADER_PHRASES) if (m.endsWith(p)) return true;
  return false;
}

export type Alloc = { ok: true; ts: number } | { ok: false; message: string };

/** One effect, its result the value the host resumes with: a step, not a generator (src/kv/steps.ts). */
function effect<R>(e: Effect): Co<R> {
  return yieldOnce<R>(e);
}

function failed(message: string): DispatchResult {
  return { ok: false, kind: "failed", message };
}

/**
 * One persistence timestamp: NextFenced with one on-demand lease renewal when the ceiling has
 * expired (`nextFencedWithRecovery`), or plain Next when fencing is off. A step when the clock
 * answers at once, which is nearly always; callers start it at once with `yield*`.
 */
export function allocateTimestamp(env: CoordinatorEnv): Co<Alloc> {
  const a = timestampNow(env);
  return a !== undefined ? ready(a) : recoverAndAllocate(env);
}

/** The timestamp when the clock gives one at once; undefined (after the probe) when its ceiling expired. */
function timestampNow(env: CoordinatorEnv): Alloc | undefined {
  const { hlc, knobs } = env;
  if (!knobs.hlcFenced) return { ok: true, ts: hlc.next() };
  try {
    return { ok: true, ts: hlc.nextFenced() };
  } catch (e) {
    if (!(e instanceof CeilingExpiredError)) throw e;
    env.probe(KV_PROBES.ceilingExpired);
    return undefined;
  }
}

/** The rest of `nextFencedWithRecovery` after NextFenced found the ceiling expired. */
function* recoverAndAllocate(env: CoordinatorEnv): Co<Alloc> {
  const { hlc, knobs } = env;
  // RecoverHLCLease: only a leader whose ceiling has actually expired proposes a new lease.
  const wall = hlc.wallMs();
  if (wall >= hlc.physicalCeiling()) {
    if (!env.isLeader()) return { ok: false, message: "hlc lease recovery unavailable" };
    env.probe(KV_PROBES.leaseRecovery);
    const out = yield* effect<ProposeOutcome>({
      kind: "propose",
      request: { kind: "hlc-lease", ceilingMs: wall + knobs.hlcWindowMs },
    });
    if (out.status !== "applied") return { ok: false, message: `recover hlc lease: ${out.message}` };
  }
  try {
    return { ok: true, ts: hlc.nextFenced() };
  } catch (e) {
    if (!(e instanceof CeilingExpiredError)) throw e;
    return { ok: false, message: e.message };
  }
}

/**
 * `NextTimestampAfterThrough(startTS)`: Observe(startTS), then allocate; the result is strictly
 * above startTS. Adapters that embed the commitTS in keys pre-allocate with this (docs/model.md).
 * A step when the first timestamp the clock gives will do; callers start it at once with `yield*`.
 */
export function allocateCommitTS(env: CoordinatorEnv, startTS: number): Co<Alloc> {
  env.hlc.observe(startTS);
  const a = timestampNow(env);
  if (a !== undefined && (!a.ok || a.ts > startTS)) return ready(a);
  return allocateCommitTSAfter(env, startTS, a);
}

/** The rest of allocateCommitTS, from the first timestamp (undefined: its lease to recover first). */
function* allocateCommitTSAfter(env: CoordinatorEnv, startTS: number, first: Alloc | undefined): Co<Alloc> {
  const a = first ?? (yield* recoverAndAllocate(env));
  if (!a.ok || a.ts > startTS) return a;
  env.hlc.observe(startTS);
  const retry = yield* allocateTimestamp(env);
  if (retry.ok && retry.ts <= startTS) return { ok: false, message: "commitTS required" };
  return retry;
}

/** Snapshot ts of a standalone command (`adapter/ts.go`); 0 means "nothing applied yet". */
export function snapshotTS(store: StoreView, hlc: Hlc, knobs: KvKnobs): number {
  const last = store.lastCommitTS();
  if (knobs.snapshotTS === "hlc-current-max") {
    return Math.max(last, hlc.current());
  }
  return last;
}

/**
 * The adapter-side form of the B15(b) fix (`ensureValidStartTS`): a read at the empty-store
 * sentinel gets a fresh startTS from the clock so the coordinator keeps the pre-allocated commitTS.
 */
export function ensureValidStartTS(readStartTS: number, hlc: Hlc): number {
  return readStartTS !== 0 ? readStartTS : hlc.next();
}

type Prepared =
  | { ok: true; request: Extract<FsmRequest, { kind: "txn" }> }
  | { ok: false; result: DispatchResult };

/**
 * Timestamps and validation before proposing. Writes a minted StartTS (and the cleared CommitTS)
 * back into `g`, as `dispatchOnce` does to its OperationGroup; an allocated CommitTS stays local
 * to the attempt.
 */
function* prepare(env: CoordinatorEnv, g: OperationGroup, observeCommitTS = true): Co<Prepared> {
  const { knobs, hlc } = env;
  if (g.elems.length === 0) return { ok: false, result: failed("txn primary key required") };
  if (g.startTS === 0) {
    if (knobs.ensureValidStartTS && g.commitTS !== 0) {
      // The reads saw the empty store, so the snapshot sits before every commit: ts 1 keeps the
      // OCC check honest. The unmerged fix 81a0d5ea instead mints a fresh startTS from the clock
      // just before the commitTS (≈ commitTS − 1), which places the empty snapshot after commits
      // it never saw, so two first writers can pick the same item key and both commit.
      g.startTS = knobs.emptySnapshotStartTS === "floor" ? 1 : g.commitTS - 1;
    } else {
      // B15(b) when a commitTS was pre-allocated: it is cleared and re-minted below, so a key
      // that embeds the pre-allocated ts no longer matches its MVCC version.
      const s = yield* allocateTimestamp(env);
      if (!s.ok) return { ok: false, result: failed(`allocate startTS: ${s.message}`) };
      g.startTS = s.ts;
      g.commitTS = 0;
    }
  }
  let commitTS = g.commitTS;
  if (commitTS === 0) {
    const c = yield* allocateCommitTS(env, g.startTS);
    if (!c.ok) return { ok: false, result: failed(`allocate commitTS: ${c.message}`) };
    commitTS = c.ts;
  } else if (observeCommitTS) {
    hlc.observe(commitTS);
  }
  if (commitTS <= g.startTS) {
    return { ok: false, result: failed(`commitTS ${commitTS} <= startTS ${g.startTS}`) };
  }
  if (!knobs.readSetInRaft) {
    // B6: read keys checked against the local store now, never again at apply.
    for (const k of g.readKeys) {
      if (env.store.latestCommitTS(k) > g.startTS) {
        env.probe(KV_PROBES.readSetPrevalidateConflict);
        return { ok: false, result: { ok: false, kind: "write-conflict", key: k } };
      }
    }
  }
  const request: Extract<FsmRequest, { kind: "txn" }> = {
    kind: "txn",
    startTS: g.startTS,
    commitTS,
    prevCommitTS: g.prevCommitTS ?? 0,
    readKeys: knobs.readSetInRaft ? g.readKeys.slice() : [],
    elems: g.elems.slice(),
  };
  // Set after the literal rather than spread into it (the same keys in the same order): a spread
  // of a conditional object takes V8's generic copy, and every dispatch builds several of these.
  if (g.txnId !== undefined) request.txnId = g.txnId;
  return { ok: true, request };
}

export function proposeOutcomeToDispatch(out: ProposeOutcome): DispatchResult {
  switch (out.status) {
    case "applied": {
      const r = out.result;
      if (r.ok) return { ok: true, commitTS: r.commitTS };
      if (r.reason === "write-conflict") return { ok: false, kind: "write-conflict", key: r.key };
      return failed(r.message);
    }
    case "failed":
      return failed(out.message);
    case "unknown":
      return { ok: false, kind: "ambiguous", message: out.message };
  }
}

function proposeTxn(env: CoordinatorEnv, request: FsmRequest): Co<DispatchResult> {
  return yieldOnceMap({ kind: "propose", request }, (out: ProposeOutcome) => {
    if (out.status === "unknown") env.probe(KV_PROBES.proposeUnknown);
    return proposeOutcomeToDispatch(out);
  });
}

/** One forward RPC to the leader this node knows (itself included); `timeoutUs` bounds the wait. */
function forwardOnce(env: CoordinatorEnv, group: OperationGroup, timeoutUs: number): Co<DispatchResult> {
  env.probe(KV_PROBES.forward);
  return yieldOnceMap({ kind: "forward", group, timeoutUs }, (r: DispatchResult) => {
    if (!r.ok && r.kind === "write-conflict") {
      env.probe(KV_PROBES.wireWriteConflict);
      return { ...r, wire: true };
    }
    return r;
  });
}

/** Forwards one proxy cycle sends before it backs off (`maxForwardRetries`). */
export const FORWARD_TRIES_PER_CYCLE = 3;

/**
 * The production proxy's `forwardWithRetry` (docs/model.md, "S4"): the identical request — the
 * caller's StartTS and commitTS — goes to whatever leader this node's Raft names, itself while it
 * still leads. A cycle sends up to three forwards, each waiting at most the budget left; a leader
 * error (no leader known, or the receiver was not leader, or lost leadership after proposing)
 * ends the cycle, and the next starts one interval later while the budget lasts. Any other error
 * is re-sent at once, and after three the last one is final. A re-send of a request that already
 * landed is answered by the FSM's stale-apply fast path. When an attempt may have landed, a later
 * "not leader" does not make the outcome known.
 */
function* forwardWithRetry(env: CoordinatorEnv, group: OperationGroup): Co<DispatchResult> {
  const { knobs } = env;
  const deadline = env.nowUs() + knobs.leaderRetryBudgetMs * 1000;
  const intervalUs = knobs.leaderRetryIntervalMs * 1000;
  let last: DispatchResult | undefined;
  let mayHaveLanded = false;
  const finish = (r: DispatchResult): DispatchResult =>
    !r.ok && r.kind === "failed" && mayHaveLanded ? { ok: false, kind: "ambiguous", message: r.message } : r;
  for (;;) {
    let leaderError = false;
    for (let attempt = 0; attempt < FORWARD_TRIES_PER_CYCLE; attempt++) {
      if (env.nowUs() >= deadline) break;
      const r = yield* forwardOnce(env, group, deadline - env.nowUs());
      if (r.ok) return r;
      last = r;
      if (r.kind === "ambiguous") mayHaveLanded = true;
      leaderError = r.kind !== "write-conflict" && isTransientLeaderError(r.message);
      if (leaderError) break;
    }
    if (last === undefined) return failed(LEADER_ERRORS.leaderNotFound);
    if (!leaderError || env.nowUs() >= deadline) return finish(last);
    env.probe(KV_PROBES.forwardRetry);
    yield* effect<unknown>({ kind: "sleep", us: Math.min(intervalUs, deadline - env.nowUs()) });
    if (env.nowUs() >= deadline) return finish(last);
  }
}

/** `leaderProxy: coarse`: one forward, which the host holds until it knows of another leader. */
function forwardCoarse(env: CoordinatorEnv, group: OperationGroup): Co<DispatchResult> {
  return forwardOnce(env, group, env.knobs.leaderRetryBudgetMs * 1000);
}

/**
 * A copy of g whose timestamps a dispatch may change, with the dispatch's txn id (g's own by
 * default). The arrays are shared, not copied: no dispatch changes them, and the request it
 * proposes takes copies of its own (`prepare`), so the log never shares an array with a caller.
 */
function copyGroup(g: OperationGroup, txnId: string | undefined = g.txnId): OperationGroup {
  const c: OperationGroup = {
    startTS: g.startTS,
    commitTS: g.commitTS,
    readKeys: g.readKeys,
    elems: g.elems,
    prevCommitTS: g.prevCommitTS,
  };
  if (txnId !== undefined) c.txnId = txnId;
  return c;
}

/**
 * Dispatch one transactional OperationGroup with the coordinator the knobs select. A plain function
 * handing back that coordinator's coroutine, not a generator delegating to it: every effect of a
 * dispatch would pass the extra level twice. Callers start it at once (`yield* dispatch(...)`),
 * so the txn id is taken at the same point as before.
 */
export function dispatch(env: CoordinatorEnv, group: OperationGroup): Co<DispatchResult> {
  // Every call is one attempt of its own: re-sends and forwards of it keep this id. Both
  // coordinators start by copying the group, so the id goes into that copy.
  const txnId = group.txnId === undefined && env.newTxnId !== undefined ? env.newTxnId() : group.txnId;
  return env.knobs.coordinator === "demo"
    ? dispatchDemo(env, group, txnId)
    : dispatchProduction(env, group, txnId);
}

/**
 * Production: timestamps are resolved locally, then `LeaderProxy.Commit` proposes only after a
 * quorum VerifyLeader; a non-leader (or failed verification) forwards the identical request,
 * commitTS included, with `forwardWithRetry`. A local proposal that fails mid-flight goes back to
 * the adapter unretried.
 */
function* dispatchProduction(
  env: CoordinatorEnv,
  group: OperationGroup,
  txnId: string | undefined,
): Co<DispatchResult> {
  const g = copyGroup(group, txnId);
  const p = yield* prepare(env, g);
  if (!p.ok) return p.result;
  if (env.isLeader()) {
    const verified = yield* effect<boolean>({ kind: "verify-leader" });
    if (verified) return yield* proposeTxn(env, p.request);
  }
  const send = env.knobs.leaderProxy === "elastickv" ? forwardWithRetry : forwardCoarse;
  const fwd: OperationGroup = {
    startTS: p.request.startTS,
    commitTS: p.request.commitTS,
    readKeys: g.readKeys,
    elems: g.elems,
    prevCommitTS: g.prevCommitTS,
  };
  if (g.txnId !== undefined) fwd.txnId = g.txnId;
  return yield* send(env, fwd);
}

/**
 * Demo `Coordinate.Dispatch`: each attempt acts on the local `IsLeader()` belief (redirecting to
 * the leader otherwise); transient leader errors are retried every interval within the budget.
 * A caller-supplied StartTS (and CommitTS) is re-sent unchanged; coordinator-minted ones are
 * reset and re-minted. This loop is what re-sends a write set that may already have landed (B17).
 */
function* dispatchDemo(
  env: CoordinatorEnv,
  group: OperationGroup,
  txnId: string | undefined,
): Co<DispatchResult> {
  const { knobs } = env;
  // With the B15(b) fix the adapter supplies the startTS that goes with its pre-allocated commitTS.
  const leaderAssignsTS = group.startTS === 0 && !(knobs.ensureValidStartTS && group.commitTS !== 0);
  const g = copyGroup(group, txnId);
  const deadline = env.nowUs() + knobs.leaderRetryBudgetMs * 1000;
  const intervalUs = knobs.leaderRetryIntervalMs * 1000;
  let mayHaveLanded = false;
  const finish = (r: DispatchResult): DispatchResult =>
    // A later "not leader" does not undo an earlier attempt that may still commit.
    !r.ok && r.kind === "failed" && mayHaveLanded ? { ok: false, kind: "ambiguous", message: r.message } : r;
  for (;;) {
    const r = yield* dispatchOnceDemo(env, g);
    if (r.ok) return r;
    if (r.kind === "ambiguous") mayHaveLanded = true;
    const transient = (r.kind === "failed" || r.kind === "ambiguous") && isTransientLeaderError(r.message);
    if (!transient) return finish(r);
    if (env.nowUs() >= deadline) return finish(r);
    env.probe(KV_PROBES.dispatchRetry);
    if (leaderAssignsTS) {
      g.startTS = 0;
      g.commitTS = 0;
    }
    yield* effect<unknown>({ kind: "sleep", us: Math.min(intervalUs, deadline - env.nowUs()) });
    if (env.nowUs() >= deadline) return finish(r);
  }
}

function* dispatchOnceDemo(env: CoordinatorEnv, g: OperationGroup): Co<DispatchResult> {
  // `redirect`: one forward, bounded by the forward timeout; the Dispatch loop does the retrying.
  if (!env.isLeader()) return yield* forwardOnce(env, copyGroup(g), env.knobs.leaderRetryBudgetMs * 1000);
  const p = yield* prepare(env, g);
  if (!p.ok) return p.result;
  return yield* proposeTxn(env, p.request);
}

/**
 * The leader's side of a forwarded dispatch (`adapter/internal.go` Forward): refuse unless this
 * node is leader and a quorum VerifyLeader confirms it, fill in missing timestamps, propose. The
 * caller's StartTS and commitTS are kept as sent; unlike a local dispatch, the receiver does not
 * observe a supplied commitTS into its clock (only the apply does).
 */
export function* serveForward(env: CoordinatorEnv, group: OperationGroup): Co<DispatchResult> {
  if (!env.isLeader()) return failed(LEADER_ERRORS.notLeader);
  const elastickv = env.knobs.leaderProxy === "elastickv";
  if (elastickv) {
    const verified = yield* effect<boolean>({ kind: "verify-leader" });
    if (!verified) return failed(LEADER_ERRORS.notLeader);
  }
  const g = copyGroup(group);
  const p = yield* prepare(env, g, !elastickv);
  if (!p.ok) return p.result;
  return yield* proposeTxn(env, p.request);
}
