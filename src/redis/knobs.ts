/**
 * Knobs of the Redis adapter model. Defaults are the `fixed` design (docs/catalogue.md): elastickv at
 * HEAD (docs/catalogue.md "→ HEAD" column) plus fixes for B12 (DEL fenced), B13 (Len = 0 fold fenced),
 * B14 (no unfenced reaper), B19's residual (every read fenced with ReadIndex before its snapshot
 * is chosen), B23 (a negative Len is an error instead of being clamped) and HDEL's repeated-field
 * double count and DEL's repeated-key double count (findings of this model, `hdelDedupFields`,
 * `delDedupKeys`). B15(b)'s fix lives in
 * the kv knobs (`ensureValidStartTS`). Every historical behaviour is a value of some knob here or
 * in `KvKnobs`, so a variant is just a set of overrides.
 */
import type { KeyLayout } from "./keys.ts";

export interface RedisKnobs {
  // --- Key layout --------------------------------------------------------------------------
  /** B16: `length-prefixed` (HEAD, `ab2555b0`) or the draft's `null-separator`. */
  keyLayout: KeyLayout;

  // --- Fences and read keys ----------------------------------------------------------------
  /** B7/B10(b)/B18/B20: list writers Put `!redis|txn-wide-list|k`; EXEC, creators and DEL read it. */
  listFence: boolean;
  /** B20: new-field HSETs Put `!redis|txn-wide-hash|k`; EXEC, creators and DEL read it. */
  hashFence: boolean;
  /** B10(b)/B18: pushes read-track `item(Head)` and `item(Tail−1)` (`65daa3a2`, `d5f47e6b`). */
  pushBoundaryReadKeys: boolean;
  /** B7: EXEC list state read-tracks `item(Head+Len)` and `item(Head−1)` (`5be1b5ce`). */
  execListBoundaryReadKeys: boolean;
  /** EXEC read-tracks the nine type-probe keys of every key whose type it stages (HEAD). */
  execTypeProbeReadKeys: boolean;
  /**
   * EXEC also read-tracks the four wide fences of a key whose type probe found nothing (finding
   * F6, docs/findings.md): a concurrent RPUSH/HSET that creates the key writes its fence but none of
   * the nine type-probe keys, so without them an EXISTS 0 or DEL 0 is never validated.
   */
  execAbsenceFences: boolean;
  /** B12: standalone DEL reads and writes the four wide fences (MULTI DEL already does). */
  delFence: boolean;

  // --- MULTI/EXEC ----------------------------------------------------------------------------
  /** B1: EXEC list state from base meta + deltas (`resolved`, HEAD) or the base meta only. */
  execListMeta: "resolved" | "base-only";
  /**
   * B1/B2/B3: EXEC list writes: a delta key (HEAD); a base-meta Put of the Len it saw plus its
   * appends (B2: deltas stay and are counted again); or that Put plus deleting every delta visible
   * at startTS (`f4b08c1c`, which loses unfolded deltas when combined with `base-only`, B1/B3).
   */
  execListWrite: "delta" | "base-meta" | "base-meta-delete-deltas";
  /**
   * Which commands EXEC accepts: `head` = RPUSH, LRANGE, DEL, EXISTS, HSET (HEAD's subset of
   * ours; anything else fails the whole EXEC); `all` also runs LPUSH, LPOP, RPOP, LLEN, TYPE,
   * HGET, HDEL, HLEN and HGETALL against the same snapshot, with the same fences and deltas as
   * their standalone forms. `all` is a testbed extension so that workloads can read LLEN and
   * LRANGE in one snapshot.
   */
  execCommands: "head" | "all";
  /** Adapter-side fast-fail `validateReadSet` before dispatching an EXEC (HEAD). */
  execValidateReadSet: boolean;
  /**
   * With `execCommands: all`: HGET, HGETALL, HLEN and HDEL in EXEC that find no key read-track the
   * wide creator fences, as a list write on a new key does, so that a concurrent HSET creating the
   * hash conflicts with the EXEC that saw it absent (off: they track nothing beyond the type
   * probe, and such an EXEC can serialize before the creation while committing after it).
   */
  execAbsentHashFences: boolean;

  // --- Claims and pops -----------------------------------------------------------------------
  /**
   * B8: `token` = claims are write-only conflict tokens and pops tombstone the item (HEAD);
   * `marker` = the design doc's logical-delete markers: pops and LRANGE skip claimed sequences.
   */
  claimSemantics: "token" | "marker";
  /** B8 fix under `marker`: a push deletes a stale claim on the sequence it reuses (and reads it). */
  pushClearsStaleClaim: boolean;
  /** Marker-mode pop window (design doc scanWindow). */
  claimScanWindow: number;
  /** B9: pops claim every position of the range, holes included (`fb1eba2f`); off = found items only. */
  popClaimsHoles: boolean;
  /** B23: clamp a negative resolved Len to 0 (HEAD) instead of failing the read. */
  lenClamp: boolean;

  // --- Hashes --------------------------------------------------------------------------------
  /**
   * HDEL counts each distinct field once. HEAD's `resolveHashFieldDelElems` does not de-duplicate
   * its arguments, so `HDEL k f f` replies 2 and writes a −2 delta for one removed field (HLEN
   * drifts below the field count): a finding of this model, fixed in `fixed`.
   */
  hdelDedupFields: boolean;

  // --- DEL -------------------------------------------------------------------------------------
  /**
   * DEL counts each distinct key once. HEAD's `delLocal` evaluates every argument at one readTS,
   * so `DEL k k` replies 2 where Redis replies 1 (a finding of this model; fixed in `fixed`).
   */
  delDedupKeys: boolean;
  /** B11: DEL deletes deltas/claims/items with a paginated scan (HEAD) or one bounded page. */
  delScan: "paginated" | "single-page";

  // --- Read fences ---------------------------------------------------------------------------
  /** B19: LRANGE and EXEC fence before and after picking readTS (`c7331bea`) or not at all. */
  rangeReadFence: "before-after" | "none";
  /**
   * B19 residual: point reads (LLEN, HGET, HGETALL, HLEN, EXISTS, TYPE) fence `after` picking
   * readTS (production ShardStore reads; LLEN fences before) or `before` it (fixed).
   */
  pointReadFence: "after" | "before";
  /** Fence effect: `lease-read` (lease fast path, else ReadIndex) or always `read-index`. */
  readFenceKind: "lease-read" | "read-index";

  // --- Retry and dedup (docs/model.md) -----------------------------------------------------------
  /** B17: one-phase dedup (reuse write set + PrevCommitTS) for pushes, EXEC and HSET (HEAD). */
  onePhaseDedup: boolean;
  /** retryRedisWrite cap on retries (0-based counter: up to cap + 1 calls). */
  retryMaxAttempts: number;
  /** WriteConflict backoff, µs: initial and max (×2 per retry, + up to 50% jitter). */
  retryInitialBackoffUs: number;
  retryMaxBackoffUs: number;

  // --- Compactor (docs/model.md) ----------------------------------------------------------------
  compactorEnabled: boolean;
  /** Soft threshold: a key with at least this many deltas is folded (maxCount). */
  compactionThreshold: number;
  /** Regular pass interval, µs. */
  compactorIntervalUs: number;
  /** Delta keys scanned per type per pass. */
  compactorTickScanLimit: number;
  /** Claim keys collected per side per folded key. */
  claimGcScanLimit: number;
  /** Claim GC: the compactor deletes claims below Head and at or above Tail (`6eb9baca`). */
  compactorClaimGc: boolean;
  /** A pass that runs longer than this (µs) stops and skips background passes for the backoff. */
  compactorTimeoutUs: number;
  compactorBackoffUs: number;
  /**
   * How often the compactor loop wakes to serve urgent requests and check its interval (µs). The
   * real loop selects on a channel; a coroutine polls, so this only bounds urgent latency.
   */
  compactorPollUs: number;
  /** Urgent queue capacity; requests beyond it are dropped. */
  urgentQueueSize: number;
  /**
   * B13: what a fold to Len = 0 does with the base meta: `delete` (HEAD, `fb1eba2f`), `delete-fenced`
   * (Del + Put the type's wide fence, so a concurrent writer conflicts; fixed) or `keep` (Put Len 0,
   * design doc D3).
   */
  compactorEmptyMeta: "delete" | "delete-fenced" | "keep";
  /**
   * F5: a list fold that reaches Len 0 while deltas of the key it did not fold remain at its readTS
   * (a key cut by the scan page's end, an urgent batch) Puts Len 0 with its Head (fixed) instead
   * of deleting the base meta (HEAD), since those deltas are relative to that Head.
   */
  partialFoldKeepsMeta: boolean;
  /**
   * F7: a pass that resumes from a cursor inside a list's deltas (a page end, or the split guard
   * backing up to the previous key's last delta) sees only that list's deltas after the cursor; a
   * fold of them to Len 0 Puts Len 0 with its Head (fixed) like a cut key, instead of deleting the
   * base meta under the deltas before the cursor (HEAD).
   */
  resumedFoldKeepsMeta: boolean;
  /**
   * B14: lazy reaper of Len = 0 base metas with no deltas and no items: `off`, `unfenced` (its
   * delta scan is not validated: a push after it is a phantom) or `fenced` (Put the fence too).
   */
  lazyReaper: "off" | "unfenced" | "fenced";

  // --- Scale constants -----------------------------------------------------------------------
  /** Hard read limit on deltas per key (`MaxDeltaScanLimit`; 10000 in PR #485, 1024 at HEAD). */
  maxDeltaScanLimit: number;
  /** Cap on items/fields a single command may touch (`maxWideColumnItems`). */
  maxWideColumnItems: number;

  // --- Test only -------------------------------------------------------------------------------
  /**
   * TEST ONLY, never part of a variant: every write command (and every EXEC holding one) fails at
   * once with a definite error, so the progress oracle has a broken adapter to catch. Default off.
   */
  testFailWrites: boolean;
}

export const defaultRedisKnobs: Readonly<RedisKnobs> = Object.freeze({
  keyLayout: "length-prefixed",
  listFence: true,
  hashFence: true,
  pushBoundaryReadKeys: true,
  execListBoundaryReadKeys: true,
  execTypeProbeReadKeys: true,
  execAbsenceFences: true,
  delFence: true,
  execAbsentHashFences: true,
  execListMeta: "resolved",
  execListWrite: "delta",
  execCommands: "all",
  execValidateReadSet: true,
  claimSemantics: "token",
  pushClearsStaleClaim: true,
  claimScanWindow: 128,
  popClaimsHoles: true,
  lenClamp: false,
  hdelDedupFields: true,
  delDedupKeys: true,
  delScan: "paginated",
  rangeReadFence: "before-after",
  pointReadFence: "before",
  readFenceKind: "read-index",
  onePhaseDedup: true,
  retryMaxAttempts: 50,
  retryInitialBackoffUs: 1_000,
  retryMaxBackoffUs: 10_000,
  compactorEnabled: true,
  compactionThreshold: 64,
  compactorIntervalUs: 30_000_000,
  compactorTickScanLimit: 4096,
  claimGcScanLimit: 4096,
  compactorClaimGc: true,
  compactorTimeoutUs: 5_000_000,
  compactorBackoffUs: 60_000_000,
  compactorPollUs: 50_000,
  urgentQueueSize: 64,
  compactorEmptyMeta: "delete-fenced",
  partialFoldKeepsMeta: true,
  resumedFoldKeepsMeta: true,
  lazyReaper: "off",
  maxDeltaScanLimit: 1024,
  maxWideColumnItems: 100_000,
  testFailWrites: false,
} satisfies RedisKnobs);

/** elastickv as it stands (docs/catalogue.md "→ HEAD"): the knobs where `head` differs from `fixed`. */
export const headRedisKnobs: Readonly<Partial<RedisKnobs>> = Object.freeze({
  delFence: false,
  compactorEmptyMeta: "delete",
  partialFoldKeepsMeta: false,
  resumedFoldKeepsMeta: false,
  pointReadFence: "after",
  readFenceKind: "lease-read",
  lenClamp: true,
  execCommands: "head",
  hdelDedupFields: false,
  delDedupKeys: false,
  execAbsenceFences: false,
} satisfies Partial<RedisKnobs>);

/** One line per knob, for `sim knobs`. */
export const redisKnobDescriptions: Readonly<Record<keyof RedisKnobs, string>> = Object.freeze({
  keyLayout:
    "storage key layout: length-prefixed = u32be(len) ‖ userKey (HEAD); null-separator = userKey ‖ 0x00 (B16)",
  listFence:
    "list pushes/pops Put the wide list fence and EXEC/creators/DEL read it (HEAD); off = before c4b8d91a (B7, B10b, B18, B20)",
  hashFence: "new-field HSETs Put the wide hash fence and EXEC/creators/DEL read it (HEAD); off = B20",
  pushBoundaryReadKeys: "pushes read-track item(Head) and item(Tail-1) (HEAD); off = B10(b), B18",
  execListBoundaryReadKeys: "EXEC list state read-tracks item(Head+Len) and item(Head-1) (HEAD); off = B7",
  execTypeProbeReadKeys: "EXEC read-tracks the nine type-probe keys of every key whose type it stages (HEAD)",
  execAbsenceFences:
    "EXEC read-tracks the four wide fences of a key its type probe found absent (fixed); off = HEAD (F6: EXISTS 0 / DEL 0 unvalidated)",
  execAbsentHashFences:
    "execCommands all: HGET/HGETALL/HLEN/HDEL in EXEC on an absent key read-track the creator fences (fixed); off = they do not, and a concurrent creating HSET does not conflict",
  delFence: "standalone DEL reads and writes the four wide fences (fixed); off = HEAD's unfenced DEL (B12)",
  execListMeta: "EXEC reads list meta as base + deltas (resolved, HEAD) or base meta only (base-only, B1)",
  execListWrite:
    "EXEC list writes: delta (HEAD), base-meta (Put base meta, deltas kept: B2), base-meta-delete-deltas (f4b08c1c: B1/B3)",
  execCommands:
    "commands EXEC accepts: head = RPUSH/LRANGE/DEL/EXISTS/HSET; all = every modelled command (testbed extension)",
  execValidateReadSet: "EXEC validates its read set in the adapter before dispatching (fast fail; HEAD)",
  claimSemantics:
    "claims: token = write-only conflict tokens, pops tombstone items (HEAD); marker = design-doc logical-delete markers (B8)",
  pushClearsStaleClaim:
    "under marker claims, a push deletes and read-tracks the claim of a reused seq (off = B8)",
  claimScanWindow: "marker-mode pop scan window (design doc: 128)",
  popClaimsHoles: "pops claim every position of their range, holes included (HEAD, fb1eba2f); off = B9",
  lenClamp: "clamp a negative resolved Len to 0 (HEAD; masks double pops, B23); off = fail the read (fixed)",
  hdelDedupFields:
    "HDEL counts a repeated field once (fixed); off = HEAD, where HDEL k f f replies 2 and writes a -2 delta (HLEN drift)",
  delDedupKeys: "DEL counts a repeated key once (fixed); off = HEAD, where DEL k k replies 2",
  delScan: "DEL scans deltas/claims/items with pagination (HEAD) or a single page of maxDeltaScanLimit (B11)",
  rangeReadFence: "LRANGE/EXEC fence before and after choosing readTS (HEAD, c7331bea); none = B19",
  pointReadFence:
    "LLEN/HGET/HGETALL/HLEN/EXISTS/TYPE fence after choosing readTS (HEAD) or before it (fixed, B19 residual)",
  readFenceKind: "read fences are lease reads (HEAD production) or ReadIndex (fixed)",
  onePhaseDedup:
    "write-set reuse + PrevCommitTS after a conflict for pushes/EXEC/HSET (HEAD, a6af333f); off = recompute (B17)",
  retryMaxAttempts: "retryRedisWrite retry cap (50; a 0-based counter, so up to 51 calls)",
  retryInitialBackoffUs: "WriteConflict retry backoff, initial, µs (1 ms)",
  retryMaxBackoffUs: "WriteConflict retry backoff, maximum, µs (10 ms)",
  compactorEnabled: "run the delta compactor on the leader",
  compactionThreshold: "deltas per key that trigger a fold (maxCount, 64)",
  compactorIntervalUs: "regular compaction pass interval, µs (30 s)",
  compactorTickScanLimit: "delta keys scanned per type per pass (4096)",
  claimGcScanLimit: "claim keys collected per side per folded list (4096)",
  compactorClaimGc: "the compactor deletes claims below Head and at or above Tail (HEAD, 6eb9baca)",
  compactorTimeoutUs: "per-pass budget, µs (5 s); exceeding it skips background passes for the backoff",
  compactorBackoffUs: "background pass backoff after an exhausted budget, µs (1 min)",
  compactorPollUs: "compactor loop wake-up period for urgent requests, µs (model of a channel select)",
  urgentQueueSize: "urgent compaction queue capacity (64); extra requests are dropped",
  compactorEmptyMeta:
    "a fold to Len 0: delete base meta (HEAD, B13), delete-fenced (fixed), keep (design doc D3)",
  partialFoldKeepsMeta:
    "a Len-0 list fold that leaves later deltas of the key (page cut, urgent batch) keeps the meta with its Head (fixed); off = HEAD deletes it (F5)",
  resumedFoldKeepsMeta:
    "a Len-0 list fold of the key a pass resumed inside (deltas before the cursor remain) keeps the meta with its Head (fixed); off = HEAD deletes it (F7)",
  lazyReaper: "reaper of kept Len-0 base metas: off (fixed), unfenced (B14), fenced",
  maxDeltaScanLimit: "hard limit on deltas per key read (MaxDeltaScanLimit: 1024 HEAD, 10000 PR #485)",
  maxWideColumnItems: "cap on items/fields one command may touch (100000)",
  testFailWrites:
    "TEST ONLY: every write command (and EXEC holding one) fails with a definite error; checks the progress oracle",
});

export function redisKnobs(overrides: Partial<RedisKnobs> = {}): RedisKnobs {
  return { ...defaultRedisKnobs, ...overrides };
}
