/**
 * An ordered map from string keys to values, for the MVCC store's scan trees: a sorted list of
 * sorted leaves (two levels, like Python's sortedcontainers), with the operations the store needs
 * and no more: insert or replace, delete, ascending and descending range walks with early stop,
 * and an in-order walk of everything.
 *
 * Why not sorted-btree, which the store used before: the store's trees are small (a few hundred
 * to a few thousand keys in a run) and their keys are strings compared with `<`. sorted-btree is
 * generic (a comparator call per comparison, copy-on-write checks on every edit, iterator objects
 * for reversed walks), and in a CPU profile of `sim fuzz mixed` its functions took about 8 % of the
 * simulator's own time. On the store's own pattern (per step: insert a new list-item key, scan the
 * eight keys before it, delete an older one; keys like `!lst|itm|<user key>|<8 bytes>`), 100,000
 * steps took 57–61 ms of CPU here against 99–109 ms with sorted-btree at 1,000 keys, and 523–593 ms
 * against 708–839 ms at 100,000 keys (docs/performance.md, "Cost per op, a third pass").
 *
 * Keys are byte strings (one char per byte), so JavaScript's string order is byte order.
 */

export class SortedKeys<V> {
  /** First key of each leaf: a lower bound of every key in it, above every key of the leaf before. */
  private firsts: string[] = [];
  private keys: string[][] = [];
  private vals: V[][] = [];
  private count = 0;

  /** leafMax: most keys a leaf holds before it is split in two (small only in tests). */
  constructor(private readonly leafMax = 256) {}

  get size(): number {
    return this.count;
  }

  /** Sets key to v; true when the key is new. */
  set(key: string, v: V): boolean {
    if (this.count === 0) {
      this.firsts = [key];
      this.keys = [[key]];
      this.vals = [[v]];
      this.count = 1;
      return true;
    }
    const li = this.leafFor(key);
    const ks = this.keys[li];
    const i = lowerBound(ks, key);
    if (i < ks.length && ks[i] === key) {
      this.vals[li][i] = v;
      return false;
    }
    if (i === ks.length) {
      ks.push(key);
      this.vals[li].push(v);
    } else {
      ks.splice(i, 0, key);
      this.vals[li].splice(i, 0, v);
      if (i === 0) this.firsts[li] = key;
    }
    this.count++;
    if (ks.length > this.leafMax) this.split(li);
    return true;
  }

  /** Removes key; true when it was there. */
  delete(key: string): boolean {
    if (this.count === 0) return false;
    const li = this.leafFor(key);
    const ks = this.keys[li];
    const i = lowerBound(ks, key);
    if (i === ks.length || ks[i] !== key) return false;
    this.count--;
    if (ks.length === 1 && this.keys.length > 1) {
      this.firsts.splice(li, 1);
      this.keys.splice(li, 1);
      this.vals.splice(li, 1);
      return true;
    }
    ks.splice(i, 1);
    this.vals[li].splice(i, 1);
    if (i === 0 && ks.length > 0) this.firsts[li] = ks[0];
    return true;
  }

  /**
   * Calls fn for every key in [start, end) in ascending order (end undefined: no upper bound)
   * until fn returns true.
   */
  ascend(start: string, end: string | undefined, fn: (k: string, v: V) => boolean): void {
    if (this.count === 0) return;
    const keys = this.keys;
    const vals = this.vals;
    let li = this.leafFor(start);
    let i = lowerBound(keys[li], start);
    for (; li < keys.length; li++, i = 0) {
      const ks = keys[li];
      const vs = vals[li];
      for (; i < ks.length; i++) {
        const k = ks[i];
        if (end !== undefined && k >= end) return;
        if (fn(k, vs[i])) return;
      }
    }
  }

  /**
   * Calls fn for every key in [start, end) in descending order (end undefined: no upper bound)
   * until fn returns true.
   */
  descend(start: string, end: string | undefined, fn: (k: string, v: V) => boolean): void {
    if (this.count === 0) return;
    const keys = this.keys;
    const vals = this.vals;
    let li: number;
    let i: number;
    if (end === undefined) {
      li = keys.length - 1;
      i = keys[li].length - 1;
    } else {
      li = this.leafFor(end);
      i = lowerBound(keys[li], end) - 1;
    }
    for (; li >= 0; li--, i = li >= 0 ? keys[li].length - 1 : 0) {
      const ks = keys[li];
      const vs = vals[li];
      for (; i >= 0; i--) {
        const k = ks[i];
        if (k < start) return;
        if (fn(k, vs[i])) return;
      }
    }
  }

  /** Calls fn for every key in ascending order. */
  forEach(fn: (k: string, v: V) => void): void {
    const keys = this.keys;
    const vals = this.vals;
    for (let li = 0; li < keys.length; li++) {
      const ks = keys[li];
      const vs = vals[li];
      for (let i = 0; i < ks.length; i++) fn(ks[i], vs[i]);
    }
  }

  /** A copy with every value passed through f. */
  map<W>(f: (v: V) => W): SortedKeys<W> {
    const c = new SortedKeys<W>(this.leafMax);
    c.firsts = this.firsts.slice();
    c.keys = this.keys.map((ks) => ks.slice());
    c.vals = this.vals.map((vs) => vs.map(f));
    c.count = this.count;
    return c;
  }

  /** Index of the leaf that holds key, or where it belongs: the last whose first key is ≤ key. */
  private leafFor(key: string): number {
    const f = this.firsts;
    let lo = 0;
    let hi = f.length - 1;
    if (f[hi] <= key) return hi;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (f[mid] <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private split(li: number): void {
    const ks = this.keys[li];
    const half = ks.length >>> 1;
    const rightKeys = ks.splice(half);
    const rightVals = this.vals[li].splice(half);
    this.firsts.splice(li + 1, 0, rightKeys[0]);
    this.keys.splice(li + 1, 0, rightKeys);
    this.vals.splice(li + 1, 0, rightVals);
  }
}

/** First index of ks whose key is ≥ key (ks.length when none). */
function lowerBound(ks: readonly string[], key: string): number {
  let lo = 0;
  let hi = ks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ks[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
