/**
 * The delta compactor (docs/model.md, elastickv `adapter/redis_delta_compactor.go`) as a coroutine
 * the host runs on the leader: a startup pass, then a regular pass every interval (list then
 * hash handler from a rotating start, per-type cursor over at most `compactorTickScanLimit`
 * delta keys, split guard), urgent single-key compactions queued by reads that hit
 * `maxDeltaScanLimit`, and — as a knob — the design doc's lazy reaper of Len-0 base metas.
 *
 * Every fold of one handler is one OCC transaction with StartTS = the pass's readTS, a
 * pre-allocated commitTS and no read keys: deltas committed after readTS are not seen and
 * survive. The Len = 0 rule is the knob of B13; a list fold that may not hold every delta of its
 * key (the last key of a truncated page, an urgent batch) keeps the Head at Len 0 under F5's fix,
 * and so does the fold of the key a page resumed inside under F7's.
 */
import { ReadFailed } from "../kv/reads.ts";
import { mapStep } from "../kv/steps.ts";
import type { Co, Mutation } from "../kv/types.ts";
import {
  allocCommitTS,
  del,
  dispatchError,
  dispatchGroup,
  getAt,
  keysOf,
  normalizeStartTS,
  pickReadTS,
  put,
  REDIS_PROBES,
  RedisError,
  rowPairs,
  scanRows,
  schedPoint,
  WriteConflictError,
} from "./common.ts";
import type { NodeContext } from "./context.ts";
import {
  CodecError,
  decodeHashDelta,
  decodeHashMeta,
  decodeListDelta,
  decodeListMeta,
  encodeHashMeta,
  encodeListMeta,
  HASH_DELTA_PREFIX,
  type Keys,
  LIST_DELTA_PREFIX,
  LIST_META_PREFIX,
  prefixEnd,
} from "./keys.ts";

/** One scan page as [key, value] pairs: the folds keep and regroup rows, and run rarely. */
function scanPairs(
  ctx: NodeContext,
  start: string,
  end: string,
  limit: number,
  ts: number,
): Co<Array<[string, string]>> {
  return mapStep(scanRows(ctx, start, end, limit, ts), rowPairs);
}

type HandlerType = "list" | "hash";

interface Handler {
  type: HandlerType;
  prefix: string;
  /**
   * `cut`: the fold may not hold every delta of the key visible at `ts` (page end, urgent batch,
   * a page resumed inside the key) and a fix knob says so: a list fold to Len 0 keeps its Head.
   */
  build(
    userKey: string,
    deltas: Array<[string, string]>,
    ts: number,
    cut: boolean,
  ): Co<{ elems: Mutation[]; empty: boolean }>;
}

export interface PassResult {
  /** User keys folded per handler type in this pass. */
  folded: Record<HandlerType, string[]>;
  /** Keys whose fold reached Len 0. */
  emptied: string[];
  /** List keys whose Len-0 base meta the reaper deleted. */
  reaped: string[];
  skipped?: "disabled" | "backoff";
}

export class DeltaCompactor {
  private paused = false;
  private stopped = false;
  private bursts = 0;
  private readonly urgent: Array<{ type: HandlerType; key: string }> = [];
  private readonly cursors = new Map<HandlerType, string>();
  private handlerCursor = 0;
  private backoffUntilUs = 0;
  private readonly k: Keys;
  private readonly handlers: Handler[];
  /** Passes run so far (for tests and traces). */
  passes = 0;

  constructor(private readonly ctx: NodeContext) {
    this.k = keysOf(ctx);
    this.handlers = [
      { type: "list", prefix: LIST_DELTA_PREFIX, build: (u, d, ts, cut) => this.buildList(u, d, ts, cut) },
      { type: "hash", prefix: HASH_DELTA_PREFIX, build: (u, d, ts) => this.buildHash(u, d, ts) },
    ];
  }

  // ---- host controls (nemesis: compactor pause / burst) ----

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Run `n` extra passes back to back at the loop's next wake-up. */
  burst(n = 1): void {
    this.bursts += n;
  }

  stop(): void {
    this.stopped = true;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** `TriggerUrgentCompaction`: queue one key; dropped (false) when the queue is full. */
  triggerUrgent(type: HandlerType, userKey: string): boolean {
    if (this.urgent.length >= this.ctx.knobs.urgentQueueSize) {
      this.ctx.probe(REDIS_PROBES.urgentDropped);
      return false;
    }
    if (this.urgent.some((r) => r.type === type && r.key === userKey)) return true;
    this.urgent.push({ type, key: userKey });
    return true;
  }

  private nowUs(): number {
    return this.ctx.coordinatorEnv.nowUs();
  }

  /** The loop: a startup pass, then urgent work and a pass every interval, until stopped. */
  *run(): Co<void> {
    const kn = this.ctx.knobs;
    if (!this.paused) yield* this.tolerant(this.passOnce());
    let elapsed = 0;
    while (!this.stopped) {
      yield { kind: "sleep", us: kn.compactorPollUs };
      elapsed += kn.compactorPollUs;
      if (this.paused) continue;
      while (this.urgent.length > 0 && !this.paused && !this.stopped) {
        const req = this.urgent.shift()!;
        yield* this.tolerant(this.compactUrgent(req.type, req.key));
      }
      if (this.bursts > 0) {
        this.bursts--;
        elapsed = 0;
        yield* this.tolerant(this.passOnce(true));
        continue;
      }
      if (elapsed >= kn.compactorIntervalUs) {
        elapsed = 0;
        yield* this.tolerant(this.passOnce());
      }
    }
  }

  /** A store read that could not be served (leadership lost) ends the pass; the loop goes on. */
  private *tolerant(co: Co<unknown>): Co<void> {
    try {
      yield* co;
    } catch (e) {
      if (!(e instanceof ReadFailed)) throw e;
      this.ctx.trace("redis.compactor-failed", { type: "read", error: e.message });
    }
  }

  /** `SyncOnce`: one pass over the handlers (and the reaper) at one readTS. */
  *passOnce(force = false): Co<PassResult> {
    const kn = this.ctx.knobs;
    const res: PassResult = { folded: { list: [], hash: [] }, emptied: [], reaped: [] };
    if (!kn.compactorEnabled) return { ...res, skipped: "disabled" };
    const start = this.nowUs();
    if (!force && start < this.backoffUntilUs) return { ...res, skipped: "backoff" };
    this.passes++;
    const ts = yield* pickReadTS(this.ctx);
    const first = this.handlerCursor % this.handlers.length;
    for (let off = 0; off < this.handlers.length; off++) {
      if (this.nowUs() - start > kn.compactorTimeoutUs) {
        this.backoffUntilUs = this.nowUs() + kn.compactorBackoffUs;
        this.ctx.trace("redis.compactor-backoff", { untilUs: this.backoffUntilUs });
        break;
      }
      const idx = (first + off) % this.handlers.length;
      yield* this.compactHandler(this.handlers[idx], ts, res);
      this.handlerCursor = (idx + 1) % this.handlers.length;
    }
    if (kn.lazyReaper !== "off") yield* this.reap(ts, res);
    return res;
  }

  // ---- regular pass ----

  private *compactHandler(h: Handler, ts: number, res: PassResult): Co<void> {
    const kn = this.ctx.knobs;
    const cursor = this.cursors.get(h.type);
    const start = cursor === undefined ? h.prefix : `${cursor}\u0000`;
    const kvs = yield* scanPairs(this.ctx, start, prefixEnd(h.prefix), kn.compactorTickScanLimit, ts);
    const truncated = kvs.length === kn.compactorTickScanLimit;
    const byKey = new Map<string, Array<[string, string]>>();
    for (const kv of kvs) {
      const uk = this.k.deltaUserKey(kv[0], h.prefix);
      if (uk === undefined) continue;
      const arr = byKey.get(uk);
      if (arr === undefined) byKey.set(uk, [kv]);
      else arr.push(kv);
    }
    const order = [...byKey.keys()];
    // Split guard: a last key cut by the page end and below the threshold waits for the next
    // pass, with the cursor backed up to the previous key's last delta.
    let last: string | undefined = kvs.length > 0 ? kvs[kvs.length - 1][0] : undefined;
    if (truncated && order.length > 0) {
      const lastUK = order[order.length - 1];
      if (byKey.get(lastUK)!.length < kn.compactionThreshold) {
        byKey.delete(lastUK);
        order.pop();
        last = order.length === 0 ? undefined : byKey.get(order[order.length - 1])!.at(-1)![0];
      }
    }
    const elems: Mutation[] = [];
    const folded: string[] = [];
    const emptied: string[] = [];
    // The last key of a truncated page that the guard kept may have deltas beyond the page.
    const cutKey = truncated ? order.at(-1) : undefined;
    // A page that resumes from a cursor inside a key's deltas holds only that key's deltas after
    // the cursor: the ones before it (below the threshold when the split guard backed the cursor
    // up to them) are still there, relative to the same Head (F7).
    const resumedKey =
      cursor !== undefined && kn.resumedFoldKeepsMeta ? this.k.deltaUserKey(cursor, h.prefix) : undefined;
    for (const uk of order) {
      const ds = byKey.get(uk)!;
      if (ds.length < kn.compactionThreshold) continue;
      try {
        const cut = (uk === cutKey && kn.partialFoldKeepsMeta) || uk === resumedKey;
        const b = yield* h.build(uk, ds, ts, cut);
        elems.push(...b.elems);
        folded.push(uk);
        if (b.empty) emptied.push(uk);
      } catch (e) {
        if (!(e instanceof CodecError || e instanceof RedisError)) throw e;
        this.ctx.trace("redis.compactor-skip", { type: h.type, key: uk, error: e.message });
      }
    }
    if (elems.length > 0) {
      const ok = yield* this.dispatchFold(ts, elems, h.type);
      if (!ok) return; // the cursor stays: the next pass retries the same window
      this.afterFold(h.type, ts, folded, emptied);
      res.folded[h.type].push(...folded);
      res.emptied.push(...emptied);
    }
    if (truncated && last !== undefined) this.cursors.set(h.type, last);
    else this.cursors.delete(h.type);
  }

  private *dispatchFold(ts: number, elems: Mutation[], type: string): Co<boolean> {
    // Between the compactor's scan and its proposal, other commands may run.
    yield* schedPoint(this.ctx, "compactor");
    const startTS = normalizeStartTS(ts);
    let commitTS: number;
    try {
      commitTS = yield* allocCommitTS(this.ctx, startTS);
    } catch (e) {
      if (!(e instanceof RedisError)) throw e;
      this.ctx.trace("redis.compactor-failed", { type, error: e.message });
      return false;
    }
    const r = yield* dispatchGroup(this.ctx, { startTS, commitTS, readKeys: [], elems });
    if (r.ok) {
      this.ctx.trace("redis.compaction", { type, readTS: ts, commitTS: r.commitTS, writes: elems.length });
      return true;
    }
    const err = dispatchError(this.ctx, r);
    if (err instanceof WriteConflictError) this.ctx.probe(REDIS_PROBES.compactorConflict);
    this.ctx.trace("redis.compactor-failed", { type, error: err.message });
    return false;
  }

  /** A delta committed after readTS beside a fold is a writer that raced the compactor. */
  private afterFold(type: HandlerType, ts: number, folded: string[], emptied: string[]): void {
    for (const uk of folded) {
      const p = type === "list" ? this.k.listDeltaPrefix(uk) : this.k.hashDeltaPrefix(uk);
      // A probe of the simulator, not a read of the compactor: it looks at this replica directly.
      const now = this.ctx.store.scanAt(p, prefixEnd(p), 16, Number.MAX_SAFE_INTEGER);
      const raced = now.some(([dk]) => (this.k.deltaCommitTS(dk, p) ?? 0) > ts);
      if (!raced) continue;
      this.ctx.probe(REDIS_PROBES.compactorRacedPush);
      if (emptied.includes(uk)) this.ctx.probe(REDIS_PROBES.compactorRacedPushEmpty);
    }
    for (const _ of emptied) this.ctx.probe(REDIS_PROBES.compactorFoldEmpty);
  }

  /** Negative Len: clamp with a warning (HEAD) or refuse to fold the key (B23 fix). */
  private foldLen(userKey: string, len: number): number {
    if (len >= 0) return len;
    if (!this.ctx.knobs.lenClamp)
      throw new RedisError(`negative length ${len} for ${JSON.stringify(userKey)}`);
    this.ctx.probe(REDIS_PROBES.lenClamped);
    return 0;
  }

  /** `buildListCompactElems`. */
  private *buildList(
    userKey: string,
    deltas: Array<[string, string]>,
    ts: number,
    cut: boolean,
  ): Co<{ elems: Mutation[]; empty: boolean }> {
    const { ctx, k } = this;
    const kn = ctx.knobs;
    const raw = yield* getAt(ctx, k.listMeta(userKey), ts);
    const base = raw === undefined ? { head: 0, len: 0 } : decodeListMeta(raw);
    let head = base.head;
    let len = base.len;
    for (const [, v] of deltas) {
      const d = decodeListDelta(v);
      head += d.headDelta;
      len += d.lenDelta;
    }
    len = this.foldLen(userKey, len);
    const elems: Mutation[] = [];
    if (len === 0 && kn.compactorEmptyMeta === "keep") {
      elems.push(put(k.listMeta(userKey), encodeListMeta({ head, len: 0 })));
    } else if (len === 0 && cut) {
      // The key's deltas beyond this fold are relative to Head: with no base meta they would
      // resolve against Head 0 (F5). A later fold that sees them all may delete it.
      elems.push(put(k.listMeta(userKey), encodeListMeta({ head, len: 0 })));
    } else if (len === 0) {
      this.probeLeftDeltas(userKey, deltas, ts);
      elems.push(del(k.listMeta(userKey)));
      // The fix of B13: a writer that read the list before this fold conflicts on the fence.
      if (kn.compactorEmptyMeta === "delete-fenced") elems.push(put(k.fence("list", userKey), ""));
    } else {
      elems.push(put(k.listMeta(userKey), encodeListMeta({ head, len })));
    }
    for (const [dk] of deltas) elems.push(del(dk));
    if (kn.compactorClaimGc) {
      // Claims outside the new [Head, Tail) are never needed again for conflict detection.
      const cp = k.listClaimPrefix(userKey);
      const lim = kn.claimGcScanLimit;
      for (const [ck] of yield* scanPairs(ctx, cp, k.listClaim(userKey, head), lim, ts)) elems.push(del(ck));
      for (const [ck] of yield* scanPairs(ctx, k.listClaim(userKey, head + len), prefixEnd(cp), lim, ts))
        elems.push(del(ck));
    }
    return { elems, empty: len === 0 };
  }

  /**
   * Counts a Len-0 list fold under which deltas of the key that it did not fold remain at `ts`. A
   * probe of the simulator, not a read of the compactor: it looks at this replica directly.
   */
  private probeLeftDeltas(userKey: string, folded: Array<[string, string]>, ts: number): void {
    const p = this.k.listDeltaPrefix(userKey);
    const mine = new Set(folded.map(([dk]) => dk));
    const now = this.ctx.store.scanAt(p, prefixEnd(p), folded.length + 1, ts);
    if (now.some(([dk]) => !mine.has(dk))) this.ctx.probe(REDIS_PROBES.compactorFoldLeftDeltas);
  }

  private *buildHash(
    userKey: string,
    deltas: Array<[string, string]>,
    ts: number,
  ): Co<{ elems: Mutation[]; empty: boolean }> {
    const { ctx, k } = this;
    const kn = ctx.knobs;
    const raw = yield* getAt(ctx, k.hashMeta(userKey), ts);
    let len = raw === undefined ? 0 : decodeHashMeta(raw).len;
    for (const [, v] of deltas) len += decodeHashDelta(v);
    len = this.foldLen(userKey, len);
    const elems: Mutation[] = [];
    if (len === 0 && kn.compactorEmptyMeta !== "keep") {
      elems.push(del(k.hashMeta(userKey)));
      if (kn.compactorEmptyMeta === "delete-fenced" && kn.hashFence)
        elems.push(put(k.fence("hash", userKey), ""));
    } else {
      elems.push(put(k.hashMeta(userKey), encodeHashMeta({ len })));
    }
    for (const [dk] of deltas) elems.push(del(dk));
    return { elems, empty: len === 0 };
  }

  // ---- urgent ----

  /** `compactUrgentKey`: fold batches of up to limit+1 deltas until at most the limit remain. */
  *compactUrgent(type: HandlerType, userKey: string): Co<void> {
    const kn = this.ctx.knobs;
    this.ctx.probe(REDIS_PROBES.urgentCompaction);
    const h = this.handlers.find((x) => x.type === type)!;
    const p = type === "list" ? this.k.listDeltaPrefix(userKey) : this.k.hashDeltaPrefix(userKey);
    const start = this.nowUs();
    for (;;) {
      if (this.nowUs() - start > kn.compactorTimeoutUs) return;
      const ts = yield* pickReadTS(this.ctx);
      const kvs = yield* scanPairs(this.ctx, p, prefixEnd(p), kn.maxDeltaScanLimit + 1, ts);
      if (kvs.length === 0) return;
      let b: { elems: Mutation[]; empty: boolean };
      try {
        // A full batch may leave deltas of the key for the next one.
        b = yield* h.build(userKey, kvs, ts, kvs.length > kn.maxDeltaScanLimit && kn.partialFoldKeepsMeta);
      } catch (e) {
        if (!(e instanceof CodecError || e instanceof RedisError)) throw e;
        return;
      }
      if (!(yield* this.dispatchFold(ts, b.elems, `${type}-urgent`))) return;
      this.afterFold(type, ts, [userKey], b.empty ? [userKey] : []);
      if (kvs.length <= kn.maxDeltaScanLimit) return;
    }
  }

  // ---- lazy reaper (design doc D3; B14) ----

  /**
   * Delete kept Len-0 base metas whose key has no deltas and no items at readTS. `unfenced`
   * relies on that scan alone, which OCC never validates (a delta committed after it is a
   * phantom: B14); `fenced` also Puts the list fence, which every push reads.
   */
  private *reap(ts: number, res: PassResult): Co<void> {
    const { ctx, k } = this;
    const kn = ctx.knobs;
    const elems: Mutation[] = [];
    const reaped: string[] = [];
    const ranges: Array<[string, string]> = [
      [LIST_META_PREFIX, LIST_DELTA_PREFIX],
      [prefixEnd(LIST_DELTA_PREFIX), prefixEnd(LIST_META_PREFIX)],
    ];
    for (const [lo, hi] of ranges) {
      for (const [mk, v] of yield* scanPairs(ctx, lo, hi, kn.compactorTickScanLimit, ts)) {
        let len: number;
        try {
          len = decodeListMeta(v).len;
        } catch {
          continue;
        }
        if (len !== 0) continue;
        const uk = mk.slice(LIST_META_PREFIX.length);
        const dp = k.listDeltaPrefix(uk);
        if ((yield* scanPairs(ctx, dp, prefixEnd(dp), 1, ts)).length > 0) continue;
        const ip = k.listItemPrefix(uk);
        const items = yield* scanPairs(ctx, ip, prefixEnd(ip), kn.maxDeltaScanLimit, ts);
        if (items.some(([ik]) => k.itemSeq(ik, uk) !== undefined)) continue;
        elems.push(del(mk));
        if (kn.lazyReaper === "fenced") elems.push(put(k.fence("list", uk), ""));
        reaped.push(uk);
      }
    }
    if (elems.length === 0) return;
    if (yield* this.dispatchFold(ts, elems, "reaper")) {
      for (const uk of reaped) {
        ctx.probe(REDIS_PROBES.reaperReaped);
        const dp = k.listDeltaPrefix(uk);
        const raced = ctx.store
          .scanAt(dp, prefixEnd(dp), 16, Number.MAX_SAFE_INTEGER)
          .some(([dk]) => (k.deltaCommitTS(dk, dp) ?? 0) > ts);
        if (raced) ctx.probe(REDIS_PROBES.compactorRacedPushEmpty);
      }
      res.reaped.push(...reaped);
    }
  }
}
