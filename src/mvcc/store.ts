/**
 * In-memory multi-version store of one replica (docs/model.md, elastickv `store/mvcc_store.go`).
 *
 * Every key holds its versions in ascending commitTS order. Keys are byte strings (one char per
 * byte), so JavaScript string order is byte order and the B+ tree needs no custom encoding.
 * Versions are kept as two parallel arrays per key (timestamps, values with `null` for a
 * tombstone): the hot paths (point read at the newest ts, append at a newer ts, OCC latest-ts
 * probe) then touch one hash lookup and the tail of a number array. A sorted structure
 * (src/mvcc/sorted-keys.ts) orders the same per-key records for scans; point lookups go through a
 * Map because string compares down a tree cost several times a hash probe (see bench/mvcc.ts).
 *
 * Deleted keys stay (OCC needs their newest timestamp), and a simulated collection leaves long runs
 * of them: every delta the compactor folds and every popped item is a tombstone, and prefix scans
 * under a list or hash walked all of them. So a key whose newest version is a tombstone old enough
 * that reads no longer come from before it is moved out of the scan tree into a "cold" tree. A
 * scan at or above that age (`deadFloor`) cannot see a cold key and skips the cold tree; an older
 * scan merges both, so every read stays exact. The floor trails the reads actually made, which is
 * what keeps older scans rare.
 */
import { SortedKeys } from "./sorted-keys.ts";
import type { Mutation, StoreView } from "./types.ts";

interface KeyVersions {
  /** Ascending commit timestamps. */
  ts: number[];
  /** Value at the same index; `null` is a tombstone. */
  vals: Array<string | null>;
  /** In the cold tree: the newest version is a tombstone at or below `deadFloor`. */
  cold: boolean;
}

/** Newly tombstoned keys collected between sweeps of the cold tree. */
const SWEEP_STEP = 8;

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
  /** Keys a scan at or above `deadFloor` may see (all but the cold ones). */
  private tree = new SortedKeys<KeyVersions>();
  /** Keys whose newest version is a tombstone at or below `deadFloor`. */
  private cold = new SortedKeys<KeyVersions>();
  /** Same records as both trees, by key, for point lookups. */
  private index = new Map<string, KeyVersions>();
  private deadFloor = 0;
  /**
   * Keys that got a tombstone as their newest version, with its ts, in the order they got it
   * (from `dyingHead` on). A key may appear more than once; the sweep checks its current state.
   */
  private dyingKeys: string[] = [];
  private dyingTS: number[] = [];
  private dyingHead = 0;
  private diedSinceSweep = 0;
  /** lastCommitTS at the previous sweep, and the oldest scan since: the next floor is their minimum. */
  private lastAtSweep = 0;
  private minScanTS = Number.POSITIVE_INFINITY;
  private last = 0;
  private minRetained = 0;
  private versions = 0;
  /** Pinned read timestamps (multiset): compaction never passes the smallest. */
  private readonly pins = new Map<number, number>();

  // The scan in progress, read by `collect`: one callback for every scan rather than a closure per
  // scan (a command makes several). Rows are gathered into `scratch`, kept from scan to scan, from
  // `scanAt` up to `scanEnd`, and each scan's result is one copy of exactly its rows: most scans
  // return a row or a few, and an array grown by `push` took 17 slots or more for any of them.
  private readonly scratch: string[] = [];
  /** Where the next row goes in `scratch`. */
  private scanAt0 = 0;
  private scanTS = 0;
  /** Index in `scratch` at which the scan stops: its start plus twice the row limit. */
  private scanEnd = 0;
  private readonly collect = (k: string, e: KeyVersions): boolean => {
    const i = visibleIndex(e.ts, this.scanTS);
    if (i < 0) return false;
    const v = e.vals[i];
    if (v === null) return false;
    const out = this.scratch;
    const at = this.scanAt0;
    out[at] = k;
    out[at + 1] = v;
    this.scanAt0 = at + 2;
    return at + 2 >= this.scanEnd;
  };

  /** Number of stored versions, tombstones included. */
  get versionCount(): number {
    return this.versions;
  }

  /** Number of keys with at least one version (tombstoned keys included). */
  get keyCount(): number {
    return this.tree.size + this.cold.size;
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
    const rows = this.scanRows(start, end, limit, ts, reverse);
    const out: Array<[string, string]> = [];
    for (let i = 0; i < rows.length; i += 2) out.push([rows[i], rows[i + 1]]);
    return out;
  }

  /**
   * `scanAt` as one flat array: each key followed by its value. The command layer reads every
   * scan this way: a pair per row was the largest single allocation of a simulation (about 9 % of
   * all bytes allocated in `sim fuzz mixed`), most of it rows read once and dropped.
   */
  scanRows(start: string, end: string, limit: number, ts: number, reverse = false): string[] {
    if (ts < this.minRetained) this.checkReadTS(ts);
    if (limit <= 0) return [];
    const unbounded = end === "";
    if (!unbounded && end <= start) return [];
    if (ts < this.minScanTS) this.minScanTS = ts;
    const n = this.scanTree(this.tree, 0, start, unbounded ? undefined : end, limit, ts, reverse);
    if (ts < this.deadFloor && this.cold.size !== 0) {
      // A scan older than the cold floor: a key lives in one tree only, so the first `limit`
      // visible keys of both trees together are among the first `limit` of each.
      const m = this.scanTree(this.cold, n, start, unbounded ? undefined : end, limit, ts, reverse);
      if (m !== n) {
        const s = this.scratch;
        return mergeFlatRows(s.slice(0, n), s.slice(n, m), limit, reverse);
      }
    }
    return this.scratch.slice(0, n);
  }

  /**
   * Gathers the first `limit` keys of `t` in [start, end) visible at ts into `scratch` from index
   * `from` on (flat rows); returns the index after the last.
   */
  private scanTree(
    t: SortedKeys<KeyVersions>,
    from: number,
    start: string,
    end: string | undefined,
    limit: number,
    ts: number,
    reverse: boolean,
  ): number {
    this.scanAt0 = from;
    this.scanTS = ts;
    this.scanEnd = from + limit * 2;
    if (reverse) t.descend(start, end, this.collect);
    else t.ascend(start, end, this.collect);
    return this.scanAt0;
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

  /** The version at exactly `ts`: its value, null for a tombstone, undefined when there is none. */
  versionAt(key: string, ts: number): string | null | undefined {
    const e = this.index.get(key);
    if (e === undefined) return undefined;
    // A binary search (the newest version first): every apply probes its keys at its commitTS, and
    // a fence key has a version per write to its collection.
    const i = exactIndex(e.ts, ts);
    return i < 0 ? undefined : (e.vals[i] ?? null);
  }

  /** All versions of key, oldest first (for tests and traces). */
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
   * OCC apply (docs/model.md): only when lastCommitTS > startTS, every write key then every read key
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
    if (this.diedSinceSweep >= SWEEP_STEP) this.sweep();
    return OK;
  }

  private writeVersion(key: string, ts: number, value: string | null): void {
    const e = this.index.get(key);
    if (e === undefined) {
      const rec: KeyVersions = { ts: [ts], vals: [value], cold: false };
      this.tree.set(key, rec);
      this.index.set(key, rec);
      this.versions++;
      if (value === null) this.died(key, ts);
      return;
    }
    const a = e.ts;
    const n = a.length;
    if (a[n - 1] < ts) {
      a.push(ts);
      e.vals.push(value);
      this.versions++;
      this.newestChanged(key, e, value, ts);
      return;
    }
    const i = visibleIndex(a, ts);
    if (i >= 0 && a[i] === ts) {
      // Idempotent replay of a version at an existing ts overwrites it.
      e.vals[i] = value;
      if (i === n - 1) this.newestChanged(key, e, value, ts);
      return;
    }
    // Below the newest version: which tree the key belongs in does not change.
    a.splice(i + 1, 0, ts);
    e.vals.splice(i + 1, 0, value);
    this.versions++;
  }

  private died(key: string, ts: number): void {
    this.dyingKeys.push(key);
    this.dyingTS.push(ts);
    this.diedSinceSweep++;
  }

  /** The newest version of key is now `value` at ts: a revived cold key returns to the scan tree. */
  private newestChanged(key: string, e: KeyVersions, value: string | null, ts: number): void {
    if (value === null) {
      if (!e.cold) this.died(key, ts);
      return;
    }
    if (!e.cold) return;
    e.cold = false;
    this.cold.delete(key);
    this.tree.set(key, e);
  }

  /**
   * Raises the floor to what reads have shown they no longer need (the oldest scan since the
   * previous sweep; with none, the last commit at the previous sweep), then moves the tombstoned
   * keys below it out of the scan tree. A later scan from further back is still exact, only
   * slower (it merges both trees).
   */
  private sweep(): void {
    const floor = Math.min(this.lastAtSweep, this.minScanTS);
    this.lastAtSweep = this.last;
    this.minScanTS = Number.POSITIVE_INFINITY;
    if (floor > this.deadFloor) this.deadFloor = floor;
    this.diedSinceSweep = 0;
    const keys = this.dyingKeys;
    const tss = this.dyingTS;
    // Deaths come in (nearly) ascending ts: stop at the first one above the floor. One that came
    // out of order waits for a later sweep, which is only slower, never wrong.
    let h = this.dyingHead;
    for (; h < keys.length && tss[h] <= this.deadFloor; h++) {
      const key = keys[h];
      const e = this.index.get(key)!;
      const n = e.ts.length - 1;
      // Revived, already moved, or dead again since (a later entry stands for that).
      if (e.cold || e.vals[n] !== null || e.ts[n] > this.deadFloor) continue;
      e.cold = true;
      this.tree.delete(key);
      this.cold.set(key, e);
    }
    if (h > 1024 && h * 2 > keys.length) {
      this.dyingKeys = keys.slice(h);
      this.dyingTS = tss.slice(h);
      h = 0;
    }
    this.dyingHead = h;
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
    // Never the newest version: which tree a key is in stays right.
    for (const e of this.index.values()) {
      const keep = visibleIndex(e.ts, minTS);
      if (keep > 0) {
        e.ts.splice(0, keep);
        e.vals.splice(0, keep);
        removed += keep;
      }
    }
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
    this.forEachOrdered((k, e) => {
      let line = JSON.stringify(k);
      for (let i = 0; i < e.ts.length; i++) {
        const v = e.vals[i];
        line += ` ${e.ts[i]}${v === null ? "!" : `=${JSON.stringify(v)}`}`;
      }
      parts.push(line);
    });
    return parts.join("\n");
  }

  /** Every key of both trees in key order. */
  private forEachOrdered(fn: (k: string, e: KeyVersions) => void): void {
    if (this.cold.size === 0) {
      this.tree.forEach(fn);
      return;
    }
    // Only snapshots of a store with cold keys come here: the index holds every key of both trees.
    for (const k of [...this.index.keys()].sort()) fn(k, this.index.get(k)!);
  }

  /** Deep copy (pins are reader state and are not copied). */
  clone(): MvccStore {
    const c = new MvccStore();
    const copy = (e: KeyVersions): KeyVersions => ({ ts: e.ts.slice(), vals: e.vals.slice(), cold: e.cold });
    c.tree = this.tree.map(copy);
    c.cold = this.cold.map(copy);
    c.tree.forEach((k, e) => {
      c.index.set(k, e);
    });
    c.cold.forEach((k, e) => {
      c.index.set(k, e);
    });
    c.last = this.last;
    c.minRetained = this.minRetained;
    c.versions = this.versions;
    c.deadFloor = this.deadFloor;
    c.dyingKeys = this.dyingKeys.slice(this.dyingHead);
    c.dyingTS = this.dyingTS.slice(this.dyingHead);
    c.diedSinceSweep = this.diedSinceSweep;
    c.lastAtSweep = this.lastAtSweep;
    c.minScanTS = this.minScanTS;
    return c;
  }
}

/** Two key-ordered flat row lists (key, value, key, value, …) with no key in common, merged in order (descending when reverse), cut at limit rows. */
function mergeFlatRows(a: string[], b: string[], limit: number, reverse: boolean): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit * 2 && (i < a.length || j < b.length)) {
    if (j === b.length || (i < a.length && (reverse ? a[i] > b[j] : a[i] < b[j]))) {
      out.push(a[i], a[i + 1]);
      i += 2;
    } else {
      out.push(b[j], b[j + 1]);
      j += 2;
    }
  }
  return out;
}
