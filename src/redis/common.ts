/**
 * Helpers shared by the command implementations (docs/model.md, elastickv
 * `adapter/redis_compat_helpers.go`, `adapter/redis_retry.go`, `adapter/ts.go`): snapshot choice,
 * type probes, meta resolution, read fences, dispatch outcomes and the retry loop.
 */
import {
  type Alloc,
  allocateCommitTS,
  dispatch,
  isTransientLeaderError,
  snapshotTS,
} from "../kv/coordinator.ts";
import { NOT_NOW, ReadFailed, readGet, schedAt } from "../kv/reads.ts";
import { isReady, mapStep, ready, readyValue, yieldOnce, yieldOnceMap, yieldOnceThen } from "../kv/steps.ts";
import type {
  Co,
  DispatchResult,
  Effect,
  Mutation,
  OperationGroup,
  SchedPoint,
  StoreRead,
} from "../kv/types.ts";
import type { AdapterKnobs, NodeContext } from "./context.ts";
import {
  CodecError,
  decodeHashDelta,
  decodeHashMeta,
  decodeListDelta,
  decodeListMeta,
  HLL_PREFIX,
  type Keys,
  keysFor,
  LIST_CLAIM_PREFIX,
  LIST_ITEM_PREFIX,
  memoKey,
  prefixEnd,
} from "./keys.ts";

/** Named rare events this layer reports through `ctx.probe` (docs/model.md). */
export const REDIS_PROBES = {
  popClaimConflict: "pop-claim-conflict",
  pushItemConflict: "push-item-conflict",
  fenceConflict: "fence-conflict",
  popOverHole: "pop-over-hole",
  reusePath: "reuse-path",
  reuseSelfConflict: "reuse-self-conflict",
  reuseDedupNoop: "reuse-dedup-noop",
  ambiguousRetry: "ambiguous-retry",
  ambiguousOutcome: "ambiguous-outcome",
  retryLimit: "retry-limit",
  deltaScanTruncated: "delta-scan-truncated",
  lenClamped: "len-clamped",
  readFenceFailed: "read-fence-failed",
  execConflict: "exec-conflict",
  delConflict: "del-conflict",
  markerClaimSkipped: "marker-claim-skipped",
  compactorRacedPush: "compactor-raced-push",
  compactorRacedPushEmpty: "compactor-raced-push-empty",
  compactorConflict: "compactor-conflict",
  compactorFoldEmpty: "compactor-fold-empty",
  /** A list fold reached Len 0 while deltas of the key beyond the folded ones remained (F5). */
  compactorFoldLeftDeltas: "compactor-fold-left-deltas",
  reaperReaped: "reaper-reaped",
  urgentCompaction: "urgent-compaction",
  urgentDropped: "urgent-dropped",
} as const;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * A Redis error reply raised from inside a command. These are replies, not bugs: thrown and caught
 * within one command (a write conflict retried, an error turned into a reply) thousands of times
 * per run, and capturing a stack trace for each was a visible share of a simulation's time, so
 * they carry none (the message says what happened).
 */
export class RedisError extends Error {
  constructor(
    message: string,
    /** The command may still have taken effect. */
    readonly ambiguous = false,
  ) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = "RedisError";
  }
}

/** A write conflict from a dispatch (`store.ErrWriteConflict`); `wire` = crossed a forward RPC. */
export class WriteConflictError extends RedisError {
  constructor(
    readonly key: string,
    readonly wire: boolean,
  ) {
    // A wire conflict escaping to the client may be a self-conflict of a write that landed.
    super(`ERR write conflict: key ${JSON.stringify(key)}`, wire);
    this.name = "WriteConflictError";
  }
  /** `normalizeRetryableRedisTxnErr`: restore the typed form of a wire conflict. */
  normalized(): WriteConflictError {
    return this.wire ? new WriteConflictError(this.key, false) : this;
  }
}

export class DeltaScanTruncatedError extends RedisError {
  constructor() {
    super("ERR delta scan truncated: compaction required");
    this.name = "DeltaScanTruncatedError";
  }
}

export const keysOf = (ctx: NodeContext): Keys => keysFor(ctx.knobs.keyLayout);

// ---------------------------------------------------------------------------------------------
// Store reads: each one a step of its own (the host may pause before it, fence it, or serve it
// from the leader's store; docs/model.md)
// ---------------------------------------------------------------------------------------------

/**
 * The read a host is offered to answer at once (`NodeContext.readNow`): hosts read its fields and
 * do not keep it, so one object serves every offer; a read that must wait is copied into an effect
 * of its own.
 */
const offered: StoreRead = readGet("", 0);

/**
 * One store call. A host that can answer it at once (`NodeContext.readNow`: no pause drawn, no
 * wait needed) does so without the coroutine yielding, which spares a resume through every level
 * of `yield*` on the common path; otherwise the read is yielded to the host as an effect. Neither
 * path allocates a generator (src/kv/steps.ts).
 */
function storeRead(
  ctx: NodeContext,
  op: StoreRead["op"],
  key: string,
  end: string,
  limit: number,
  ts: number,
  reverse: boolean,
): Co<unknown> {
  if (ctx.readNow === undefined)
    return yieldOnce({ ...offered, op, key, end, limit, ts, reverse, pauseUs: -1 });
  const e = offered;
  e.op = op;
  e.key = key;
  e.end = end;
  e.limit = limit;
  e.ts = ts;
  e.reverse = reverse;
  e.pauseUs = -1;
  const v = ctx.readNow(e);
  if (v !== NOT_NOW) return ready(v);
  return yieldOnce({ ...e });
}

/** `GetAt`: the value of key visible at ts. */
export function getAt(ctx: NodeContext, key: string, ts: number): Co<string | undefined> {
  return storeRead(ctx, "get", key, "", 0, ts, false) as Co<string | undefined>;
}

/**
 * A scan page as one flat array: the key of each row at an even index, its value right after
 * (`MvccStore.scanRows`; an array per row was the largest single allocation of a simulation).
 */
export type Rows = readonly string[];

/** The keys of flat rows. */
export function rowKeys(rows: Rows): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += 2) out.push(rows[i]);
  return out;
}

/** Flat rows as [key, value] pairs, for the callers that keep rows (the compactor's folds). */
export function rowPairs(rows: Rows): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < rows.length; i += 2) out.push([rows[i], rows[i + 1]]);
  return out;
}

/**
 * `ScanAt`: one page of keys in [start, end) visible at ts, ascending (descending when reverse), as
 * flat rows (`Rows`).
 */
export function scanRows(
  ctx: NodeContext,
  start: string,
  end: string,
  limit: number,
  ts: number,
  reverse = false,
): Co<Rows> {
  return storeRead(ctx, "scan", start, end, limit, ts, reverse) as Co<Rows>;
}

/** `CommittedVersionAt`: whether key has a version (tombstones included) at exactly ts. */
export function versionAt(ctx: NodeContext, key: string, ts: number): Co<boolean> {
  return storeRead(ctx, "version", key, "", 0, ts, false) as Co<boolean>;
}

/** `LatestCommitTS(key)`. */
export function latestAt(ctx: NodeContext, key: string): Co<number> {
  return storeRead(ctx, "latest", key, "", 0, 0, false) as Co<number>;
}

/** A scheduling point: the host may pause the command here (`NodeContext.pauseAt` decides first). */
export function schedPoint(ctx: NodeContext, point: SchedPoint): Co<void> {
  return schedPointThen(ctx, point, undefined);
}

/** A scheduling point on the way to a result already known: evaluates to `value` after it. */
function schedPointThen<R>(ctx: NodeContext, point: SchedPoint, value: R): Co<R> {
  if (ctx.pauseAt !== undefined) {
    const us = ctx.pauseAt(point);
    return us > 0 ? yieldOnceThen({ kind: "sched", point, pauseUs: us }, value) : ready(value);
  }
  return yieldOnceThen(schedAt(point), value);
}

// ---------------------------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------------------------

/**
 * The "fresh read" sentinel `^uint64(0)` of `adapter/ts.go`: a read at it sees everything the
 * store has applied by the time it reads. Any timestamp above every HLC value does that.
 */
export const SENTINEL_TS = Number.MAX_SAFE_INTEGER;

/** `readTS()`: LastCommitTS (or the knob's HLC variant, B5); the sentinel when nothing applied. */
export function readTS(ctx: NodeContext): number {
  const ts = snapshotTS(ctx.store, ctx.hlc, ctx.knobs);
  return ts === 0 ? SENTINEL_TS : ts;
}

/**
 * readTS, then a scheduling point: a command can be preempted right after it picked its snapshot.
 * A step rather than a generator (callers start it at once with `yield*`, so the snapshot is taken
 * at the same point): every command attempt passes here.
 */
export function pickReadTS(ctx: NodeContext): Co<number> {
  return schedPointThen(ctx, "read-ts", readTS(ctx));
}

/** `normalizeStartTS`: sentinel → 0, which lets the coordinator mint StartTS (B15(b)). */
export function normalizeStartTS(ts: number): number {
  return ts === SENTINEL_TS ? 0 : ts;
}

/** `NextTimestampAfterThrough(startTS)`: a commitTS pre-allocated before dispatch. */
export function allocCommitTS(ctx: NodeContext, startTS: number): Co<number> {
  // Like pickReadTS a step when the clock answers at once (no lease recovery to propose), which
  // is nearly always; callers start it at once with `yield*`.
  const alloc = allocateCommitTS(ctx.coordinatorEnv, startTS);
  if (!isReady(alloc)) return allocCommitTSAfter(ctx, alloc);
  return commitTSPoint(ctx, readyValue(alloc));
}

function* allocCommitTSAfter(ctx: NodeContext, alloc: Co<Alloc>): Co<number> {
  return yield* commitTSPoint(ctx, yield* alloc);
}

function commitTSPoint(ctx: NodeContext, a: Alloc): Co<number> {
  if (!a.ok) throw new RedisError(`ERR ${a.message}`);
  // The commitTS is drawn before VerifyLeader and the proposal; a command can stall in between.
  return schedPointThen(ctx, "commit-ts", a.ts);
}

// ---------------------------------------------------------------------------------------------
// Fences
// ---------------------------------------------------------------------------------------------

/** One read fence (lease read or ReadIndex per knob); a lost leadership fails the command. */
export function readFence(ctx: NodeContext): Co<void> {
  return yieldOnceMap({ kind: ctx.knobs.readFenceKind } as Effect, (ok: boolean) => fenceHeld(ctx, ok));
}

function fenceHeld(ctx: NodeContext, ok: boolean): void {
  if (!ok) {
    ctx.probe(REDIS_PROBES.readFenceFailed);
    throw new RedisError("NOTLEADER read fence: not leader");
  }
}

/**
 * The fence of a write that ends up writing nothing (a pop of an empty list, an HDEL of absent
 * fields) and so answers from its snapshot alone. It costs nothing while the leader holds a lease
 * and has applied every entry of the terms before its own; otherwise it waits for a ReadIndex, so
 * neither a deposed leader nor one that has not yet applied the previous term's tail answers from
 * its store.
 */
export function noWriteFence(ctx: NodeContext): Co<void> {
  if (ctx.coordinatorEnv.readSafeLocally?.() === true) return ready(undefined);
  return yieldOnceMap({ kind: "read-index" } as Effect, (ok: boolean) => fenceHeld(ctx, ok));
}

/** Wide fences a creator read-tracks, restricted to the families whose fences are on. */
export function creatorFenceKeys(k: Keys, knobs: AdapterKnobs, userKey: string): string[] {
  const out: string[] = [];
  if (knobs.hashFence) out.push(k.fence("hash", userKey), k.fence("set", userKey));
  if (knobs.listFence) out.push(k.fence("list", userKey));
  if (knobs.hashFence) out.push(k.fence("zset", userKey));
  return out;
}

export const put = (key: string, value: string): Mutation => ({ op: "put", key, value });
export const del = (key: string): Mutation => ({ op: "del", key });

/** `firstWriteKey`: the first Put of a write set (the dedup/self-conflict probe key). */
/**
 * Whether this write set is what lives at exactly `ts` (the adapter's landed probes, docs/model.md).
 * HEAD probes only that the first write key has some version at `ts`; another transaction that drew
 * the same timestamp passes that test (`staleApplyCompareValues` off). The fixed probe also
 * requires the value to be this write set's own.
 */
export function* writeSetLandedAt(ctx: NodeContext, elems: readonly Mutation[], ts: number): Co<boolean> {
  const first = firstWriteKey(elems);
  if (first === undefined || !(yield* versionAt(ctx, first, ts))) return false;
  if (!ctx.knobs.staleApplyCompareValues) return true;
  for (const m of elems) {
    if (!(yield* versionAt(ctx, m.key, ts))) return false;
    const v = yield* getAt(ctx, m.key, ts);
    if (m.op === "put" ? v !== m.value : v !== undefined) return false;
  }
  return true;
}

/**
 * The landed probe after a dispatch: a read that cannot be served then leaves the outcome of the
 * dispatch unknown, so its error is ambiguous.
 */
export function* landedAfterDispatch(ctx: NodeContext, elems: readonly Mutation[], ts: number): Co<boolean> {
  try {
    return yield* writeSetLandedAt(ctx, elems, ts);
  } catch (e) {
    if (e instanceof ReadFailed) throw new RedisError(e.message, true);
    throw e;
  }
}

export function firstWriteKey(elems: readonly Mutation[]): string | undefined {
  for (const e of elems) if (e.op === "put" && e.key.length > 0) return e.key;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Type probe (`rawKeyTypeAt`)
// ---------------------------------------------------------------------------------------------

export type RedisType = "none" | "string" | "list" | "hash";

const hllKey = memoKey((u) => `${HLL_PREFIX}${u}`);

function prefixExists(ctx: NodeContext, prefix: string, ts: number): Co<boolean> {
  return mapStep(scanRows(ctx, prefix, prefixEnd(prefix), 1, ts), nonEmpty);
}

const nonEmpty = (page: readonly unknown[]): boolean => page.length > 0;

/**
 * Strings first, then lists (base meta, or any delta: a drained list keeps reporting `list` until
 * compacted), then wide hashes (field, meta, delta), then the legacy hash blob. Sets, zsets and
 * streams are probed by elastickv too, but no modelled command writes them, so they are skipped.
 */
export function* keyTypeAt(ctx: NodeContext, userKey: string, ts: number): Co<RedisType> {
  const k = keysOf(ctx);
  if ((yield* getAt(ctx, k.str(userKey), ts)) !== undefined) return "string";
  if ((yield* getAt(ctx, hllKey(userKey), ts)) !== undefined) return "string";
  if ((yield* getAt(ctx, userKey, ts)) !== undefined) return "string";
  if ((yield* getAt(ctx, k.listMeta(userKey), ts)) !== undefined) return "list";
  if (yield* prefixExists(ctx, k.listDeltaPrefix(userKey), ts)) return "list";
  if (yield* prefixExists(ctx, k.hashFieldPrefix(userKey), ts)) return "hash";
  if ((yield* getAt(ctx, k.hashMeta(userKey), ts)) !== undefined) return "hash";
  if (yield* prefixExists(ctx, k.hashDeltaPrefix(userKey), ts)) return "hash";
  if ((yield* getAt(ctx, k.legacyHash(userKey), ts)) !== undefined) return "hash";
  return "none";
}

// ---------------------------------------------------------------------------------------------
// Meta resolution
// ---------------------------------------------------------------------------------------------

export interface ResolvedList {
  head: number;
  len: number;
  tail: number;
  /** Base meta exists or at least one delta does. */
  exists: boolean;
  baseExists: boolean;
}

function urgent(ctx: NodeContext, type: "list" | "hash", userKey: string): void {
  ctx.probe(REDIS_PROBES.deltaScanTruncated);
  ctx.urgentCompaction?.(type, userKey);
}

/** Negative Len after folding deltas: clamp (HEAD) or fail (B23 fix). */
function checkLen(ctx: NodeContext, userKey: string, len: number): number {
  if (len >= 0) return len;
  if (ctx.knobs.lenClamp) {
    ctx.probe(REDIS_PROBES.lenClamped);
    ctx.trace("redis.len-clamped", { key: userKey, len });
    return 0;
  }
  throw new RedisError(`ERR collection meta invariant violated: negative length ${len}`);
}

/** The base list meta only (`loadListMetaAt`). */
export function loadListBase(
  ctx: NodeContext,
  userKey: string,
  ts: number,
): Co<{ head: number; len: number; exists: boolean }> {
  return mapStep(getAt(ctx, keysOf(ctx).listMeta(userKey), ts), listBaseOf);
}

function listBaseOf(raw: string | undefined): { head: number; len: number; exists: boolean } {
  if (raw === undefined) return { head: 0, len: 0, exists: false };
  const m = decodeListMeta(raw);
  return { head: m.head, len: m.len, exists: true };
}

/** Scan up to maxDeltaScanLimit + 1 deltas under prefix (flat rows); more than the limit is truncated. */
export function scanDeltas(
  ctx: NodeContext,
  type: "list" | "hash",
  userKey: string,
  prefix: string,
  ts: number,
): Co<Rows> {
  const limit = ctx.knobs.maxDeltaScanLimit;
  return mapStep(scanRows(ctx, prefix, prefixEnd(prefix), limit + 1, ts), (ds) => {
    if (ds.length > 2 * limit) {
      urgent(ctx, type, userKey);
      throw new DeltaScanTruncatedError();
    }
    return ds;
  });
}

/** `resolveListMeta`: base meta + Σ deltas at one timestamp. */
export function* resolveListMeta(ctx: NodeContext, userKey: string, ts: number): Co<ResolvedList> {
  const k = keysOf(ctx);
  const base = yield* loadListBase(ctx, userKey, ts);
  const ds = yield* scanDeltas(ctx, "list", userKey, k.listDeltaPrefix(userKey), ts);
  let head = base.head;
  let len = base.len;
  for (let i = 1; i < ds.length; i += 2) {
    const d = decodeListDelta(ds[i]);
    head += d.headDelta;
    len += d.lenDelta;
  }
  len = checkLen(ctx, userKey, len);
  return {
    head,
    len,
    tail: head + len,
    exists: base.exists || ds.length > 0,
    baseExists: base.exists,
  };
}

/** `resolveHashMeta`: base Len + Σ LenDelta. */
export function* resolveHashMeta(
  ctx: NodeContext,
  userKey: string,
  ts: number,
): Co<{ len: number; exists: boolean }> {
  const k = keysOf(ctx);
  const raw = yield* getAt(ctx, k.hashMeta(userKey), ts);
  let len = raw === undefined ? 0 : decodeHashMeta(raw).len;
  const ds = yield* scanDeltas(ctx, "hash", userKey, k.hashDeltaPrefix(userKey), ts);
  for (let i = 1; i < ds.length; i += 2) len += decodeHashDelta(ds[i]);
  len = checkLen(ctx, userKey, len);
  return { len, exists: raw !== undefined || ds.length > 0 };
}

/** `clampRange`: Redis LRANGE bounds; [0, -1] means empty. */
export function clampRange(start: number, end: number, length: number): [number, number] {
  if (start < 0) start = length + start;
  if (end < 0) end = length + end;
  if (start < 0) start = 0;
  if (end >= length) end = length - 1;
  if (end < start) return [0, -1];
  return [start, end];
}

/** Whether a conflict key is a claim, an item or a list fence (for probes). */
export function conflictKind(key: string): "claim" | "item" | "fence" | "other" {
  if (key.startsWith(LIST_CLAIM_PREFIX)) return "claim";
  if (key.startsWith(LIST_ITEM_PREFIX)) return "item";
  if (key.startsWith("!redis|txn-wide-")) return "fence";
  return "other";
}

// ---------------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------------

/**
 * One dispatch of a write set. Without a trace this hands back the coordinator's own coroutine
 * rather than delegating to it: every write passes here, and every effect of its dispatch would
 * pass one more level of `yield*` on its way out and again when resumed.
 */
export function dispatchGroup(ctx: NodeContext, group: OperationGroup): Co<DispatchResult> {
  if (ctx.tracing === false) return dispatch(ctx.coordinatorEnv, group);
  return tracedDispatch(ctx, group);
}

function* tracedDispatch(ctx: NodeContext, group: OperationGroup): Co<DispatchResult> {
  ctx.trace("redis.dispatch", {
    startTS: group.startTS,
    commitTS: group.commitTS,
    prevCommitTS: group.prevCommitTS ?? 0,
    writes: group.elems.length,
    reads: group.readKeys.length,
  });
  const r = yield* dispatch(ctx.coordinatorEnv, group);
  if (!r.ok) ctx.trace("redis.dispatch-failed", { ...r });
  return r;
}

/** The adapter-visible error of a failed dispatch. */
export function dispatchError(ctx: NodeContext, r: Exclude<DispatchResult, { ok: true }>): RedisError {
  switch (r.kind) {
    case "write-conflict": {
      const kind = conflictKind(r.key);
      if (kind === "fence") ctx.probe(REDIS_PROBES.fenceConflict);
      return new WriteConflictError(r.key, r.wire === true);
    }
    case "failed":
      return new RedisError(`${isTransientLeaderError(r.message) ? "NOTLEADER" : "ERR"} ${r.message}`);
    case "ambiguous":
      return new RedisError(`${isTransientLeaderError(r.message) ? "NOTLEADER" : "ERR"} ${r.message}`, true);
  }
}

// ---------------------------------------------------------------------------------------------
// retryRedisWrite (`adapter/redis_retry.go`)
// ---------------------------------------------------------------------------------------------

/**
 * Retries only typed write conflicts (wire conflicts fail closed: they may be self-conflicts);
 * the counter is 0-based, so up to retryMaxAttempts + 1 calls; backoff doubles up to the max
 * with up to +50% jitter. Each retry re-reads at a fresh readTS because `fn` does. With `then`,
 * the loop evaluates to `then` of the attempt's result, as a caller's `return then(yield* loop)`
 * would, without the caller's generator around it.
 */
export function retryRedisWrite<T>(ctx: NodeContext, fn: () => Co<T>): Co<T>;
export function retryRedisWrite<T, R>(ctx: NodeContext, fn: () => Co<T>, then: (result: T) => R): Co<R>;
export function retryRedisWrite<T, R>(ctx: NodeContext, fn: () => Co<T>, then?: (result: T) => R): Co<R> {
  return new RetryLoop(ctx, fn, then) as unknown as Co<R>;
}

/**
 * `retryRedisWrite` written out as a coroutine object rather than a generator around
 * `yield* fn()`: it is the outermost level of every write command, so every effect the command
 * waits on passed through it twice, each time a generator resume and suspend. This gives the
 * caller's `yield*` the protocol of the generator it replaces: an attempt starts (`fn()`) at the
 * first `next` and at the resume after each backoff, what is sent in goes to the attempt, and what
 * the attempt throws is judged by the same rules at the same moment (the jitter is drawn where it
 * was).
 */
class RetryLoop<T, R> {
  private attempt = 0;
  private backoff: number;
  /** The attempt in progress; undefined before the first and during a backoff. */
  private inner: Co<T> | undefined = undefined;
  private sleeping = false;
  private over = false;

  constructor(
    private readonly ctx: NodeContext,
    private readonly fn: () => Co<T>,
    private readonly then: ((result: T) => R) | undefined,
  ) {
    this.backoff = ctx.knobs.retryInitialBackoffUs;
  }

  next(value: unknown): IteratorResult<Effect, R> {
    if (this.over) return { done: true, value: undefined as R };
    let inner = this.inner;
    let r: IteratorResult<Effect, T>;
    try {
      if (inner === undefined) {
        if (this.sleeping) {
          this.sleeping = false;
          this.backoff = Math.min(this.backoff * 2, this.ctx.knobs.retryMaxBackoffUs);
          this.attempt++;
        }
        inner = this.fn();
        this.inner = inner;
        // `yield*` starts its delegate with undefined, whatever its caller sent.
        value = undefined;
      }
      r = inner.next(value);
    } catch (e) {
      return this.failed(e);
    }
    return this.settled(r);
  }

  throw(error: unknown): IteratorResult<Effect, R> {
    const inner = this.inner;
    if (inner === undefined || this.over) {
      // Thrown in at the backoff's `yield`, where nothing catches it.
      this.over = true;
      throw error;
    }
    let r: IteratorResult<Effect, T>;
    try {
      r = inner.throw(error);
    } catch (e) {
      return this.failed(e);
    }
    return this.settled(r);
  }

  return(value: R): IteratorResult<Effect, R> {
    this.over = true;
    const inner = this.inner;
    this.inner = undefined;
    if (inner === undefined) return { done: true, value };
    const r = inner.return(value as unknown as T);
    return r.done ? { done: true, value: r.value as unknown as R } : r;
  }

  [Symbol.iterator](): this {
    return this;
  }

  private settled(r: IteratorResult<Effect, T>): IteratorResult<Effect, R> {
    if (!r.done) return r;
    this.over = true;
    this.inner = undefined;
    const then = this.then;
    return then === undefined
      ? (r as unknown as IteratorResult<Effect, R>)
      : { done: true, value: then(r.value) };
  }

  /** The attempt threw: a typed conflict is retried after a backoff, anything else goes out. */
  private failed(e: unknown): IteratorResult<Effect, R> {
    this.inner = undefined;
    const ctx = this.ctx;
    const k = ctx.knobs;
    const attempt = this.attempt;
    if (!(e instanceof WriteConflictError) || e.wire) {
      this.over = true;
      throw e;
    }
    if (attempt >= k.retryMaxAttempts) {
      this.over = true;
      ctx.probe(REDIS_PROBES.retryLimit);
      throw new RedisError(`ERR redis txn retry limit exceeded: ${e.message}`);
    }
    const backoff = this.backoff;
    const half = Math.floor(backoff / 2);
    const jitter = half > 0 ? Math.floor(ctx.random() * half) : 0;
    if (ctx.tracing !== false)
      ctx.trace("redis.retry", { attempt: attempt + 1, backoffUs: backoff + jitter, key: e.key });
    this.sleeping = true;
    return { done: false, value: { kind: "sleep", us: backoff + jitter } };
  }
}

/** Error text of exceptions a real adapter would turn into error replies. */
export function isReplyableError(e: unknown): e is Error {
  return e instanceof RedisError || e instanceof CodecError || (e instanceof Error && "code" in e);
}
