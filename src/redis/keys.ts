/**
 * Storage key layouts and value codecs of elastickv's Redis adapter (docs/model.md), as byte strings
 * (one char per byte, so string order is byte order).
 *
 * Two layouts exist because B16 is a layout bug: `length-prefixed` is HEAD (`u32be(len) ‖ userKey`
 * in every delta/claim/hash key, `store/list_helpers.go`), `null-separator` is the PR #485 draft
 * (`userKey ‖ 0x00 ‖ suffix`), whose scan prefix for `foo` also covers every user key starting
 * with `foo\0`. List base meta and items carry no length prefix in either layout, as in HEAD.
 */

export type KeyLayout = "length-prefixed" | "null-separator";

// ---------------------------------------------------------------------------------------------
// Encoding primitives (docs/model.md)
// ---------------------------------------------------------------------------------------------

const TWO32 = 0x1_0000_0000;

function u32Chars(n: number): string {
  return String.fromCharCode((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function readU32(s: string, at: number): number {
  return (
    ((s.charCodeAt(at) << 24) >>> 0) +
    (s.charCodeAt(at + 1) << 16) +
    (s.charCodeAt(at + 2) << 8) +
    s.charCodeAt(at + 3)
  );
}

/** 4-byte big-endian unsigned integer (user-key length, seqInTxn). */
export function u32be(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= TWO32) throw new RangeError(`u32 out of range: ${n}`);
  return u32Chars(n);
}

export function decodeU32be(s: string, at = 0): number {
  return readU32(s, at);
}

/**
 * 8-byte big-endian unsigned integer. HLC timestamps are below 2^53, so the high word is
 * `floor(ts / 2^32)` and the low word `ts mod 2^32`, both exact in doubles.
 */
export function u64be(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`u64 out of range: ${n}`);
  return u32Chars(Math.floor(n / TWO32)) + u32Chars(n % TWO32);
}

export function decodeU64be(s: string, at = 0): number {
  const hi = readU32(s, at);
  const lo = readU32(s, at + 4);
  const v = hi * TWO32 + lo;
  if (!Number.isSafeInteger(v)) throw new RangeError("u64 beyond 2^53");
  return v;
}

/** ts8: a commit timestamp as 8 bytes big-endian. */
export const ts8 = u64be;

/** 8-byte big-endian two's complement of a (safe) signed integer. */
export function i64be(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`i64 out of range: ${n}`);
  if (n >= 0) return u32Chars(Math.floor(n / TWO32)) + u32Chars(n % TWO32);
  // -m in two's complement is ~(m-1): complement both words of m-1.
  const m1 = -n - 1;
  return u32Chars(0xffffffff - Math.floor(m1 / TWO32)) + u32Chars(0xffffffff - (m1 % TWO32));
}

export function decodeI64be(s: string, at = 0): number {
  const hi = readU32(s, at);
  const lo = readU32(s, at + 4);
  if (hi < 0x80000000) {
    const v = hi * TWO32 + lo;
    if (!Number.isSafeInteger(v)) throw new RangeError("i64 beyond 2^53");
    return v;
  }
  const m1 = (0xffffffff - hi) * TWO32 + (0xffffffff - lo);
  const v = -m1 - 1;
  if (!Number.isSafeInteger(v)) throw new RangeError("i64 beyond -2^53");
  return v;
}

/**
 * sortable8(seq): `uint64(seq XOR MinInt64)` big-endian, i.e. two's complement with the sign bit
 * flipped, so that negative sequences (after LPUSH) sort before non-negative ones. Built in one
 * call: every list item and claim key ends with one.
 */
export function sortable8(seq: number): string {
  if (!Number.isSafeInteger(seq)) throw new RangeError(`i64 out of range: ${seq}`);
  let hi: number;
  let lo: number;
  if (seq >= 0) {
    hi = Math.floor(seq / TWO32);
    lo = seq % TWO32;
  } else {
    const m1 = -seq - 1;
    hi = 0xffffffff - Math.floor(m1 / TWO32);
    lo = 0xffffffff - (m1 % TWO32);
  }
  return String.fromCharCode(
    ((hi >>> 24) & 0xff) ^ 0x80,
    (hi >>> 16) & 0xff,
    (hi >>> 8) & 0xff,
    hi & 0xff,
    (lo >>> 24) & 0xff,
    (lo >>> 16) & 0xff,
    (lo >>> 8) & 0xff,
    lo & 0xff,
  );
}

/** ts8(ts) ‖ u32be(seq) in one call (the suffix of every delta key). */
function deltaSuffix(ts: number, seq: number): string {
  if (!Number.isSafeInteger(ts) || ts < 0) throw new RangeError(`u64 out of range: ${ts}`);
  if (!Number.isInteger(seq) || seq < 0 || seq >= TWO32) throw new RangeError(`u32 out of range: ${seq}`);
  const hi = Math.floor(ts / TWO32);
  const lo = ts % TWO32;
  return String.fromCharCode(
    (hi >>> 24) & 0xff,
    (hi >>> 16) & 0xff,
    (hi >>> 8) & 0xff,
    hi & 0xff,
    (lo >>> 24) & 0xff,
    (lo >>> 16) & 0xff,
    (lo >>> 8) & 0xff,
    lo & 0xff,
    (seq >>> 24) & 0xff,
    (seq >>> 16) & 0xff,
    (seq >>> 8) & 0xff,
    seq & 0xff,
  );
}

/** Derived keys cached per argument, so that a bounded workload does not grow it without end. */
const MEMO_LIMIT = 4096;

/**
 * Caches a key derived from one string. Commands rebuild the same meta keys, scan prefixes and
 * fences many times per command; the cached string comes back already flat and with its hash
 * computed, which the store's lookups then reuse.
 */
export function memoKey<T = string>(f: (u: string) => T): (u: string) => T {
  let m = new Map<string, T>();
  return (u) => {
    let v = m.get(u);
    if (v === undefined) {
      if (m.size >= MEMO_LIMIT) m = new Map();
      v = f(u);
      m.set(u, v);
    }
    return v;
  };
}

export function decodeSortable8(s: string, at = 0): number {
  const raw = s.slice(at, at + 8);
  return decodeI64be(String.fromCharCode(raw.charCodeAt(0) ^ 0x80) + raw.slice(1));
}

/**
 * Exclusive end of a prefix scan: the prefix with its last byte incremented (carrying over 0xff).
 * An all-0xff prefix has no end: "" is the store's "no upper bound" (a nil end key).
 */
export const prefixEnd: (prefix: string) => string = memoKey((prefix) => {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return "";
});

// ---------------------------------------------------------------------------------------------
// Prefixes (docs/model.md)
// ---------------------------------------------------------------------------------------------

export const LIST_META_PREFIX = "!lst|meta|";
export const LIST_ITEM_PREFIX = "!lst|itm|";
export const LIST_DELTA_PREFIX = "!lst|meta|d|";
export const LIST_CLAIM_PREFIX = "!lst|claim|";
export const HASH_META_PREFIX = "!hs|meta|";
export const HASH_FIELD_PREFIX = "!hs|fld|";
export const HASH_DELTA_PREFIX = "!hs|meta|d|";
export const SET_META_PREFIX = "!st|meta|";
export const SET_MEMBER_PREFIX = "!st|mem|";
export const SET_DELTA_PREFIX = "!st|meta|d|";
export const ZSET_META_PREFIX = "!zs|meta|";
export const ZSET_MEMBER_PREFIX = "!zs|mem|";
export const ZSET_DELTA_PREFIX = "!zs|meta|d|";
export const STREAM_META_PREFIX = "!stream|meta|";
export const STR_PREFIX = "!redis|str|";
export const LEGACY_HASH_PREFIX = "!redis|hash|";
export const LEGACY_SET_PREFIX = "!redis|set|";
export const LEGACY_ZSET_PREFIX = "!redis|zset|";
export const HLL_PREFIX = "!redis|hll|";
export const LEGACY_STREAM_PREFIX = "!redis|stream|";
export const TTL_PREFIX = "!redis|ttl|";
export const FENCE_HASH_PREFIX = "!redis|txn-wide-hash|";
export const FENCE_SET_PREFIX = "!redis|txn-wide-set|";
export const FENCE_LIST_PREFIX = "!redis|txn-wide-list|";
export const FENCE_ZSET_PREFIX = "!redis|txn-wide-zset|";

/** Fixed suffix sizes after the user key: ts8 ‖ seq4 for deltas, sortable8 for claims/items. */
export const DELTA_SUFFIX_SIZE = 12;
export const SEQ_SUFFIX_SIZE = 8;

// ---------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------

/** All key builders for one layout. `userKey` is a byte string. */
export interface Keys {
  readonly layout: KeyLayout;
  /** `prefix ‖ u32be(len) ‖ userKey` (HEAD) or `prefix ‖ userKey ‖ 0x00` (B16). */
  scoped(prefix: string, userKey: string): string;

  listMeta(userKey: string): string;
  listItem(userKey: string, seq: number): string;
  /** Start of the item range of `userKey` (no length prefix, as in HEAD). */
  listItemPrefix(userKey: string): string;
  listDelta(userKey: string, commitTS: number, seqInTxn: number): string;
  listDeltaPrefix(userKey: string): string;
  listClaim(userKey: string, seq: number): string;
  listClaimPrefix(userKey: string): string;

  hashMeta(userKey: string): string;
  hashField(userKey: string, field: string): string;
  hashFieldPrefix(userKey: string): string;
  hashDelta(userKey: string, commitTS: number, seqInTxn: number): string;
  hashDeltaPrefix(userKey: string): string;

  setMeta(userKey: string): string;
  setMemberPrefix(userKey: string): string;
  setDeltaPrefix(userKey: string): string;
  zsetMeta(userKey: string): string;
  zsetMemberPrefix(userKey: string): string;
  zsetDeltaPrefix(userKey: string): string;
  streamMeta(userKey: string): string;

  /** `!redis|txn-wide-<type>|userKey` (docs/model.md). */
  fence(type: "list" | "hash" | "set" | "zset", userKey: string): string;
  /** All four wide fences, in HEAD's order (hash, set, list, zset). */
  allFences(userKey: string): string[];
  /** The nine keys EXEC read-tracks whenever it stages a key's type (`trackTypeReadKeys`). */
  typeProbeReadKeys(userKey: string): readonly string[];
  ttl(userKey: string): string;
  str(userKey: string): string;
  legacyHash(userKey: string): string;

  /** Seq of an item key of exactly `userKey` (exact 8-byte suffix check), else undefined. */
  itemSeq(itemKey: string, userKey: string): number | undefined;
  /** Seq of a claim key of exactly `userKey`, else undefined. */
  claimSeq(claimKey: string, userKey: string): number | undefined;
  /** User key of a list/hash delta key (`prefix` = LIST_DELTA_PREFIX or HASH_DELTA_PREFIX). */
  deltaUserKey(deltaKey: string, prefix: string): string | undefined;
  /** The ts8 embedded in a delta key, given that key's scan prefix. */
  deltaCommitTS(deltaKey: string, scanPrefix: string): number | undefined;
  /** Field name of a hash field key of exactly `userKey`, else undefined. */
  hashFieldName(fieldKey: string, userKey: string): string | undefined;
  /** User key of a claim key. */
  claimUserKey(claimKey: string): string | undefined;
}

/** The `Keys` methods that read a key apart; the rest build keys. */
type KeyParsers = Pick<
  Keys,
  "itemSeq" | "claimSeq" | "deltaUserKey" | "deltaCommitTS" | "hashFieldName" | "claimUserKey"
>;
type KeyBuilders = Omit<Keys, keyof KeyParsers>;

/**
 * Built in two halves, builders then parsers, because the parsers need the builders' memoized
 * prefixes and nothing else of them.
 */
function makeKeys(layout: KeyLayout): Keys {
  const builders = keyBuilders(layout);
  return { ...builders, ...keyParsers(layout === "length-prefixed", builders) };
}

function keyBuilders(layout: KeyLayout): KeyBuilders {
  const lp = layout === "length-prefixed";
  const scoped = lp
    ? (prefix: string, userKey: string) => prefix + u32be(userKey.length) + userKey
    : (prefix: string, userKey: string) => `${prefix}${userKey}\u0000`;

  const listMeta = memoKey((u) => LIST_META_PREFIX + u);
  const listItemPrefix = memoKey((u) => LIST_ITEM_PREFIX + u);
  const listDeltaPrefix = memoKey((u) => scoped(LIST_DELTA_PREFIX, u));
  const listClaimPrefix = memoKey((u) => scoped(LIST_CLAIM_PREFIX, u));
  const hashMeta = memoKey((u) => (lp ? scoped(HASH_META_PREFIX, u) : HASH_META_PREFIX + u));
  const hashFieldPrefix = memoKey((u) => scoped(HASH_FIELD_PREFIX, u));
  const hashDeltaPrefix = memoKey((u) => scoped(HASH_DELTA_PREFIX, u));
  const fenceOf = {
    list: memoKey((u) => FENCE_LIST_PREFIX + u),
    hash: memoKey((u) => FENCE_HASH_PREFIX + u),
    set: memoKey((u) => FENCE_SET_PREFIX + u),
    zset: memoKey((u) => FENCE_ZSET_PREFIX + u),
  };
  const str = memoKey((u) => STR_PREFIX + u);
  const legacyHash = memoKey((u) => LEGACY_HASH_PREFIX + u);
  const streamMeta = (u: string) => (lp ? scoped(STREAM_META_PREFIX, u) : STREAM_META_PREFIX + u);

  return {
    layout,
    scoped,
    listMeta,
    listItem: (u, seq) => listItemPrefix(u) + sortable8(seq),
    listItemPrefix,
    listDelta: (u, ts, s) => listDeltaPrefix(u) + deltaSuffix(ts, s),
    listDeltaPrefix,
    listClaim: (u, seq) => listClaimPrefix(u) + sortable8(seq),
    listClaimPrefix,

    hashMeta,
    hashField: (u, f) => hashFieldPrefix(u) + f,
    hashFieldPrefix,
    hashDelta: (u, ts, s) => hashDeltaPrefix(u) + deltaSuffix(ts, s),
    hashDeltaPrefix,

    setMeta: (u) => (lp ? scoped(SET_META_PREFIX, u) : SET_META_PREFIX + u),
    setMemberPrefix: (u) => scoped(SET_MEMBER_PREFIX, u),
    setDeltaPrefix: (u) => scoped(SET_DELTA_PREFIX, u),
    zsetMeta: (u) => (lp ? scoped(ZSET_META_PREFIX, u) : ZSET_META_PREFIX + u),
    zsetMemberPrefix: (u) => scoped(ZSET_MEMBER_PREFIX, u),
    zsetDeltaPrefix: (u) => scoped(ZSET_DELTA_PREFIX, u),
    streamMeta,

    fence: (type, u) => fenceOf[type](u),
    allFences: (u) => [
      FENCE_HASH_PREFIX + u,
      FENCE_SET_PREFIX + u,
      FENCE_LIST_PREFIX + u,
      FENCE_ZSET_PREFIX + u,
    ],
    // Cached like the single keys: EXEC tracks all nine every time it stages a key's type, and
    // each fresh string cost its hash again in the read set and in every store lookup of it.
    typeProbeReadKeys: memoKey((u) =>
      Object.freeze([
        LIST_META_PREFIX + u,
        LEGACY_HASH_PREFIX + u,
        LEGACY_SET_PREFIX + u,
        LEGACY_ZSET_PREFIX + u,
        LEGACY_STREAM_PREFIX + u,
        streamMeta(u),
        HLL_PREFIX + u,
        STR_PREFIX + u,
        u,
      ]),
    ),
    ttl: (u) => TTL_PREFIX + u,
    str,
    legacyHash,
  };
}

function keyParsers(lp: boolean, b: KeyBuilders): KeyParsers {
  /** User key of `prefix ‖ scope(userKey) ‖ suffix` where suffix has a fixed size. */
  const userKeyOf = (key: string, prefix: string, suffixLen: number): string | undefined => {
    if (!key.startsWith(prefix)) return undefined;
    const rest = key.slice(prefix.length);
    if (lp) {
      if (rest.length < 4 + suffixLen) return undefined;
      const n = readU32(rest, 0);
      if (n > rest.length - 4 - suffixLen) return undefined;
      return rest.slice(4, 4 + n);
    }
    // The separator is found from the end: the suffix has a fixed size.
    const sep = rest.length - suffixLen - 1;
    if (sep < 0 || rest.charCodeAt(sep) !== 0) return undefined;
    return rest.slice(0, sep);
  };

  return {
    itemSeq: (itemKey, u) => {
      const p = b.listItemPrefix(u);
      if (itemKey.length !== p.length + SEQ_SUFFIX_SIZE || !itemKey.startsWith(p)) return undefined;
      return decodeSortable8(itemKey, p.length);
    },
    claimSeq: (claimKey, u) => {
      const p = b.listClaimPrefix(u);
      if (claimKey.length !== p.length + SEQ_SUFFIX_SIZE || !claimKey.startsWith(p)) return undefined;
      return decodeSortable8(claimKey, p.length);
    },
    deltaUserKey: (deltaKey, prefix) => userKeyOf(deltaKey, prefix, DELTA_SUFFIX_SIZE),
    deltaCommitTS: (deltaKey, scanPrefix) => {
      if (!deltaKey.startsWith(scanPrefix) || deltaKey.length < scanPrefix.length + 8) return undefined;
      return decodeU64be(deltaKey, scanPrefix.length);
    },
    hashFieldName: (fieldKey, u) => {
      const p = b.hashFieldPrefix(u);
      return fieldKey.startsWith(p) ? fieldKey.slice(p.length) : undefined;
    },
    claimUserKey: (claimKey) => userKeyOf(claimKey, LIST_CLAIM_PREFIX, SEQ_SUFFIX_SIZE),
  };
}

const layouts: Record<KeyLayout, Keys> = {
  "length-prefixed": makeKeys("length-prefixed"),
  "null-separator": makeKeys("null-separator"),
};

export function keysFor(layout: KeyLayout): Keys {
  return layouts[layout];
}

// ---------------------------------------------------------------------------------------------
// Value codecs (docs/model.md)
// ---------------------------------------------------------------------------------------------

export class CodecError extends Error {}

export interface ListMeta {
  head: number;
  tail: number;
  len: number;
  expireAt: number;
}

/** 32 bytes: Head i64, Tail i64, Len u64, ExpireAtMs u64. Tail is recomputed as Head + Len. */
export function encodeListMeta(m: { head: number; len: number; expireAt?: number }): string {
  if (m.len < 0) throw new CodecError(`list meta contains negative len: ${m.len}`);
  return i64be(m.head) + i64be(m.head + m.len) + u64be(m.len) + u64be(m.expireAt ?? 0);
}

/** Accepts the current 32-byte and the legacy 24-byte form; enforces Tail == Head + Len. */
export function decodeListMeta(v: string): ListMeta {
  if (v.length !== 32 && v.length !== 24) throw new CodecError(`invalid list meta length: ${v.length}`);
  const head = decodeI64be(v, 0);
  const tail = decodeI64be(v, 8);
  if (v.charCodeAt(16) >= 0x80) throw new CodecError("list meta length overflows int64");
  const len = decodeU64be(v, 16);
  if (tail !== head + len) {
    throw new CodecError(`list meta invariant violated: tail (${tail}) != head+len (${head + len})`);
  }
  return { head, tail, len, expireAt: v.length === 32 ? decodeU64be(v, 24) : 0 };
}

export interface ListDelta {
  headDelta: number;
  lenDelta: number;
}

/** 16 bytes: HeadDelta i64, LenDelta i64. */
export function encodeListDelta(d: ListDelta): string {
  return i64be(d.headDelta) + i64be(d.lenDelta);
}

export function decodeListDelta(v: string): ListDelta {
  if (v.length !== 16) throw new CodecError(`invalid list meta delta length: ${v.length}`);
  return { headDelta: decodeI64be(v, 0), lenDelta: decodeI64be(v, 8) };
}

export interface HashMeta {
  len: number;
  expireAt: number;
}

/** 16 bytes: Len i64, ExpireAtMs u64 (legacy form: 8 bytes). */
export function encodeHashMeta(m: { len: number; expireAt?: number }): string {
  return i64be(m.len) + u64be(m.expireAt ?? 0);
}

export function decodeHashMeta(v: string): HashMeta {
  if (v.length !== 16 && v.length !== 8) throw new CodecError(`invalid hash meta length: ${v.length}`);
  return { len: decodeI64be(v, 0), expireAt: v.length === 16 ? decodeU64be(v, 8) : 0 };
}

/** 8 bytes: LenDelta i64. */
export function encodeHashDelta(lenDelta: number): string {
  return i64be(lenDelta);
}

export function decodeHashDelta(v: string): number {
  if (v.length !== 8) throw new CodecError(`invalid hash meta delta length: ${v.length}`);
  return decodeI64be(v, 0);
}

/** Printable form of a byte-string key for traces and invariant messages. */
export function showKey(key: string): string {
  let out = "";
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    out += c >= 0x20 && c < 0x7f && c !== 0x5c ? key[i] : `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return out;
}
