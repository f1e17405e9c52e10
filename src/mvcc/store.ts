/**
 * In-memory multi-version store of one replica (spec §2, elastickv `store/mvcc_store.go`).
 *
 * Every key holds its versions in ascending commitTS order. Keys are byte strings (one char per
 * byte), so JavaScript string order is byte order and the B+ tree needs no custom encoding.
 * Versions are kept as two parallel arrays per key (timestamps, values with `null` for a
 * tombstone): the hot paths (point read at the newest ts, append at a newer ts, OCC latest-ts
 * probe) then touch one hash lookup and the tail of a number array. The B+ tree orders the same
 * per-key records for scans; point lookups go through a Map because string compares down a tree
 * cost several times a hash probe (see bench/mvcc.ts).
 */
import btreeModule from "sorted-btree";
import type { Mutation, StoreView } from "../kv/types.ts";

type BTreeClass = typeof btreeModule.default;
type BTree<K, V> = import("sorted-btree").default<K, V>;
// sorted-btree is CommonJS: Node's ESM loader hands us module.exports, some bundlers the class.
const BTreeCtor: BTreeClass =
  typeof btreeModule === "function" ? (btreeModule as unknown as BTreeClass) : btreeModule.default;

interface KeyVersions {
  /** Ascending commit timestamps. */
  ts: number[];
  /** Value at the same index; `null` is a tombstone. */
  vals: Array<string | null>;
}

export interface Version {
  ts: number;
  value: string;
  tombstone: boolean;
}

export type ApplyOutcome = { ok: true } | { ok: false; key: string };

export interface CompactResult {
  /** The retention floor actually used (clamped to the oldest pinned read ts). */
  minTS: number;
  /** Versions dropped. */
  removed: number;
}

/** A read below the retention floor (elastickv `ErrReadTSCompacted`). */
export class ReadTSCompactedError extends Error {
  readonly code = "ERR_READ_TS_COMPACTED";
  constructor(
    readonly readTS: number,
    readonly minRetainedTS: number,
  ) {
    super(`read timestamp ${readTS} is below the retained floor ${minRetainedTS}`);
    this.name = "ReadTSCompactedError";
  }
}

const OK: ApplyOutcome = Object.freeze({ ok: true }) as ApplyOutcome;
const BREAK = Object.freeze({ break: true });

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Index of the newest version with ts ≤ readTS, or -1. */
function visibleIndex(ts: number[], readTS: number): number {
  const last = ts.length - 1;
  if (last < 0) return -1;
  // Most reads are at or after the newest version.
  if (ts[last] <= readTS) return last;
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] <= readTS) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Index of the version at exactly `at`, or -1. */
function exactIndex(ts: number[], at: number): number {
  const i = visibleIndex(ts, at);
  return i >= 0 && ts[i] === at ? i : -1;
}

export class MvccStore implements StoreView {
  private tree: BTree<string, KeyVersions>;
  /** Same records as the tree, by key, for point lookups. */
  private index = new Map<string, KeyVersions>();
  private last = 0;
  private minRetained = 0;
  private versions = 0;
  /** Pinned read timestamps (multiset): compaction never passes the smallest. */
  private readonly pins = new Map<number, number>();

  constructor() {
    this.tree = new BTreeCtor<string, KeyVersions>(undefined, compareKeys);
  }

  /** Number of stored versions, tombstones included. */
  get versionCount(): number {
    return this.versions;
  }

  /** Number of keys with at least one version (tombstoned keys included). */
  get keyCount(): number {
    return this.tree.size;
  }

  lastCommitTS(): number {
    return this.last;
  }

  minRetainedTS(): number {
    return this.minRetained;
  }

  // ---- reads ----

  private checkReadTS(ts: number): void {
    // ts 0 is the "no snapshot yet" read and is never refused, as in elastickv.
    if (ts < this.minRetained && ts !== 0) throw new ReadTSCompactedError(ts, this.minRetained);
  }

  /** Value visible at ts; undefined when absent or tombstoned. Throws ReadTSCompactedError below the floor. */
  getAt(key: string, ts: number): string | undefined {
    if (ts < this.minRetained) this.checkReadTS(ts);
    const e = this.index.get(key);
    if (e === undefined) return undefined;
    const i = visibleIndex(e.ts, ts);
    if (i < 0) return undefined;
    const v = e.vals[i];
    return v === null ? undefined : v;
  }

  existsAt(key: string, ts: number): boolean {
    return this.getAt(key, ts) !== undefined;
  }

  /**
   * Keys in [start, end) visible at ts with their values, ascending (descending when reverse),
   * stopping after `limit` visible results. An empty `end` means no upper bound (a nil end key).
   */
  scanAt(start: string, end: string, limit: number, ts: number, reverse = false): Array<[string, string]> {
    if (ts < this.minRetained) this.checkReadTS(ts);
    const out: Array<[string, string]> = [];
    if (limit <= 0) return out;
    const unbounded = end === "";
    if (!unbounded && end <= start) return out;
    if (!reverse) {
      const high = unbounded ? this.tree.maxKey() : end;
      if (high === undefined) return out;
      this.tree.forRange(start, high, unbounded, (k, e) => {
        const i = visibleIndex(e.ts, ts);
        if (i < 0) return;
        const v = e.vals[i];
        if (v === null) return;
        out.push([k, v]);
        if (out.length >= limit) return BREAK;
      });
      return out;
    }
    const reused: Array<string | KeyVersions> = [];
    const it = this.tree.entriesReversed(unbounded ? undefined : end, reused, !unbounded);
    for (let r = it.next(); !r.done; r = it.next()) {
      const k = r.value[0];
      if (k < start) break;
      const e = r.value[1];
      const i = visibleIndex(e.ts, ts);
      if (i < 0) continue;
      const v = e.vals[i];
      if (v === null) continue;
      out.push([k, v]);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Timestamp of the newest version of key (tombstones included), 0 if none. Used by OCC only. */
  latestCommitTS(key: string): number {
    const e = this.index.get(key);
    if (e === undefined) return 0;
    return e.ts[e.ts.length - 1];
  }

  /** Whether key has a version (tombstone included) at exactly ts. No retention check. */
  committedVersionAt(key: string, ts: number): boolean {
    const e = this.index.get(key);
    return e !== undefined && exactIndex(e.ts, ts) >= 0;
  }

  /** All versions of key, oldest first (for tests and traces). */
  /** The version at exactly `ts`: its value, null for a tombstone, undefined when there is none. */
  versionAt(key: string, ts: number): string | null | undefined {
    const e = this.index.get(key);
    if (e === undefined) return undefined;
    const i = e.ts.indexOf(ts);
    return i < 0 ? undefined : (e.vals[i] ?? null);
  }

  versionsOf(key: string): Version[] {
    const e = this.index.get(key);
    if (e === undefined) return [];
    return e.ts.map((ts, i) => {
      const v = e.vals[i];
      return { ts, value: v ?? "", tombstone: v === null };
    });
  }

  // ---- writes ----

  /**
   * OCC apply (spec §1.4): only when lastCommitTS > startTS, every write key then every read key
   * conflicts iff its newest version is strictly newer than startTS; a conflict writes nothing.
   * Otherwise every mutation is written at commitTS (overwriting a version already at that ts)
   * and lastCommitTS advances to max(lastCommitTS, commitTS).
   */
  applyMutations(
    muts: readonly Mutation[],
    readKeys: readonly string[],
    startTS: number,
    commitTS: number,
  ): ApplyOutcome {
    if (this.last > startTS) {
      for (let i = 0; i < muts.length; i++) {
        const key = muts[i].key;
        if (this.latestCommitTS(key) > startTS) return { ok: false, key };
      }
      for (let i = 0; i < readKeys.length; i++) {
        const key = readKeys[i];
        if (this.latestCommitTS(key) > startTS) return { ok: false, key };
      }
    }
    for (let i = 0; i < muts.length; i++) {
      const m = muts[i];
      this.writeVersion(m.key, commitTS, m.op === "put" ? m.value : null);
    }
    if (commitTS > this.last) this.last = commitTS;
    return OK;
  }

  private writeVersion(key: string, ts: number, value: string | null): void {
    const e = this.index.get(key);
    if (e === undefined) {
      const rec: KeyVersions = { ts: [ts], vals: [value] };
      this.tree.set(key, rec);
      this.index.set(key, rec);
      this.versions++;
      return;
    }
    const a = e.ts;
    const n = a.length;
    if (a[n - 1] < ts) {
      a.push(ts);
      e.vals.push(value);
      this.versions++;
      return;
    }
    const i = visibleIndex(a, ts);
    if (i >= 0 && a[i] === ts) {
      // Idempotent replay of a version at an existing ts overwrites it.
      e.vals[i] = value;
      return;
    }
    a.splice(i + 1, 0, ts);
    e.vals.splice(i + 1, 0, value);
    this.versions++;
  }

  // ---- retention ----

  pinReadTS(ts: number): void {
    this.pins.set(ts, (this.pins.get(ts) ?? 0) + 1);
  }

  unpinReadTS(ts: number): void {
    const n = this.pins.get(ts);
    if (n === undefined) throw new Error(`unpinReadTS(${ts}): not pinned`);
    if (n <= 1) this.pins.delete(ts);
    else this.pins.set(ts, n - 1);
  }

  /** Smallest pinned read ts, or undefined when nothing is pinned. */
  minActiveReadTS(): number | undefined {
    let min: number | undefined;
    for (const ts of this.pins.keys()) if (min === undefined || ts < min) min = ts;
    return min;
  }

  /**
   * Retention GC: per key keep the newest version ≤ minTS and every newer one, then raise
   * minRetainedTS. minTS is clamped to the oldest pinned read ts so a pinned reader keeps its
   * snapshot. Tombstones are kept like any version: OCC still needs their timestamps.
   */
  compact(minTS: number): CompactResult {
    const pinned = this.minActiveReadTS();
    if (pinned !== undefined && minTS > pinned) minTS = pinned;
    let removed = 0;
    this.tree.forEachPair((_k, e) => {
      const keep = visibleIndex(e.ts, minTS);
      if (keep > 0) {
        e.ts.splice(0, keep);
        e.vals.splice(0, keep);
        removed += keep;
      }
    });
    this.versions -= removed;
    if (minTS > this.minRetained) this.minRetained = minTS;
    return { minTS, removed };
  }

  // ---- whole-store ----

  /**
   * Canonical text of the replicated state (lastCommitTS, retention floor, every version of every
   * key in key order): two replicas that applied the same log give identical strings.
   */
  snapshotBytes(): string {
    const parts: string[] = [`last=${this.last} minRetained=${this.minRetained}`];
    this.tree.forEachPair((k, e) => {
      let line = JSON.stringify(k);
      for (let i = 0; i < e.ts.length; i++) {
        const v = e.vals[i];
        line += ` ${e.ts[i]}${v === null ? "!" : `=${JSON.stringify(v)}`}`;
      }
      parts.push(line);
    });
    return parts.join("\n");
  }

  /** Deep copy (pins are reader state and are not copied). */
  clone(): MvccStore {
    const c = new MvccStore();
    c.tree = this.tree.mapValues((e) => ({ ts: e.ts.slice(), vals: e.vals.slice() }));
    c.tree.forEachPair((k, e) => {
      c.index.set(k, e);
    });
    c.last = this.last;
    c.minRetained = this.minRetained;
    c.versions = this.versions;
    return c;
  }
}
