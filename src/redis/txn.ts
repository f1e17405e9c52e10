/**
 * MULTI/EXEC (docs/model.md, elastickv `adapter/redis_txn.go`): every queued command is applied to an
 * in-memory transaction context at one startTS, which stages writes and records read keys; the
 * write set is then dispatched as one OCC transaction with a pre-allocated commitTS.
 *
 * HEAD runs RPUSH, LRANGE, DEL, EXISTS and HSET inside EXEC. With `execCommands: "all"` the
 * context also runs LPUSH, LPOP, RPOP, LLEN, TYPE, HGET, HDEL, HLEN and HGETALL (a testbed
 * extension): a list is a virtual deque over the persisted range [Head, Head+Len) whose staged
 * pushes and pops become item Puts, claims, item Dels and one relative delta, exactly the
 * mutations their standalone forms write; hash reads register the field keys they read so that
 * a concurrent HDEL (which writes no fence) still conflicts.
 */
import type { Co, Mutation } from "../kv/types.ts";
import {
  allocCommitTS,
  clampRange,
  creatorFenceKeys,
  del,
  dispatchError,
  dispatchGroup,
  firstWriteKey,
  getAt,
  keysOf,
  keyTypeAt,
  landedAfterDispatch,
  latestAt,
  loadListBase,
  put,
  REDIS_PROBES,
  RedisError,
  type RedisType,
  readFence,
  resolveHashMeta,
  resolveListMeta,
  retryRedisWrite,
  rowKeys,
  scanDeltas,
  scanRows,
  schedPoint,
  WriteConflictError,
} from "./common.ts";
import { type NodeContext, reuseLogEntry } from "./context.ts";
import {
  encodeHashDelta,
  encodeListDelta,
  encodeListMeta,
  HASH_DELTA_PREFIX,
  type Keys,
  LIST_DELTA_PREFIX,
  prefixEnd,
} from "./keys.ts";
import { claimedSeqs, fetchItems } from "./lists.ts";
import { type RedisCommand, type RedisReply, reply } from "./types.ts";

/** The command of one name, for the per-command methods of `TxnContext.apply`. */
type CommandNamed<N extends RedisCommand["name"]> = Extract<RedisCommand, { name: N }>;

/** Commands HEAD's `txnApplyHandlers` accepts (of those modelled). */
const HEAD_EXEC_COMMANDS = new Set(["RPUSH", "LRANGE", "DEL", "EXISTS", "HSET"]);

interface ListState {
  /** Persisted view at startTS (resolved, or base only under B1). */
  meta: { head: number; len: number };
  metaExists: boolean;
  existingDeltas: string[];
  deleted: boolean;
  purge: boolean;
  purgeMeta: { head: number; len: number };
  /** Virtual deque: current head and length. */
  head: number;
  len: number;
  /** Staged item values by sequence. */
  staged: Map<number, string>;
  /** Persisted sequences popped in this transaction: seq → whether the item existed. */
  popped: Map<number, boolean>;
  dirty: boolean;
}

interface HashState {
  /** Current values of the fields this transaction has loaded or written. */
  fields: Map<string, string>;
  /** Values at startTS of the loaded fields. */
  orig: Map<string, string>;
  /** Fields read (loaded) from the store, present or not. */
  loaded: Set<string>;
  loadedAll: boolean;
  dirtyFields: Set<string>;
  deleted: boolean;
  dirty: boolean;
}

/** What the DELs of one EXEC staged. */
class Deletions {
  readonly keys = new Set<string>();
  readonly hashes = new Set<string>();
  readonly sets = new Set<string>();
  /** String-family storage keys a DEL tombstones (`working` entries marked deleted). */
  readonly strings = new Set<string>();
}

class TxnContext {
  readonly readKeys = new Set<string>();
  readonly lists = new Map<string, ListState>();
  readonly hashes = new Map<string, HashState>();
  /**
   * Made by the first DEL: most EXECs have none, and four empty sets made for every attempt were
   * the larger part of what starting one allocated.
   */
  private deletions: Deletions | undefined = undefined;
  readonly k: Keys;

  constructor(
    readonly ctx: NodeContext,
    readonly startTS: number,
  ) {
    this.k = keysOf(ctx);
  }

  track(key: string): void {
    this.readKeys.add(key);
  }

  // ---- types ----

  private positiveType(key: string): RedisType | undefined {
    // A hash or list this transaction created or changed keeps its type even when drained, as
    // the deltas it commits will keep it (docs/model.md).
    const h = this.hashes.get(key);
    if (h !== undefined && !h.deleted && h.dirty && h.dirtyFields.size > 0) return "hash";
    const l = this.lists.get(key);
    if (l !== undefined && !l.deleted && (l.metaExists || l.dirty)) return "list";
    return undefined;
  }

  private stagedDeletion(key: string): boolean {
    const h = this.hashes.get(key);
    const l = this.lists.get(key);
    return (h?.deleted ?? false) || (l?.deleted ?? false) || (this.deletions?.keys.has(key) ?? false);
  }

  /** `stagedKeyType`: staged state first, else the store at startTS (type-probe keys tracked). */
  *stagedKeyType(key: string): Co<RedisType> {
    const p = this.positiveType(key);
    if (p !== undefined) return p;
    if (this.stagedDeletion(key)) return "none";
    if (this.ctx.knobs.execTypeProbeReadKeys) for (const rk of this.k.typeProbeReadKeys(key)) this.track(rk);
    const t = yield* keyTypeAt(this.ctx, key, this.startTS);
    // A key created after startTS by a standalone RPUSH/HSET writes its wide fence, not one of the
    // nine probe keys: only the fence lets OCC see that this "absent" went stale (F6).
    if (t === "none" && this.ctx.knobs.execAbsenceFences) this.trackCreatorFences(key);
    return t;
  }

  private trackCreatorFences(key: string): void {
    for (const f of creatorFenceKeys(this.k, this.ctx.knobs, key)) this.track(f);
  }

  /**
   * A hash read or HDEL that found no key: its answer holds only while nothing creates the key, so
   * it read-tracks the creator fences (a creating HSET writes the hash fence).
   */
  private absentHash(key: string, answer: RedisReply): RedisReply {
    if (this.ctx.knobs.execAbsentHashFences) this.trackCreatorFences(key);
    return answer;
  }

  // ---- lists ----

  /** `loadListState`. */
  *loadList(key: string): Co<ListState> {
    const existing = this.lists.get(key);
    if (existing !== undefined) return existing;
    const { ctx, k } = this;
    const kn = ctx.knobs;
    if (kn.listFence) this.track(k.fence("list", key));
    let meta: { head: number; len: number; exists: boolean };
    if (kn.execListMeta === "base-only") {
      // PR #485: the base key only, read-tracked with the TTL key.
      meta = yield* loadListBase(ctx, key, this.startTS);
      this.track(k.listMeta(key));
      this.track(k.ttl(key));
    } else {
      const r = yield* resolveListMeta(ctx, key, this.startTS);
      meta = { head: r.head, len: r.len, exists: r.exists };
    }
    const deltas = yield* scanDeltas(ctx, "list", key, k.listDeltaPrefix(key), this.startTS);
    const st: ListState = {
      meta: { head: meta.head, len: meta.len },
      metaExists: meta.exists,
      existingDeltas: rowKeys(deltas),
      deleted: false,
      purge: false,
      purgeMeta: { head: 0, len: 0 },
      head: meta.head,
      len: meta.len,
      staged: new Map(),
      popped: new Map(),
      dirty: false,
    };
    this.lists.set(key, st);
    if (kn.execListBoundaryReadKeys) {
      // The exact keys the next RPUSH / LPUSH would write (#520).
      this.track(k.listItem(key, meta.head + meta.len));
      this.track(k.listItem(key, meta.head - 1));
    }
    return st;
  }

  private stageListDelete(st: ListState): void {
    if (st.metaExists) {
      st.purge = true;
      st.purgeMeta = { ...st.meta };
    }
    st.deleted = true;
    st.staged.clear();
    st.popped.clear();
    st.dirty = false;
    st.head = st.meta.head;
    st.len = st.meta.len;
  }

  /** DEL then a push in one EXEC recreates the list from Head 0. */
  private reviveList(st: ListState): void {
    if (!st.deleted) return;
    if (st.metaExists) {
      st.purge = true;
      st.purgeMeta = { ...st.meta };
    }
    st.deleted = false;
    st.metaExists = false;
    st.meta = { head: 0, len: 0 };
    st.head = 0;
    st.len = 0;
    st.staged.clear();
    st.popped.clear();
  }

  /** `prepareListWrite`: WRONGTYPE, or creator fences for a new key. */
  private *prepareListWrite(key: string): Co<RedisReply | undefined> {
    const t = yield* this.stagedKeyType(key);
    if (t !== "none" && t !== "list") return reply.wrongType();
    if (t === "none") this.trackCreatorFences(key);
    return undefined;
  }

  /** Values at virtual positions [s, e] (inclusive), persisted runs read by one scan each. */
  private *listValues(key: string, st: ListState, s: number, e: number): Co<string[]> {
    // Nothing staged (the common case): one run, the very scan the loop below would make.
    if (st.staged.size === 0)
      return yield* fetchItems(this.ctx, key, st.head + s, st.head + e + 1, this.startTS);
    const out: string[] = [];
    let runStart: number | undefined;
    for (let i = s; i <= e; i++) {
      const seq = st.head + i;
      const v = st.staged.get(seq);
      if (v === undefined) {
        if (runStart === undefined) runStart = seq;
        continue;
      }
      if (runStart !== undefined) {
        out.push(...(yield* fetchItems(this.ctx, key, runStart, seq, this.startTS)));
        runStart = undefined;
      }
      out.push(v);
    }
    if (runStart !== undefined)
      out.push(...(yield* fetchItems(this.ctx, key, runStart, st.head + e + 1, this.startTS)));
    return out;
  }

  private *popOne(
    key: string,
    st: ListState,
    left: boolean,
    claimed: Set<number> | undefined,
  ): Co<string | undefined> {
    const seq = left ? st.head : st.head + st.len - 1;
    if (left) st.head++;
    st.len--;
    st.dirty = true;
    const staged = st.staged.get(seq);
    if (staged !== undefined) {
      st.staged.delete(seq);
      return staged;
    }
    const v = yield* getAt(this.ctx, this.k.listItem(key, seq), this.startTS);
    st.popped.set(seq, v !== undefined);
    if (v === undefined) this.ctx.probe(REDIS_PROBES.popOverHole);
    if (claimed?.has(seq)) return undefined;
    return v;
  }

  // ---- hashes ----

  private newHashState(): HashState {
    return {
      fields: new Map(),
      orig: new Map(),
      loaded: new Set(),
      loadedAll: false,
      dirtyFields: new Set(),
      deleted: false,
      dirty: false,
    };
  }

  /** `loadHashStateForFields` (fields) or a full load (`undefined`). */
  *loadHash(key: string, fields: readonly string[] | undefined, trackFields: boolean): Co<HashState> {
    let st = this.hashes.get(key);
    if (st?.deleted) {
      // `reviveDeletedHashState`
      Object.assign(st, this.newHashState(), { dirty: true });
      st.loadedAll = true;
      return st;
    }
    if (st === undefined) {
      if (this.deletions?.keys.has(key)) {
        st = this.newHashState();
        st.dirty = true;
        st.loadedAll = true;
        this.hashes.set(key, st);
        return st;
      }
      if (this.ctx.knobs.hashFence) this.track(this.k.fence("hash", key));
      st = this.newHashState();
      this.hashes.set(key, st);
    }
    if (st.loadedAll) return st;
    const { ctx, k } = this;
    if (fields === undefined) {
      const p = k.hashFieldPrefix(key);
      const max = ctx.knobs.maxWideColumnItems;
      const rows = yield* scanRows(ctx, p, prefixEnd(p), max + 1, this.startTS);
      if (rows.length > 2 * max) throw new RedisError(`ERR collection too large: hash exceeds ${max} fields`);
      for (let i = 0; i < rows.length; i += 2) {
        const fk = rows[i];
        const v = rows[i + 1];
        const f = k.hashFieldName(fk, key)!;
        if (trackFields) this.track(fk);
        if (st.loaded.has(f)) continue;
        st.loaded.add(f);
        st.orig.set(f, v);
        if (!st.dirtyFields.has(f)) st.fields.set(f, v);
      }
      st.loadedAll = true;
      return st;
    }
    for (const f of fields) {
      if (trackFields) this.track(k.hashField(key, f));
      if (st.loaded.has(f) || st.dirtyFields.has(f)) continue;
      st.loaded.add(f);
      const v = yield* getAt(ctx, k.hashField(key, f), this.startTS);
      if (v !== undefined) {
        st.orig.set(f, v);
        st.fields.set(f, v);
      }
    }
    return st;
  }

  // ---- DEL ----

  /** `stageKeyDeletion`. */
  private *stageKeyDeletion(key: string): Co<void> {
    const { k } = this;
    this.deletions ??= new Deletions();
    const d = this.deletions;
    d.keys.add(key);
    d.hashes.add(key);
    d.sets.add(key);
    for (const f of creatorFenceKeys(k, this.ctx.knobs, key)) this.track(f);
    const h = this.hashes.get(key);
    if (h !== undefined) {
      h.deleted = true;
      h.dirty = false;
    }
    this.stageListDelete(yield* this.loadList(key));
    // The string-family and legacy blob keys are loaded (read-tracked) and tombstoned.
    for (const sk of [
      k.str(key),
      key,
      k.legacyHash(key),
      `!redis|set|${key}`,
      `!redis|stream|${key}`,
      `!redis|hll|${key}`,
    ]) {
      this.track(sk);
      d.strings.add(sk);
    }
    this.track(k.streamMeta(key));
    // The TTL state is cleared too: its scan-index key is tombstoned at commit.
    d.strings.add(k.ttl(key));
  }

  // ---- commands ----

  /**
   * Applies one queued command to the transaction's staged state. The dispatch stays here and each
   * command's staging rules live in their own method below, so that each reads on its own.
   */
  *apply(cmd: RedisCommand): Co<RedisReply> {
    const kn = this.ctx.knobs;
    if (kn.execCommands === "head" && !HEAD_EXEC_COMMANDS.has(cmd.name)) {
      throw new RedisError(`ERR unsupported command '${cmd.name}'`);
    }
    switch (cmd.name) {
      case "RPUSH":
      case "LPUSH":
        return yield* this.applyPush(cmd);
      case "LRANGE":
        return yield* this.applyLrange(cmd);
      case "LLEN":
        return yield* this.applyLlen(cmd);
      case "LPOP":
      case "RPOP":
        return yield* this.applyPop(cmd);
      case "DEL":
        return yield* this.applyDel(cmd);
      case "EXISTS": {
        let n = 0;
        for (const key of cmd.keys) if ((yield* this.stagedKeyType(key)) !== "none") n++;
        return reply.int(n);
      }
      case "TYPE":
        return reply.status(yield* this.stagedKeyType(cmd.key));
      case "HSET":
        return yield* this.applyHset(cmd);
      case "HGET":
        return yield* this.applyHget(cmd);
      case "HGETALL":
        return yield* this.applyHgetall(cmd);
      case "HLEN":
        return yield* this.applyHlen(cmd);
      case "HDEL":
        return yield* this.applyHdel(cmd);
      case "EXEC":
        throw new RedisError("ERR MULTI calls can not be nested");
    }
  }

  // ---- list commands ----

  private *applyPush(cmd: CommandNamed<"RPUSH" | "LPUSH">): Co<RedisReply> {
    const bad = yield* this.prepareListWrite(cmd.key);
    if (bad !== undefined) return bad;
    const st = yield* this.loadList(cmd.key);
    this.reviveList(st);
    for (const v of cmd.values) {
      if (cmd.name === "RPUSH") {
        st.staged.set(st.head + st.len, v);
      } else {
        st.head--;
        st.staged.set(st.head, v);
      }
      st.len++;
    }
    if (cmd.values.length > 0) st.dirty = true;
    return reply.int(st.len);
  }

  private *applyLrange(cmd: CommandNamed<"LRANGE">): Co<RedisReply> {
    const t = yield* this.stagedKeyType(cmd.key);
    if (t === "none") {
      if (this.ctx.knobs.listFence) this.track(this.k.fence("list", cmd.key));
      return reply.array([]);
    }
    if (t !== "list") return reply.wrongType();
    const st = yield* this.loadList(cmd.key);
    const [s, e] = clampRange(cmd.start, cmd.stop, st.len);
    if (e < s) return reply.array([]);
    return reply.bulks(yield* this.listValues(cmd.key, st, s, e));
  }

  private *applyLlen(cmd: CommandNamed<"LLEN">): Co<RedisReply> {
    const t = yield* this.stagedKeyType(cmd.key);
    if (t === "none") {
      if (this.ctx.knobs.listFence) this.track(this.k.fence("list", cmd.key));
      return reply.int(0);
    }
    if (t !== "list") return reply.wrongType();
    return reply.int((yield* this.loadList(cmd.key)).len);
  }

  private *applyPop(cmd: CommandNamed<"LPOP" | "RPOP">): Co<RedisReply> {
    const kn = this.ctx.knobs;
    if (cmd.count !== undefined && cmd.count < 0)
      return reply.error("ERR value is out of range, must be positive");
    const t = yield* this.stagedKeyType(cmd.key);
    if (t === "none") {
      if (kn.listFence) this.track(this.k.fence("list", cmd.key));
      return reply.nil();
    }
    if (t !== "list") return reply.wrongType();
    const st = yield* this.loadList(cmd.key);
    if (cmd.count === 0) return reply.array([]);
    if (st.len === 0) return reply.nil();
    const n = Math.min(cmd.count ?? 1, st.len);
    const left = cmd.name === "LPOP";
    const lo = left ? st.head : st.head + st.len - n;
    const claimed =
      kn.claimSemantics === "marker"
        ? yield* claimedSeqs(this.ctx, cmd.key, lo, lo + n, this.startTS)
        : undefined;
    const values: string[] = [];
    for (let i = 0; i < n; i++) {
      const v = yield* this.popOne(cmd.key, st, left, claimed);
      if (v !== undefined) values.push(v);
    }
    if (cmd.count === undefined) return values.length > 0 ? reply.bulk(values[0]) : reply.nil();
    return reply.bulks(values);
  }

  // ---- key commands ----

  private *applyDel(cmd: CommandNamed<"DEL">): Co<RedisReply> {
    let n = 0;
    for (const key of cmd.keys) {
      if ((yield* this.stagedKeyType(key)) === "none") continue;
      yield* this.stageKeyDeletion(key);
      n++;
    }
    return reply.int(n);
  }

  // ---- hash commands ----

  private *applyHset(cmd: CommandNamed<"HSET">): Co<RedisReply> {
    if (cmd.pairs.length === 0) return reply.error("ERR wrong number of arguments for hash command");
    const t = yield* this.stagedKeyType(cmd.key);
    if (t !== "none" && t !== "hash") return reply.wrongType();
    if (t === "none") this.trackCreatorFences(cmd.key);
    const st = yield* this.loadHash(
      cmd.key,
      cmd.pairs.map((p) => p[0]),
      false,
    );
    let added = 0;
    for (const [f, v] of cmd.pairs) {
      if (!st.fields.has(f)) added++;
      st.fields.set(f, v);
      st.dirtyFields.add(f);
    }
    st.deleted = false;
    st.dirty = true;
    this.deletions?.keys.delete(cmd.key);
    return reply.int(added);
  }

  private *applyHget(cmd: CommandNamed<"HGET">): Co<RedisReply> {
    const t = yield* this.stagedKeyType(cmd.key);
    if (t === "none") return this.absentHash(cmd.key, reply.nil());
    if (t !== "hash") return reply.wrongType();
    const v = (yield* this.loadHash(cmd.key, [cmd.field], true)).fields.get(cmd.field);
    return v === undefined ? reply.nil() : reply.bulk(v);
  }

  private *applyHgetall(cmd: CommandNamed<"HGETALL">): Co<RedisReply> {
    const t = yield* this.stagedKeyType(cmd.key);
    if (t === "none") return this.absentHash(cmd.key, reply.array([]));
    if (t !== "hash") return reply.wrongType();
    const st = yield* this.loadHash(cmd.key, undefined, true);
    const names = [...st.fields.keys()].sort();
    const out: RedisReply[] = [];
    for (const f of names) out.push(reply.bulk(f), reply.bulk(st.fields.get(f)!));
    return reply.array(out);
  }

  private *applyHlen(cmd: CommandNamed<"HLEN">): Co<RedisReply> {
    const t = yield* this.stagedKeyType(cmd.key);
    if (t === "none") return this.absentHash(cmd.key, reply.int(0));
    if (t !== "hash") return reply.wrongType();
    const st = yield* this.loadHash(cmd.key, undefined, true);
    // A hash deleted earlier in this EXEC starts again from zero.
    const base = this.deletions?.hashes.has(cmd.key)
      ? 0
      : (yield* resolveHashMeta(this.ctx, cmd.key, this.startTS)).len;
    return reply.int(base + hashNetChange(st));
  }

  private *applyHdel(cmd: CommandNamed<"HDEL">): Co<RedisReply> {
    const t = yield* this.stagedKeyType(cmd.key);
    if (t === "none") return this.absentHash(cmd.key, reply.int(0));
    if (t !== "hash") return reply.wrongType();
    const st = yield* this.loadHash(cmd.key, cmd.fields, true);
    let removed = 0;
    for (const f of cmd.fields) {
      if (!st.fields.has(f)) continue;
      st.fields.delete(f);
      st.dirtyFields.add(f);
      st.dirty = true;
      removed++;
    }
    return reply.int(removed);
  }

  // ---- commit ----

  hasWrites(): boolean {
    const d = this.deletions;
    if (d !== undefined && (d.hashes.size > 0 || d.sets.size > 0 || d.strings.size > 0)) return true;
    for (const st of this.lists.values()) if (st.deleted || st.dirty) return true;
    for (const st of this.hashes.values())
      if (st.dirty && !st.deleted && st.dirtyFields.size > 0) return true;
    return false;
  }

  /** `prepareDispatch` minus the commitTS: deletion elems, list elems, hash elems. */
  *buildElems(commitTS: number): Co<Mutation[]> {
    const { ctx, k } = this;
    const kn = ctx.knobs;
    const elems: Mutation[] = [];
    if (this.deletions !== undefined) yield* this.appendDeletionElems(elems, this.deletions);
    // buildListElems
    let seqInTxn = 0;
    for (const key of [...this.lists.keys()].sort()) {
      if (this.appendListElems(elems, key, this.lists.get(key)!, commitTS, seqInTxn)) seqInTxn++;
    }
    // buildHashElems
    let hashSeq = 0;
    for (const key of [...this.hashes.keys()].sort()) {
      const st = this.hashes.get(key)!;
      if (!st.dirty || st.deleted) continue;
      let added = 0;
      let removed = 0;
      let transient = false;
      for (const f of [...st.dirtyFields].sort()) {
        const v = st.fields.get(f);
        if (v !== undefined) {
          if (!st.orig.has(f)) added++;
          elems.push(put(k.hashField(key, f), v));
        } else if (st.orig.has(f)) {
          removed++;
          elems.push(del(k.hashField(key, f)));
        } else {
          transient = true;
        }
      }
      if ((added > 0 || transient) && kn.hashFence) elems.push(put(k.fence("hash", key), ""));
      // A field created and removed in one EXEC still leaves a (zero) delta, so the hash exists
      // afterwards as it would after the same commands run one by one.
      if (added > 0 || removed > 0 || transient) {
        elems.push(put(k.hashDelta(key, commitTS, hashSeq), encodeHashDelta(added - removed)));
        hashSeq++;
      }
    }
    return elems;
  }

  /** buildHashDeletionElems, buildSetDeletionElems, buildKeyElems: what the DELs staged. */
  private *appendDeletionElems(elems: Mutation[], d: Deletions): Co<void> {
    const { ctx, k } = this;
    const kn = ctx.knobs;
    for (const key of [...d.hashes].sort()) {
      if (kn.hashFence) this.track(k.fence("hash", key));
      elems.push(
        ...(yield* wideDeletionElems(
          ctx,
          k.hashFieldPrefix(key),
          k.hashMeta(key),
          k.hashDeltaPrefix(key),
          this.startTS,
        )),
      );
      if (kn.hashFence) elems.push(put(k.fence("hash", key), ""));
    }
    for (const key of [...d.sets].sort()) {
      if (kn.hashFence) this.track(k.fence("set", key));
      elems.push(del(k.setMeta(key)));
      if (kn.hashFence) elems.push(put(k.fence("set", key), ""));
    }
    // Tombstones of the string-family keys a DEL loaded.
    for (const sk of [...d.strings].sort()) elems.push(del(sk));
  }

  private appendListDeletion(elems: Mutation[], key: string, st: ListState): void {
    const { k } = this;
    const meta = st.metaExists && !st.purge ? st.meta : st.purge ? st.purgeMeta : undefined;
    if (meta !== undefined) {
      for (let seq = meta.head; seq < meta.head + meta.len; seq++) elems.push(del(k.listItem(key, seq)));
      elems.push(del(k.listMeta(key)));
    }
    for (const dk of st.existingDeltas) elems.push(del(dk));
    if (this.ctx.knobs.listFence) elems.push(put(k.fence("list", key), ""));
  }

  /** `appendListStateElems`; true when a delta was emitted (seqInTxn advances). */
  private appendListElems(
    elems: Mutation[],
    key: string,
    st: ListState,
    commitTS: number,
    seqInTxn: number,
  ): boolean {
    const { ctx, k } = this;
    const kn = ctx.knobs;
    if (st.deleted) {
      this.appendListDeletion(elems, key, st);
      return false;
    }
    if (!st.dirty) return false;
    if (st.purge) this.appendListDeletion(elems, key, st);
    for (const [seq, existed] of [...st.popped].sort((a, b) => a[0] - b[0])) {
      if (kn.popClaimsHoles || existed) elems.push(put(k.listClaim(key, seq), ""));
      if (existed) elems.push(del(k.listItem(key, seq)));
    }
    for (const [seq, v] of [...st.staged].sort((a, b) => a[0] - b[0]))
      elems.push(put(k.listItem(key, seq), v));
    if (kn.listFence) elems.push(put(k.fence("list", key), ""));
    if (kn.execListWrite === "delta") {
      elems.push(
        put(
          k.listDelta(key, commitTS, seqInTxn),
          encodeListDelta({ headDelta: st.head - st.meta.head, lenDelta: st.len - st.meta.len }),
        ),
      );
      return true;
    }
    // PR #485: the base meta is written with the Len this transaction saw plus its own changes.
    elems.push(put(k.listMeta(key), encodeListMeta({ head: st.head, len: st.len })));
    if (kn.execListWrite === "base-meta-delete-deltas")
      for (const dk of st.existingDeltas) elems.push(del(dk));
    return false;
  }
}

function hashNetChange(st: HashState): number {
  let n = 0;
  for (const f of st.dirtyFields) {
    const now = st.fields.has(f);
    const was = st.orig.has(f);
    if (now && !was) n++;
    else if (!now && was) n--;
  }
  return n;
}

/** `deleteWideColumnElems`: every field, the meta (always), every delta. */
export function* wideDeletionElems(
  ctx: NodeContext,
  fieldPrefix: string,
  metaKey: string,
  deltaPrefix: string,
  ts: number,
): Co<Mutation[]> {
  const out: Mutation[] = [];
  for (const key of yield* scanAllKeys(ctx, fieldPrefix, ts)) out.push(del(key));
  out.push(del(metaKey));
  for (const key of yield* scanAllKeys(ctx, deltaPrefix, ts)) out.push(del(key));
  return out;
}

/**
 * Every visible key under a prefix, in pages of maxDeltaScanLimit (`scanAllDeltaElems`),
 * capped at maxWideColumnItems (`ErrCollectionTooLarge`). `singlePage` is B11's bounded scan.
 */
export function* scanAllKeys(ctx: NodeContext, prefix: string, ts: number, singlePage = false): Co<string[]> {
  const page = ctx.knobs.maxDeltaScanLimit;
  const cap = ctx.knobs.maxWideColumnItems;
  const end = prefixEnd(prefix);
  const out: string[] = [];
  let cursor = prefix;
  for (;;) {
    const rows = yield* scanRows(ctx, cursor, end, page, ts);
    const n = rows.length / 2;
    if (out.length + n > cap) throw new RedisError(`ERR collection too large: more than ${cap} keys`);
    for (let i = 0; i < rows.length; i += 2) out.push(rows[i]);
    if (n < page || singlePage) return out;
    cursor = `${rows[rows.length - 2]}\u0000`;
  }
}

// ---------------------------------------------------------------------------------------------
// Running an EXEC
// ---------------------------------------------------------------------------------------------

/** `txnStartTS` (HEAD) or `HLC.Next()` after observing the queued keys' base commits (B3/B4). */
function* txnStartTS(ctx: NodeContext, commands: readonly RedisCommand[]): Co<number> {
  const last = ctx.store.lastCommitTS();
  if (ctx.knobs.execStartTS === "clock-next") {
    const k = keysOf(ctx);
    let max = 0;
    for (const c of commands) {
      for (const key of c.name === "DEL" || c.name === "EXISTS" ? c.keys : c.name === "EXEC" ? [] : [c.key]) {
        for (const rk of [key, k.listMeta(key), `!redis|zset|${key}`, k.ttl(key)]) {
          max = Math.max(max, yield* latestAt(ctx, rk));
        }
      }
    }
    ctx.hlc.observe(max);
    const next = ctx.hlc.next();
    yield* schedPoint(ctx, "read-ts");
    return next;
  }
  if (last > 0) ctx.hlc.observe(last);
  yield* schedPoint(ctx, "read-ts");
  return last === 0 ? 1 : last;
}

interface PendingExec {
  elems: Mutation[];
  startTS: number;
  commitTS: number;
  readKeys: string[];
  results: RedisReply[];
}

function logReuse(ctx: NodeContext, elems: readonly Mutation[], commitTS: number): void {
  if (ctx.reuseLog === undefined) return;
  for (const m of elems) {
    if (m.op === "put" && (m.key.startsWith(LIST_DELTA_PREFIX) || m.key.startsWith(HASH_DELTA_PREFIX))) {
      ctx.reuseLog.add(reuseLogEntry(m.key, commitTS));
    }
  }
}

/** `firstExecAttempt` / the body of `runTransactionDirect`. */
function* execAttempt(
  ctx: NodeContext,
  commands: readonly RedisCommand[],
  onConflict: ((p: PendingExec) => void) | undefined,
): Co<RedisReply[]> {
  const fenced = ctx.knobs.rangeReadFence === "before-after";
  if (fenced) yield* readFence(ctx);
  const startTS = yield* txnStartTS(ctx, commands);
  if (fenced) yield* readFence(ctx);
  const txn = new TxnContext(ctx, startTS);
  const results: RedisReply[] = [];
  for (const c of commands) results.push(yield* txn.apply(c));
  if (ctx.knobs.execValidateReadSet) {
    for (const rk of txn.readKeys) {
      if ((yield* latestAt(ctx, rk)) > startTS) throw new WriteConflictError(rk, false);
    }
  }
  // Read-only EXEC: nothing to dispatch, no dedup window.
  if (!txn.hasWrites()) return results;
  // The commitTS is allocated before the list/hash elems that embed it, as prepareDispatch does.
  const commitTS = yield* allocCommitTS(ctx, startTS);
  const elems = yield* txn.buildElems(commitTS);
  if (elems.length === 0) return results;
  const readKeys = [...txn.readKeys];
  const r = yield* dispatchGroup(ctx, { startTS, commitTS, readKeys, elems });
  if (r.ok) return results;
  ctx.probe(REDIS_PROBES.execConflict);
  const err = dispatchError(ctx, r);
  if (err instanceof WriteConflictError && onConflict !== undefined) {
    if (err.wire) ctx.probe(REDIS_PROBES.ambiguousRetry);
    onConflict({ elems, startTS, commitTS, readKeys, results });
    throw err.normalized();
  }
  throw err;
}

/** `dispatchExecReuse`. */
function* execReuse(ctx: NodeContext, pending: PendingExec, drop: () => void): Co<RedisReply[]> {
  ctx.probe(REDIS_PROBES.reusePath);
  const commitTS = yield* allocCommitTS(ctx, pending.startTS);
  logReuse(ctx, pending.elems, commitTS);
  const r = yield* dispatchGroup(ctx, {
    startTS: pending.startTS,
    commitTS,
    prevCommitTS: pending.commitTS,
    readKeys: pending.readKeys,
    elems: pending.elems,
  });
  if (r.ok) return pending.results;
  const err = dispatchError(ctx, r);
  if (err instanceof WriteConflictError) {
    if (err.wire) ctx.probe(REDIS_PROBES.ambiguousRetry);
    const probeKey = firstWriteKey(pending.elems);
    if (probeKey !== undefined && (yield* landedAfterDispatch(ctx, pending.elems, commitTS))) {
      ctx.probe(REDIS_PROBES.reuseSelfConflict);
      pending.commitTS = commitTS;
      return pending.results;
    }
    drop();
    throw err.normalized();
  }
  throw err;
}

/** EXEC: `runTransactionWithDedup` (one-phase dedup on) or `runTransactionDirect`. */
/**
 * Plain functions that hand back the retry loop's coroutine, and an attempt that is the reuse's or
 * the attempt's own coroutine, rather than generators delegating to them: every effect a command
 * waits on passes each level of delegation twice, on its way out and when it is resumed.
 */
export function exec(ctx: NodeContext, commands: readonly RedisCommand[]): Co<RedisReply[]>;
/** EXEC evaluating to `then` of its replies (see `retryRedisWrite`). */
export function exec<R>(
  ctx: NodeContext,
  commands: readonly RedisCommand[],
  then: (results: RedisReply[]) => R,
): Co<R>;
export function exec<R>(
  ctx: NodeContext,
  commands: readonly RedisCommand[],
  then?: (results: RedisReply[]) => R,
): Co<R | RedisReply[]> {
  let pending: PendingExec | undefined;
  const dedup = ctx.knobs.onePhaseDedup;
  const attempt = (): Co<RedisReply[]> =>
    pending !== undefined
      ? execReuse(ctx, pending, () => {
          pending = undefined;
        })
      : execAttempt(
          ctx,
          commands,
          dedup
            ? (p) => {
                pending = p;
              }
            : undefined,
        );
  return then === undefined ? retryRedisWrite(ctx, attempt) : retryRedisWrite(ctx, attempt, then);
}
