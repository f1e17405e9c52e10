/**
 * Hash commands (docs/model.md, elastickv `adapter/redis_hash_cmds.go`). With one-phase dedup
 * on (HEAD) HSET runs as a one-command EXEC; the dedup-off path is `applyHashFieldPairs`.
 */
import type { Co, Mutation } from "../kv/types.ts";
import {
  allocCommitTS,
  del,
  dispatchError,
  dispatchGroup,
  getAt,
  keysOf,
  keyTypeAt,
  normalizeStartTS,
  noWriteFence,
  pickReadTS,
  put,
  RedisError,
  resolveHashMeta,
  retryRedisWrite,
  scanRows,
} from "./common.ts";
import type { NodeContext } from "./context.ts";
import { encodeHashDelta, prefixEnd } from "./keys.ts";
import { pointReadTS } from "./lists.ts";
import { exec } from "./txn.ts";
import { type RedisReply, reply, WRONGTYPE } from "./types.ts";

/** `loadHashAt` for wide hashes: every field visible at ts, sorted by name. */
function* loadFields(ctx: NodeContext, userKey: string, ts: number): Co<Array<[string, string]>> {
  const k = keysOf(ctx);
  const p = k.hashFieldPrefix(userKey);
  const max = ctx.knobs.maxWideColumnItems;
  const rows = yield* scanRows(ctx, p, prefixEnd(p), max + 1, ts);
  if (rows.length > 2 * max) throw new RedisError(`ERR collection too large: hash exceeds ${max} fields`);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < rows.length; i += 2) out.push([k.hashFieldName(rows[i], userKey)!, rows[i + 1]]);
  return out;
}

function* hashType(ctx: NodeContext, userKey: string, ts: number): Co<"none" | "hash"> {
  const t = yield* keyTypeAt(ctx, userKey, ts);
  if (t === "none" || t === "hash") return t;
  throw new RedisError(WRONGTYPE);
}

/** HSET with dedup off (`applyHashFieldPairs`): no read keys. */
function* hsetDirect(ctx: NodeContext, userKey: string, pairs: ReadonlyArray<[string, string]>): Co<number> {
  const k = keysOf(ctx);
  return yield* retryRedisWrite(ctx, function* () {
    const ts = yield* pickReadTS(ctx);
    yield* hashType(ctx, userKey, ts);
    const startTS = normalizeStartTS(ts);
    const commitTS = yield* allocCommitTS(ctx, startTS);
    // `hashMigrationSnapshot`: existence map from a scan of every field at readTS.
    const exists = new Set((yield* loadFields(ctx, userKey, ts)).map((f) => f[0]));
    const elems: Mutation[] = [];
    let added = 0;
    for (const [f, v] of pairs) {
      if (!exists.has(f)) {
        added++;
        exists.add(f);
      }
      elems.push(put(k.hashField(userKey, f), v));
    }
    if (added > 0) {
      if (ctx.knobs.hashFence) elems.push(put(k.fence("hash", userKey), ""));
      elems.push(put(k.hashDelta(userKey, commitTS, 0), encodeHashDelta(added)));
    }
    const r = yield* dispatchGroup(ctx, { startTS, commitTS, readKeys: [], elems });
    if (!r.ok) throw dispatchError(ctx, r);
    return added;
  });
}

export function* hset(
  ctx: NodeContext,
  userKey: string,
  pairs: ReadonlyArray<[string, string]>,
): Co<RedisReply> {
  if (pairs.length === 0) throw new RedisError("ERR wrong number of arguments for hash command");
  if (!ctx.knobs.onePhaseDedup) return reply.int(yield* hsetDirect(ctx, userKey, pairs));
  // `runStandaloneDedup`: a one-command EXEC.
  const results = yield* exec(ctx, [{ name: "HSET", key: userKey, pairs: pairs.map((p) => [p[0], p[1]]) }]);
  return results[0];
}

/** HGET: wide-field fast path, else the type-probing slow path. */
export function* hget(ctx: NodeContext, userKey: string, field: string): Co<RedisReply> {
  const k = keysOf(ctx);
  const ts = yield* pointReadTS(ctx);
  const v = yield* getAt(ctx, k.hashField(userKey, field), ts);
  // The fast path defers to the slow one only when a string encoding shadows the hash.
  if (v !== undefined && (yield* getAt(ctx, k.str(userKey), ts)) === undefined) return reply.bulk(v);
  const t = yield* keyTypeAt(ctx, userKey, ts);
  if (t === "none") return reply.nil();
  if (t !== "hash") return reply.wrongType();
  for (const [f, fv] of yield* loadFields(ctx, userKey, ts)) if (f === field) return reply.bulk(fv);
  return reply.nil();
}

export function* hgetall(ctx: NodeContext, userKey: string): Co<RedisReply> {
  const ts = yield* pointReadTS(ctx);
  const t = yield* keyTypeAt(ctx, userKey, ts);
  if (t === "none") return reply.array([]);
  if (t !== "hash") return reply.wrongType();
  const out: RedisReply[] = [];
  for (const [f, v] of yield* loadFields(ctx, userKey, ts)) out.push(reply.bulk(f), reply.bulk(v));
  return reply.array(out);
}

export function* hlen(ctx: NodeContext, userKey: string): Co<RedisReply> {
  const ts = yield* pointReadTS(ctx);
  const t = yield* keyTypeAt(ctx, userKey, ts);
  if (t === "none") return reply.int(0);
  if (t !== "hash") return reply.wrongType();
  const m = yield* resolveHashMeta(ctx, userKey, ts);
  // No meta and no deltas: the legacy blob count, which nothing in the model writes.
  return reply.int(m.exists ? m.len : 0);
}

/**
 * HDEL (`hdelTxn` → `hdelWideColumn`): Del each existing field and one negative delta; no fence,
 * no read keys. HEAD counts a field named twice twice (`resolveHashFieldDelElems` does not
 * de-duplicate), which the `hdelDedupFields` knob fixes.
 */
export function* hdel(ctx: NodeContext, userKey: string, fields: readonly string[]): Co<RedisReply> {
  if (fields.length === 0) throw new RedisError("ERR wrong number of arguments for 'hdel' command");
  const k = keysOf(ctx);
  // An HDEL that finds none of its fields writes nothing, so no OCC check validates the snapshot
  // behind its 0: under the B19-residual fix it is answered only from a snapshot chosen after a
  // read fence (as pops that find nothing are).
  let confirmed = ctx.knobs.pointReadFence !== "before";
  const n = yield* retryRedisWrite(ctx, function* attempt(): Co<number> {
    const ts = yield* pickReadTS(ctx);
    const none = function* (): Co<number> {
      if (confirmed) return 0;
      confirmed = true;
      yield* noWriteFence(ctx);
      return yield* attempt();
    };
    if ((yield* hashType(ctx, userKey, ts)) === "none") return yield* none();
    const p = k.hashFieldPrefix(userKey);
    if ((yield* scanRows(ctx, p, prefixEnd(p), 1, ts)).length === 0) return yield* none(); // legacy blob path: nothing
    const names = ctx.knobs.hdelDedupFields ? [...new Set(fields)] : fields;
    const elems: Mutation[] = [];
    let removed = 0;
    for (const f of names) {
      const fk = k.hashField(userKey, f);
      if ((yield* getAt(ctx, fk, ts)) === undefined) continue;
      elems.push(del(fk));
      removed++;
    }
    if (removed === 0) return yield* none();
    const startTS = normalizeStartTS(ts);
    const commitTS = yield* allocCommitTS(ctx, startTS);
    elems.push(put(k.hashDelta(userKey, commitTS, 0), encodeHashDelta(-removed)));
    const r = yield* dispatchGroup(ctx, { startTS, commitTS, readKeys: [], elems });
    if (!r.ok) throw dispatchError(ctx, r);
    return removed;
  });
  return reply.int(n);
}
