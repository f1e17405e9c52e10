/**
 * List commands (docs/model.md, elastickv `adapter/redis_lists.go`): pushes append items and a
 * relative delta, pops claim positions, tombstone the items and append a delta; reads resolve
 * base meta + deltas at one snapshot.
 */
import type { Co, Mutation } from "../kv/types.ts";
import {
  allocCommitTS,
  clampRange,
  conflictKind,
  creatorFenceKeys,
  del,
  dispatchError,
  dispatchGroup,
  firstWriteKey,
  getAt,
  keysOf,
  keyTypeAt,
  landedAfterDispatch,
  normalizeStartTS,
  noWriteFence,
  pickReadTS,
  put,
  REDIS_PROBES,
  RedisError,
  type ResolvedList,
  readFence,
  resolveListMeta,
  retryRedisWrite,
  scanRows,
  WriteConflictError,
} from "./common.ts";
import { type NodeContext, reuseLogEntry } from "./context.ts";
import { encodeListDelta, LIST_DELTA_PREFIX } from "./keys.ts";
import { type RedisReply, reply, WRONGTYPE } from "./types.ts";

// ---------------------------------------------------------------------------------------------
// Pushes
// ---------------------------------------------------------------------------------------------

/** Build the push write set (`buildRPushOps` / `buildLPushOps`). */
function* buildPushOps(
  ctx: NodeContext,
  userKey: string,
  meta: ResolvedList,
  values: readonly string[],
  left: boolean,
  commitTS: number,
  readKeys: string[],
  ts: number,
): Co<Mutation[]> {
  const k = keysOf(ctx);
  const n = values.length;
  const ops: Mutation[] = [];
  const seqs: number[] = [];
  if (left) {
    // LPUSH a b c → [c, b, a, …]: the last argument gets the lowest sequence.
    const newHead = meta.head - n;
    for (let i = 0; i < n; i++) seqs.push(newHead + n - 1 - i);
  } else {
    for (let i = 0; i < n; i++) seqs.push(meta.head + meta.len + i);
  }
  if (ctx.knobs.claimSemantics === "marker" && ctx.knobs.pushClearsStaleClaim) {
    // Design doc §3 step 3: a push onto a reused sequence deletes the stale claim, and reads the
    // claim key so a concurrent pop's fresh claim cannot be silently removed.
    for (const seq of seqs) {
      const ck = k.listClaim(userKey, seq);
      readKeys.push(ck);
      if ((yield* getAt(ctx, ck, ts)) !== undefined) ops.push(del(ck));
    }
  }
  for (let i = 0; i < n; i++) ops.push(put(k.listItem(userKey, seqs[i]), values[i]));
  if (ctx.knobs.listFence) ops.push(put(k.fence("list", userKey), ""));
  ops.push(
    put(k.listDelta(userKey, commitTS, 0), encodeListDelta({ headDelta: left ? -n : 0, lenDelta: n })),
  );
  return ops;
}

/** `listPushReadKeys`: creator fences for a new list, else the fence and the boundary items. */
function pushReadKeys(ctx: NodeContext, userKey: string, meta: ResolvedList, typeNone: boolean): string[] {
  const k = keysOf(ctx);
  const kn = ctx.knobs;
  if (typeNone || !meta.exists) return creatorFenceKeys(k, kn, userKey);
  const out: string[] = kn.listFence ? [k.fence("list", userKey)] : [];
  if (!kn.pushBoundaryReadKeys || meta.len <= 0) return out;
  out.push(k.listItem(userKey, meta.head));
  if (meta.tail - 1 !== meta.head) out.push(k.listItem(userKey, meta.tail - 1));
  return out;
}

interface PendingPush {
  ops: Mutation[];
  startTS: number;
  commitTS: number;
  length: number;
  readKeys: string[];
}

function* checkListType(ctx: NodeContext, userKey: string, ts: number): Co<"none" | "list"> {
  const t = yield* keyTypeAt(ctx, userKey, ts);
  if (t === "none" || t === "list") return t;
  throw new RedisError(WRONGTYPE);
}

/** One recomputed attempt: snapshot, build, dispatch. Returns the new length. */
function* pushAttempt(
  ctx: NodeContext,
  userKey: string,
  values: readonly string[],
  left: boolean,
  onConflict: ((p: PendingPush) => void) | undefined,
): Co<number> {
  const ts = yield* pickReadTS(ctx);
  const typ = yield* checkListType(ctx, userKey, ts);
  const meta = yield* resolveListMeta(ctx, userKey, ts);
  const startTS = normalizeStartTS(ts);
  const commitTS = yield* allocCommitTS(ctx, startTS);
  const readKeys = pushReadKeys(ctx, userKey, meta, typ === "none");
  const ops = yield* buildPushOps(ctx, userKey, meta, values, left, commitTS, readKeys, ts);
  const length = meta.len + values.length;
  const r = yield* dispatchGroup(ctx, { startTS, commitTS, readKeys, elems: ops });
  if (r.ok) return length;
  const err = dispatchError(ctx, r);
  if (err instanceof WriteConflictError) {
    if (conflictKind(err.key) === "item") ctx.probe(REDIS_PROBES.pushItemConflict);
    if (onConflict !== undefined) {
      // The dedup path normalizes a forwarded conflict and keeps the exact attempt for reuse.
      if (err.wire) ctx.probe(REDIS_PROBES.ambiguousRetry);
      onConflict({ ops, startTS, commitTS, length, readKeys });
      throw err.normalized();
    }
  }
  throw err;
}

/** `resolveLengthAfterFreshApply`: the current Len, or the cached one if it cannot be read. */
function* lengthAfterFreshApply(ctx: NodeContext, userKey: string, pending: PendingPush): Co<number> {
  try {
    return (yield* resolveListMeta(ctx, userKey, yield* pickReadTS(ctx))).len;
  } catch {
    return pending.length;
  }
}

/** `dispatchListPushReuse`: the same write set at a fresh commitTS with PrevCommitTS. */
function* pushReuse(ctx: NodeContext, userKey: string, pending: PendingPush, drop: () => void): Co<number> {
  ctx.probe(REDIS_PROBES.reusePath);
  const commitTS = yield* allocCommitTS(ctx, pending.startTS);
  if (ctx.reuseLog !== undefined) {
    for (const m of pending.ops) {
      if (m.op === "put" && m.key.startsWith(LIST_DELTA_PREFIX))
        ctx.reuseLog.add(reuseLogEntry(m.key, commitTS));
    }
  }
  const r = yield* dispatchGroup(ctx, {
    startTS: pending.startTS,
    commitTS,
    prevCommitTS: pending.commitTS,
    readKeys: pending.readKeys,
    elems: pending.ops,
  });
  const probeKey = firstWriteKey(pending.ops);
  if (r.ok) {
    // `resolveReuseLength`: a probe hit at the previous commitTS means the FSM no-op'd.
    if (probeKey !== undefined && (yield* landedAfterDispatch(ctx, pending.ops, pending.commitTS))) {
      ctx.probe(REDIS_PROBES.reuseDedupNoop);
      return pending.length;
    }
    return yield* lengthAfterFreshApply(ctx, userKey, pending);
  }
  const err = dispatchError(ctx, r);
  if (err instanceof WriteConflictError) {
    if (err.wire) ctx.probe(REDIS_PROBES.ambiguousRetry);
    // Self-conflict guard: did this very attempt land at the fresh commitTS?
    if (probeKey !== undefined && (yield* landedAfterDispatch(ctx, pending.ops, commitTS))) {
      ctx.probe(REDIS_PROBES.reuseSelfConflict);
      pending.commitTS = commitTS;
      return yield* lengthAfterFreshApply(ctx, userKey, pending);
    }
    drop();
    throw err.normalized();
  }
  throw err;
}

/** RPUSH / LPUSH (`listPushCmd` → `listPushCore[WithDedup]`). */
export function* push(
  ctx: NodeContext,
  userKey: string,
  values: readonly string[],
  left: boolean,
): Co<RedisReply> {
  if (values.length === 0)
    throw new RedisError(`ERR wrong number of arguments for '${left ? "lpush" : "rpush"}'`);
  // The handler's own type check at a fresh readTS, before the retry loop.
  yield* checkListType(ctx, userKey, yield* pickReadTS(ctx));
  let pending: PendingPush | undefined;
  const dedup = ctx.knobs.onePhaseDedup;
  // The attempt is the reuse's or the push's own coroutine, not one delegating to it (see
  // `exec`): every effect of the command passes each level of delegation.
  const n = yield* retryRedisWrite(ctx, () =>
    pending !== undefined
      ? pushReuse(ctx, userKey, pending, () => {
          pending = undefined;
        })
      : pushAttempt(
          ctx,
          userKey,
          values,
          left,
          dedup
            ? (p) => {
                pending = p;
              }
            : undefined,
        ),
  );
  return reply.int(n);
}

// ---------------------------------------------------------------------------------------------
// Pops
// ---------------------------------------------------------------------------------------------

interface PopPlan {
  values: string[];
  elems: Mutation[];
  headDelta: number;
  lenDelta: number;
}

/** HEAD (`buildListPopElems`): positions [Head, Head+n) or [Tail−n, Tail); claims, item Dels. */
function* planTokenPop(
  ctx: NodeContext,
  userKey: string,
  meta: ResolvedList,
  n: number,
  left: boolean,
  ts: number,
): Co<PopPlan> {
  const k = keysOf(ctx);
  const lo = left ? meta.head : meta.tail - n;
  const hi = left ? meta.head + n : meta.tail;
  const rows = yield* scanRows(ctx, k.listItem(userKey, lo), k.listItem(userKey, hi), n, ts, !left);
  const found = new Set<number>();
  const values: string[] = [];
  const itemDels: Mutation[] = [];
  for (let i = 0; i < rows.length; i += 2) {
    const key = rows[i];
    const seq = k.itemSeq(key, userKey);
    if (seq === undefined) continue; // another user key's item interleaving in the range
    found.add(seq);
    values.push(rows[i + 1]);
    itemDels.push(del(key));
  }
  if (values.length < n) ctx.probe(REDIS_PROBES.popOverHole);
  const elems: Mutation[] = [];
  for (let seq = lo; seq < hi; seq++) {
    // B9 when off: only found items are claimed, so two pops over the same hole never meet.
    if (ctx.knobs.popClaimsHoles || found.has(seq)) elems.push(put(k.listClaim(userKey, seq), ""));
  }
  elems.push(...itemDels);
  return { values, elems, headDelta: left ? n : 0, lenDelta: -n };
}

/**
 * Design-doc claims (B8 variant): claims are logical-delete markers. A pop walks from the end
 * it pops through a window, skipping claimed sequences, and takes the first unclaimed ones; the
 * delta covers every position it walked so Head/Tail stay consistent. No unclaimed position in
 * the window ⇒ nil and no write.
 */
function* planMarkerPop(
  ctx: NodeContext,
  userKey: string,
  meta: ResolvedList,
  count: number,
  left: boolean,
  ts: number,
): Co<PopPlan | undefined> {
  const k = keysOf(ctx);
  const win = Math.min(meta.len, ctx.knobs.claimScanWindow);
  const lo = left ? meta.head : meta.tail - win;
  const hi = left ? meta.head + win : meta.tail;
  const claimed = new Set<number>();
  const claims = yield* scanRows(ctx, k.listClaim(userKey, lo), k.listClaim(userKey, hi), win, ts);
  for (let i = 0; i < claims.length; i += 2) {
    const seq = k.claimSeq(claims[i], userKey);
    if (seq !== undefined) claimed.add(seq);
  }
  const taken: number[] = [];
  for (let i = 0; i < win && taken.length < count; i++) {
    const seq = left ? meta.head + i : meta.tail - 1 - i;
    if (claimed.has(seq)) {
      ctx.probe(REDIS_PROBES.markerClaimSkipped);
      continue;
    }
    taken.push(seq);
  }
  if (taken.length === 0) return undefined;
  const values: string[] = [];
  const elems: Mutation[] = [];
  for (const seq of taken) {
    elems.push(put(k.listClaim(userKey, seq), ""));
    const ik = k.listItem(userKey, seq);
    const v = yield* getAt(ctx, ik, ts);
    if (v !== undefined) {
      values.push(v);
      elems.push(del(ik));
    } else {
      ctx.probe(REDIS_PROBES.popOverHole);
    }
  }
  const last = taken[taken.length - 1];
  const walked = left ? last - meta.head + 1 : meta.tail - last;
  return { values, elems, headDelta: left ? walked : 0, lenDelta: -walked };
}

/**
 * One attempt of a pop. A pop that finds nothing writes nothing, so no OCC check ever validates
 * the snapshot behind its nil: it is a read, and under the B19-residual fix (`pointReadFence:
 * before`) it must come from a snapshot chosen after a read fence (`noWriteFence`). Otherwise a
 * leader that has not yet applied the previous term's tail answers nil for a list that holds an
 * acknowledged push.
 */
function* popAttempt(
  ctx: NodeContext,
  userKey: string,
  count: number,
  left: boolean,
): Co<string[] | undefined> {
  const found = yield* popOnce(ctx, userKey, count, left);
  if (found !== undefined || ctx.knobs.pointReadFence !== "before") return found;
  yield* noWriteFence(ctx);
  return yield* popOnce(ctx, userKey, count, left);
}

/** `listPopClaimOnce`: one attempt; undefined = missing key or empty list (nil reply). */
function* popOnce(ctx: NodeContext, userKey: string, count: number, left: boolean): Co<string[] | undefined> {
  const k = keysOf(ctx);
  const ts = yield* pickReadTS(ctx);
  if ((yield* checkListType(ctx, userKey, ts)) === "none") return undefined;
  const meta = yield* resolveListMeta(ctx, userKey, ts);
  if (!meta.exists || meta.len === 0) return undefined;
  const n = Math.min(count, meta.len);
  if (n > ctx.knobs.maxWideColumnItems) {
    throw new RedisError(`ERR collection too large: pop count ${n} exceeds ${ctx.knobs.maxWideColumnItems}`);
  }
  const plan =
    ctx.knobs.claimSemantics === "marker"
      ? yield* planMarkerPop(ctx, userKey, meta, n, left, ts)
      : yield* planTokenPop(ctx, userKey, meta, n, left, ts);
  if (plan === undefined) return undefined;
  const startTS = normalizeStartTS(ts);
  const commitTS = yield* allocCommitTS(ctx, startTS);
  const elems = plan.elems;
  if (ctx.knobs.listFence) elems.push(put(k.fence("list", userKey), ""));
  elems.push(
    put(
      k.listDelta(userKey, commitTS, 0),
      encodeListDelta({ headDelta: plan.headDelta, lenDelta: plan.lenDelta }),
    ),
  );
  // Pops carry no read keys: claims and item tombstones are their conflict surface.
  const r = yield* dispatchGroup(ctx, { startTS, commitTS, readKeys: [], elems });
  if (r.ok) return plan.values;
  const err = dispatchError(ctx, r);
  if (err instanceof WriteConflictError && conflictKind(err.key) === "claim")
    ctx.probe(REDIS_PROBES.popClaimConflict);
  throw err;
}

/** LPOP / RPOP [count] (`listPopClaim`). */
export function* pop(
  ctx: NodeContext,
  userKey: string,
  count: number | undefined,
  left: boolean,
): Co<RedisReply> {
  if (count !== undefined && count < 0) throw new RedisError("ERR value is out of range, must be positive");
  if (count === 0) {
    // Redis: an empty array if the list exists, nil otherwise; no write, so a read like any other.
    if (ctx.knobs.pointReadFence === "before") yield* noWriteFence(ctx);
    const t = yield* checkListType(ctx, userKey, yield* pickReadTS(ctx));
    return t === "none" ? reply.nil() : reply.array([]);
  }
  const values = yield* retryRedisWrite(ctx, () => popAttempt(ctx, userKey, count ?? 1, left));
  if (values === undefined) return reply.nil();
  if (count === undefined) return values.length > 0 ? reply.bulk(values[0]) : reply.nil();
  return reply.bulks(values);
}

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

/** Claimed sequences in [lo, hi) (marker semantics only). */
export function* claimedSeqs(
  ctx: NodeContext,
  userKey: string,
  lo: number,
  hi: number,
  ts: number,
): Co<Set<number>> {
  const k = keysOf(ctx);
  const out = new Set<number>();
  if (hi <= lo) return out;
  const claims = yield* scanRows(ctx, k.listClaim(userKey, lo), k.listClaim(userKey, hi), hi - lo, ts);
  for (let i = 0; i < claims.length; i += 2) {
    const seq = k.claimSeq(claims[i], userKey);
    if (seq !== undefined) out.add(seq);
  }
  return out;
}

/**
 * `fetchListRange`: one scan of item keys [item(lo), item(hi)); holes are skipped and — as in
 * HEAD — nothing filters foreign keys interleaving in the range (docs/model.md). Under marker claims
 * claimed sequences are filtered out.
 */
export function* fetchItems(
  ctx: NodeContext,
  userKey: string,
  lo: number,
  hi: number,
  ts: number,
): Co<string[]> {
  if (hi <= lo) return [];
  const k = keysOf(ctx);
  const rows = yield* scanRows(ctx, k.listItem(userKey, lo), k.listItem(userKey, hi), hi - lo, ts);
  if (ctx.knobs.claimSemantics !== "marker") {
    // Sized once: an array grown by `push` from empty takes 17 slots at its first element.
    const values = new Array<string>(rows.length >> 1);
    for (let i = 1; i < rows.length; i += 2) values[i >> 1] = rows[i];
    return values;
  }
  const out: string[] = [];
  const claimed = yield* claimedSeqs(ctx, userKey, lo, hi, ts);
  for (let i = 0; i < rows.length; i += 2) {
    const seq = k.itemSeq(rows[i], userKey);
    if (seq !== undefined && claimed.has(seq)) continue;
    out.push(rows[i + 1]);
  }
  return out;
}

/** LRANGE (`rangeList`): fence, pick readTS, fence again (`redisReadFencedTimestamp`). */
export function* lrange(ctx: NodeContext, userKey: string, start: number, stop: number): Co<RedisReply> {
  const fenced = ctx.knobs.rangeReadFence === "before-after";
  if (fenced) yield* readFence(ctx);
  const ts = yield* pickReadTS(ctx);
  if (fenced) yield* readFence(ctx);
  const t = yield* keyTypeAt(ctx, userKey, ts);
  if (t === "none") return reply.array([]);
  if (t !== "list") return reply.wrongType();
  const meta = yield* resolveListMeta(ctx, userKey, ts);
  if (!meta.exists || meta.len === 0) return reply.array([]);
  const [s, e] = clampRange(start, stop, meta.len);
  if (e < s) return reply.array([]);
  return reply.bulks(yield* fetchItems(ctx, userKey, meta.head + s, meta.head + e + 1, ts));
}

/** Fence placement of point reads: `before` picking readTS, or `after` it (HEAD ShardStore). */
export function* pointReadTS(ctx: NodeContext, alwaysBefore = false): Co<number> {
  if (alwaysBefore || ctx.knobs.pointReadFence === "before") {
    yield* readFence(ctx);
    return yield* pickReadTS(ctx);
  }
  const ts = yield* pickReadTS(ctx);
  yield* readFence(ctx);
  return ts;
}

/** LLEN: the Lua context does one lease read, then picks readTS (docs/model.md). */
export function* llen(ctx: NodeContext, userKey: string): Co<RedisReply> {
  const ts = yield* pointReadTS(ctx, true);
  const t = yield* keyTypeAt(ctx, userKey, ts);
  if (t === "none") return reply.int(0);
  if (t !== "list") return reply.wrongType();
  const meta = yield* resolveListMeta(ctx, userKey, ts);
  return reply.int(meta.exists ? meta.len : 0);
}
