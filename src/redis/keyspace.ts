/**
 * Whole-key commands: standalone DEL (docs/model.md, elastickv `delLocal` →
 * `deleteLogicalKeyElems`), EXISTS and TYPE.
 */
import type { Co, Mutation } from "../kv/types.ts";
import {
  creatorFenceKeys,
  del,
  dispatchError,
  dispatchGroup,
  getAt,
  keysOf,
  keyTypeAt,
  normalizeStartTS,
  pickReadTS,
  put,
  REDIS_PROBES,
  retryRedisWrite,
  WriteConflictError,
} from "./common.ts";
import type { NodeContext } from "./context.ts";
import { pointReadTS } from "./lists.ts";
import { scanAllKeys } from "./txn.ts";
import { type RedisReply, reply } from "./types.ts";

/** `deleteLogicalKeyElems` for one key at ts; returns whether the key logically existed. */
function* deleteKeyElems(ctx: NodeContext, userKey: string, ts: number, elems: Mutation[]): Co<boolean> {
  const k = keysOf(ctx);
  const existed = (yield* keyTypeAt(ctx, userKey, ts)) !== "none";
  for (const sk of [
    k.str(userKey),
    userKey,
    `!redis|hll|${userKey}`,
    k.ttl(userKey),
    k.legacyHash(userKey),
  ]) {
    if ((yield* getAt(ctx, sk, ts)) !== undefined) elems.push(del(sk));
  }
  // List: every item of exactly this key (a paginated prefix scan, exact 8-byte suffix check),
  // the base meta (always, a no-op tombstone when absent), every delta and every claim.
  for (const ik of yield* scanAllKeys(ctx, k.listItemPrefix(userKey), ts)) {
    if (k.itemSeq(ik, userKey) !== undefined) elems.push(del(ik));
  }
  elems.push(del(k.listMeta(userKey)));
  // B11: a single bounded page leaves deltas (and claims) beyond it behind.
  const single = ctx.knobs.delScan === "single-page";
  for (const dk of yield* scanAllKeys(ctx, k.listDeltaPrefix(userKey), ts, single)) elems.push(del(dk));
  for (const ck of yield* scanAllKeys(ctx, k.listClaimPrefix(userKey), ts, single)) elems.push(del(ck));
  // Hash, set and zset wide columns: fields, the meta (always), deltas.
  for (const fk of yield* scanAllKeys(ctx, k.hashFieldPrefix(userKey), ts)) elems.push(del(fk));
  elems.push(del(k.hashMeta(userKey)));
  for (const dk of yield* scanAllKeys(ctx, k.hashDeltaPrefix(userKey), ts, single)) elems.push(del(dk));
  elems.push(del(k.setMeta(userKey)));
  elems.push(del(k.zsetMeta(userKey)));
  return existed;
}

/**
 * DEL k… : one transaction with StartTS = readTS and a coordinator-allocated commitTS. HEAD
 * carries no read keys and writes no fence (B12); with `delFence` it read-tracks the wide fences
 * and Puts them for every key that existed, as MULTI DEL does.
 */
export function delKeys(ctx: NodeContext, userKeys: readonly string[]): Co<RedisReply> {
  const k = keysOf(ctx);
  // The retry loop itself makes the integer reply: no generator around it for that.
  return retryRedisWrite(
    ctx,
    function* () {
      const ts = yield* pickReadTS(ctx);
      const elems: Mutation[] = [];
      const readKeys: string[] = [];
      let removed = 0;
      const keys = ctx.knobs.delDedupKeys ? [...new Set(userKeys)] : userKeys;
      for (const key of keys) {
        const existed = yield* deleteKeyElems(ctx, key, ts, elems);
        if (ctx.knobs.delFence) {
          const fences = creatorFenceKeys(k, ctx.knobs, key);
          readKeys.push(...fences);
          if (existed) for (const f of fences) elems.push(put(f, ""));
        }
        if (existed) removed++;
      }
      const r = yield* dispatchGroup(ctx, { startTS: normalizeStartTS(ts), commitTS: 0, readKeys, elems });
      if (!r.ok) {
        const err = dispatchError(ctx, r);
        if (err instanceof WriteConflictError) ctx.probe(REDIS_PROBES.delConflict);
        throw err;
      }
      return removed;
    },
    reply.int,
  );
}

/** EXISTS k… : string fast path, else the full type probe; a repeated key counts again. */
export function* exists(ctx: NodeContext, userKeys: readonly string[]): Co<RedisReply> {
  const k = keysOf(ctx);
  const ts = yield* pointReadTS(ctx);
  let n = 0;
  for (const key of userKeys) {
    if ((yield* getAt(ctx, k.str(key), ts)) !== undefined || (yield* keyTypeAt(ctx, key, ts)) !== "none") n++;
  }
  return reply.int(n);
}

export function* typeOf(ctx: NodeContext, userKey: string): Co<RedisReply> {
  const ts = yield* pointReadTS(ctx);
  return reply.status(yield* keyTypeAt(ctx, userKey, ts));
}
