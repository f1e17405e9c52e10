/**
 * White-box store invariants of the list/hash layout (docs/model.md item 6), checked over one replica's
 * store at its LastCommitTS. A host may call this after every applied entry; each violation
 * becomes an `invariant:<name>` failure.
 *
 * - `invariant:list-meta`: a base meta decodes (Tail = Head + Len, Len ≥ 0) and base + Σdeltas
 *   never needs a negative clamp.
 * - `invariant:delta-ts`: a live delta key's embedded ts equals its MVCC version ts (except write
 *   sets re-dispatched by the reuse path, recorded in the reuse log) and it has one live version.
 * - `invariant:list-holes`: every position of [Head, Tail) holds an item.
 * - `invariant:list-orphan`: no item of a key lies outside its [Head, Tail).
 * - `invariant:claim-in-range`: under marker claims, no claim inside [Head, Tail) (it would hide a
 *   live element).
 * - `invariant:hash-len`: a hash's base Len + Σdeltas equals its number of field keys.
 */
import type { StoreView } from "../kv/types.ts";
import { reuseLogEntry } from "./context.ts";
import {
  CodecError,
  decodeHashDelta,
  decodeHashMeta,
  decodeListDelta,
  decodeListMeta,
  decodeSortable8,
  HASH_DELTA_PREFIX,
  HASH_FIELD_PREFIX,
  HASH_META_PREFIX,
  type KeyLayout,
  keysFor,
  LIST_CLAIM_PREFIX,
  LIST_DELTA_PREFIX,
  LIST_ITEM_PREFIX,
  LIST_META_PREFIX,
  prefixEnd,
  SEQ_SUFFIX_SIZE,
  showKey,
} from "./keys.ts";

export type InvariantName =
  | "invariant:list-meta"
  | "invariant:delta-ts"
  | "invariant:list-holes"
  | "invariant:list-orphan"
  | "invariant:claim-in-range"
  | "invariant:hash-len";

export interface InvariantViolation {
  name: InvariantName;
  detail: string;
}

export interface InvariantOptions {
  layout?: KeyLayout;
  /** The run's reuse log (NodeContext.reuseLog). */
  reuseLog?: ReadonlySet<string>;
  /** Check `claim-in-range` (meaningful under marker claims only). */
  claimsAreMarkers?: boolean;
  /** Positions checked per list for holes (bounds the cost on long lists). */
  maxPositionsPerList?: number;
}

type VersionedStore = StoreView & { versionsOf?(key: string): Array<{ ts: number; tombstone: boolean }> };

const ALL = Number.MAX_SAFE_INTEGER;

function scanAll(store: StoreView, lo: string, hi: string, ts: number): Array<[string, string]> {
  return store.scanAt(lo, hi, Number.MAX_SAFE_INTEGER, ts);
}

interface ListInfo {
  base?: { head: number; len: number };
  headDelta: number;
  lenDelta: number;
  deltas: number;
  items: number[];
  claims: number[];
}

/**
 * What every check of one call shares: the store read at one timestamp, its key layout, and the
 * violations found so far (in the order they are found).
 */
interface Pass {
  store: VersionedStore;
  opts: InvariantOptions;
  k: ReturnType<typeof keysFor>;
  ts: number;
  out: InvariantViolation[];
}

export function checkStoreInvariants(
  store: VersionedStore,
  opts: InvariantOptions = {},
): InvariantViolation[] {
  const k = keysFor(opts.layout ?? "length-prefixed");
  const out: InvariantViolation[] = [];
  const ts = store.lastCommitTS() === 0 ? ALL : store.lastCommitTS();
  const pass: Pass = { store, opts, k, ts, out };
  // A collection's meta, deltas, items and claims sit under different prefixes, so each is gathered
  // whole from its scans before it is judged.
  checkLists(pass, gatherLists(pass));
  checkHashes(pass, gatherHashes(pass));
  return out;
}

function listInfo(lists: Map<string, ListInfo>, uk: string): ListInfo {
  let i = lists.get(uk);
  if (i === undefined) {
    i = { headDelta: 0, lenDelta: 0, deltas: 0, items: [], claims: [] };
    lists.set(uk, i);
  }
  return i;
}

/**
 * Every list's base meta, summed deltas, item and claim positions. Undecodable metas and deltas, and
 * mistimed deltas, are reported on the way.
 */
function gatherLists(pass: Pass): Map<string, ListInfo> {
  const { store, k, ts, out } = pass;
  const lists = new Map<string, ListInfo>();
  // Base metas (the delta namespace sits inside the meta prefix and is skipped).
  for (const [lo, hi] of [
    [LIST_META_PREFIX, LIST_DELTA_PREFIX],
    [prefixEnd(LIST_DELTA_PREFIX), prefixEnd(LIST_META_PREFIX)],
  ] as const) {
    for (const [mk, v] of scanAll(store, lo, hi, ts)) {
      const uk = mk.slice(LIST_META_PREFIX.length);
      try {
        const m = decodeListMeta(v);
        listInfo(lists, uk).base = { head: m.head, len: m.len };
      } catch (e) {
        if (!(e instanceof CodecError)) throw e;
        out.push({ name: "invariant:list-meta", detail: `${showKey(mk)}: ${e.message}` });
      }
    }
  }

  for (const [dk, v] of scanAll(store, LIST_DELTA_PREFIX, prefixEnd(LIST_DELTA_PREFIX), ts)) {
    const uk = k.deltaUserKey(dk, LIST_DELTA_PREFIX);
    if (uk === undefined) continue;
    const i = listInfo(lists, uk);
    try {
      const d = decodeListDelta(v);
      i.headDelta += d.headDelta;
      i.lenDelta += d.lenDelta;
      i.deltas++;
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      out.push({ name: "invariant:list-meta", detail: `${showKey(dk)}: ${e.message}` });
      continue;
    }
    checkDeltaTs(pass, dk, k.listDeltaPrefix(uk));
  }

  for (const [ik] of scanAll(store, LIST_ITEM_PREFIX, prefixEnd(LIST_ITEM_PREFIX), ts)) {
    if (ik.length < LIST_ITEM_PREFIX.length + SEQ_SUFFIX_SIZE) continue;
    const uk = ik.slice(LIST_ITEM_PREFIX.length, ik.length - SEQ_SUFFIX_SIZE);
    listInfo(lists, uk).items.push(decodeSortable8(ik, ik.length - SEQ_SUFFIX_SIZE));
  }
  for (const [ck] of scanAll(store, LIST_CLAIM_PREFIX, prefixEnd(LIST_CLAIM_PREFIX), ts)) {
    const uk = k.claimUserKey(ck);
    if (uk === undefined) continue;
    listInfo(lists, uk).claims.push(decodeSortable8(ck, ck.length - SEQ_SUFFIX_SIZE));
  }
  return lists;
}

/**
 * `invariant:delta-ts` of one live delta key: its embedded ts is its version's, and it has one live
 * version.
 */
function checkDeltaTs(pass: Pass, dk: string, scanPrefix: string): void {
  const { store, k, opts, out } = pass;
  const embedded = k.deltaCommitTS(dk, scanPrefix);
  const latest = store.latestCommitTS(dk);
  if (embedded !== undefined && embedded !== latest && !opts.reuseLog?.has(reuseLogEntry(dk, latest))) {
    out.push({
      name: "invariant:delta-ts",
      detail: `${showKey(dk)}: embedded ts ${embedded} but version ts ${latest}`,
    });
  }
  const versions = store.versionsOf?.(dk);
  if (versions !== undefined && versions.filter((x) => !x.tombstone).length > 1) {
    out.push({
      name: "invariant:delta-ts",
      detail: `${showKey(dk)}: ${versions.length} versions of one delta key`,
    });
  }
}

/** The resolved [Head, Tail) of each list against its items and claims. */
function checkLists(pass: Pass, lists: Map<string, ListInfo>): void {
  const { opts, out } = pass;
  const maxPos = opts.maxPositionsPerList ?? 100_000;
  for (const [uk, i] of lists) {
    const head = (i.base?.head ?? 0) + i.headDelta;
    const len = (i.base?.len ?? 0) + i.lenDelta;
    const exists = i.base !== undefined || i.deltas > 0;
    if (len < 0) {
      out.push({ name: "invariant:list-meta", detail: `list ${showKey(uk)}: resolved Len ${len} < 0` });
    }
    const tail = head + Math.max(len, 0);
    const present = new Set(i.items);
    if (exists && len > 0) {
      const missing: number[] = [];
      for (let s = head; s < tail && s < head + maxPos; s++) if (!present.has(s)) missing.push(s);
      if (missing.length > 0) {
        out.push({
          name: "invariant:list-holes",
          detail: `list ${showKey(uk)} [${head}, ${tail}): no item at ${missing.slice(0, 8).join(", ")}${missing.length > 8 ? ", …" : ""}`,
        });
      }
    }
    const orphans = i.items.filter((s) => !exists || s < head || s >= tail);
    if (orphans.length > 0) {
      out.push({
        name: "invariant:list-orphan",
        detail: `list ${showKey(uk)} [${head}, ${tail})${exists ? "" : " (no meta, no deltas)"}: item at ${orphans.slice(0, 8).join(", ")}`,
      });
    }
    if (opts.claimsAreMarkers) {
      const inRange = i.claims.filter((s) => s >= head && s < tail && present.has(s));
      if (inRange.length > 0) {
        out.push({
          name: "invariant:claim-in-range",
          detail: `list ${showKey(uk)} [${head}, ${tail}): claim on live item ${inRange.slice(0, 8).join(", ")}`,
        });
      }
    }
  }
}

interface HashInfo {
  len: number;
  exists: boolean;
  fields: number;
}

/**
 * Every hash's base Len + Σdeltas and its number of field keys. Undecodable metas and deltas, and
 * mistimed deltas, are reported on the way.
 */
function gatherHashes(pass: Pass): Map<string, HashInfo> {
  const { store, k, ts, out } = pass;
  const hashes = new Map<string, HashInfo>();
  const hinfo = (uk: string) => {
    let h = hashes.get(uk);
    if (h === undefined) {
      h = { len: 0, exists: false, fields: 0 };
      hashes.set(uk, h);
    }
    return h;
  };
  for (const [lo, hi] of [
    [HASH_META_PREFIX, HASH_DELTA_PREFIX],
    [prefixEnd(HASH_DELTA_PREFIX), prefixEnd(HASH_META_PREFIX)],
  ] as const) {
    for (const [mk, v] of scanAll(store, lo, hi, ts)) {
      const uk = hashUserKey(k, mk, HASH_META_PREFIX);
      if (uk === undefined) continue;
      try {
        const h = hinfo(uk);
        h.len += decodeHashMeta(v).len;
        h.exists = true;
      } catch (e) {
        if (!(e instanceof CodecError)) throw e;
        out.push({ name: "invariant:hash-len", detail: `${showKey(mk)}: ${e.message}` });
      }
    }
  }
  for (const [dk, v] of scanAll(store, HASH_DELTA_PREFIX, prefixEnd(HASH_DELTA_PREFIX), ts)) {
    const uk = k.deltaUserKey(dk, HASH_DELTA_PREFIX);
    if (uk === undefined) continue;
    try {
      const h = hinfo(uk);
      h.len += decodeHashDelta(v);
      h.exists = true;
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      out.push({ name: "invariant:hash-len", detail: `${showKey(dk)}: ${e.message}` });
      continue;
    }
    checkDeltaTs(pass, dk, k.hashDeltaPrefix(uk));
  }
  for (const [fk] of scanAll(store, HASH_FIELD_PREFIX, prefixEnd(HASH_FIELD_PREFIX), ts)) {
    const uk = hashUserKey(k, fk, HASH_FIELD_PREFIX);
    if (uk !== undefined) hinfo(uk).fields++;
  }
  return hashes;
}

/** `invariant:hash-len`: a hash's base Len + Σdeltas equals its number of field keys. */
function checkHashes(pass: Pass, hashes: Map<string, HashInfo>): void {
  for (const [uk, h] of hashes) {
    if (h.len !== h.fields) {
      pass.out.push({
        name: "invariant:hash-len",
        detail: `hash ${showKey(uk)}: Len ${h.len} (base + deltas) but ${h.fields} field keys`,
      });
    }
  }
}

/** User key of a hash meta/field key (`prefix ‖ scope(userKey) ‖ rest`). */
function hashUserKey(k: ReturnType<typeof keysFor>, key: string, prefix: string): string | undefined {
  const rest = key.slice(prefix.length);
  if (k.layout === "length-prefixed") {
    if (rest.length < 4) return undefined;
    const n =
      ((rest.charCodeAt(0) << 24) >>> 0) +
      (rest.charCodeAt(1) << 16) +
      (rest.charCodeAt(2) << 8) +
      rest.charCodeAt(3);
    if (n > rest.length - 4) return undefined;
    return rest.slice(4, 4 + n);
  }
  if (prefix === HASH_META_PREFIX) return rest;
  const sep = rest.indexOf("\u0000");
  return sep < 0 ? undefined : rest.slice(0, sep);
}
