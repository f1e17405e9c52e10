/**
 * lost-append on list-append keys (RPUSH and LRANGE only): an acknowledged append of x is missing
 * from a committed read R although R was invoked after the append completed and R already holds an
 * element y whose append was invoked after x's completed — the list moved on past x without it —
 * and no read invoked after R completed shows x again. Nothing removes elements from such a key,
 * so x is gone.
 *
 * Requiring a later element in R separates loss from a read that merely lags: a stale read is an
 * older prefix and holds nothing appended after x. Elle names a stale read by its cycle (the read's
 * rw edge against real time: G-single-item-realtime) and a hole by its cycles or by
 * incompatible-order; lost-append adds our name for the data loss itself. It is defined by real
 * time, so it is checked only when real time binds (AnalysisContext.realtime).
 *
 * Cost: reads that are prefixes of the longest read (all of them, in a valid history) are checked
 * in constant time against the largest position among appends completed so far; only reads that
 * miss something, or are not prefixes, are looked at element by element, within a work budget.
 */

import type { AnalysisContext, Anomaly, Datatype, DatatypeAnalysis } from "./datatype.ts";
import { show } from "./datatype.ts";
import type { Key, MopValue } from "./history.ts";
import { Interner } from "./intern.ts";
import type { Txn } from "./txn.ts";
import { txnLabel } from "./txn.ts";

type Elem = MopValue;

/** Element-by-element work allowed for reads that miss appends (per history). */
const BUDGET = 5_000_000;

interface Append {
  t: Txn;
  x: Elem;
}

interface Read {
  t: Txn;
  list: Elem[];
  prefix: boolean;
}

/**
 * One key's appends and reads, as ranges of the shared, key-grouped index arrays (see
 * findListLostAppends); objects are built only for keys whose reads look suspicious.
 */
interface KeyView {
  key: Key;
  longest: Elem[];
  /** Appends of non-failed txns, in txn order: `appOrder[appFrom .. appTo)`. */
  appFrom: number;
  appTo: number;
  /** Committed reads, in txn order: `readOrder[readFrom .. readTo)`. */
  readFrom: number;
  readTo: number;
}

/** `d` (list-append) with lost-append detection added to its analysis. */
export function withLostAppends(d: Datatype): Datatype {
  return {
    ...d,
    analyze(ctx: AnalysisContext): DatatypeAnalysis {
      const a = d.analyze(ctx);
      if (ctx.realtime === false || !ctx.wants("lost-append")) return a;
      if (a.anomalies.some((x) => x.type === "duplicate-appends")) return a;
      const lost = findListLostAppends(ctx.txns);
      return lost.length === 0 ? a : { anomalies: [...a.anomalies, ...lost], explain: a.explain };
    },
  };
}

/**
 * Collects every append and committed read as parallel typed arrays of numbers (key, txn,
 * micro-op; a million small objects per pass would cost the garbage collector more than the pass
 * itself), then groups them by key with a stable counting sort, keeping txn order within each key
 * and the keys in order of first appearance.
 */
export function findListLostAppends(txns: readonly Txn[]): Anomaly[] {
  const keys = new Interner<Key>();
  const keyList = keys.values;
  const longest: Elem[][] = [];
  const committedAppends: number[] = [];
  const idOf = (k: Key): number => {
    const id = keys.id(k);
    if (id === longest.length) {
      longest.push(EMPTY);
      committedAppends.push(0);
    }
    return id;
  };
  // Typed arrays sized by the micro-op count, filled in place: columns grown by push to millions
  // of entries (each growth copies them) took about a third of this pass on a 1M-op history. An
  // item is found again through its txn and micro-op number rather than kept as a reference.
  let mopCount = 0;
  for (let i = 0; i < txns.length; i++) mopCount += txns[i].mops.length;
  const appKey = new Int32Array(mopCount);
  const appTxn = new Int32Array(mopCount);
  const appMop = new Int32Array(mopCount);
  const readKey = new Int32Array(mopCount);
  const readTxn = new Int32Array(mopCount);
  const readMop = new Int32Array(mopCount);
  let apps = 0;
  let reads = 0;
  // Indexed loops without destructuring: this pass runs over every micro-op of large histories.
  for (let i = 0; i < txns.length; i++) {
    const t = txns[i];
    if (t.type === "fail") continue;
    const ok = t.type === "ok";
    const mops = t.mops;
    for (let j = 0; j < mops.length; j++) {
      const m = mops[j];
      const f = m[0];
      if (f === "append") {
        const k = idOf(m[1]);
        appKey[apps] = k;
        appTxn[apps] = i;
        appMop[apps++] = j;
        if (ok) committedAppends[k]++;
      } else if (f === "r" && ok) {
        const v = m[2];
        const list = Array.isArray(v) ? v : v === null || v === undefined ? EMPTY : null;
        if (list === null) continue;
        const k = idOf(m[1]);
        readKey[reads] = k;
        readTxn[reads] = i;
        readMop[reads++] = j;
        if (list.length > longest[k].length) longest[k] = list;
      }
    }
  }
  const keyCount = keyList.length;
  const appStart = groupStarts(appKey.subarray(0, apps), keyCount);
  const readStart = groupStarts(readKey.subarray(0, reads), keyCount);
  const appOrder = groupBy(appKey.subarray(0, apps), appStart);
  const readOrder = groupBy(readKey.subarray(0, reads), readStart);
  const out: Anomaly[] = [];
  const budget = { left: BUDGET };
  const idx = { txns, appTxn, appMop, readTxn, readMop, appOrder, readOrder, positions: new ElementPlaces() };
  for (let k = 0; k < keyCount; k++) {
    if (committedAppends[k] === 0 || readStart[k + 1] === readStart[k]) continue;
    const v: KeyView = {
      key: keyList[k],
      longest: longest[k],
      appFrom: appStart[k],
      appTo: appStart[k + 1],
      readFrom: readStart[k],
      readTo: readStart[k + 1],
    };
    checkKey(v, idx, out, budget);
  }
  return out;
}

const EMPTY: Elem[] = [];

/** Where each element last stands in one list: `lastPlace(x)`, -1 when absent. */
interface Places {
  lastPlace(x: Elem): number;
  /** Done with this list (the dense table is cleared for the next one). */
  release(): void;
}

/**
 * Places of elements in a key's longest read, for the fast path of every key. Appended elements
 * are nearly always small non-negative integers, so one table indexed by element, reused across
 * keys and cleared after each, replaces a Map per key: measured on a 1M-op history (50,000 keys),
 * the whole pass takes 550–700 ms of CPU instead of 640–860. Lists holding anything else use a Map.
 */
class ElementPlaces {
  private table = new Int32Array(0).fill(-1);
  private list: readonly Elem[] = EMPTY;
  private readonly dense: Places = {
    lastPlace: (x) =>
      typeof x === "number" && x >= 0 && x < this.table.length && Number.isInteger(x) ? this.table[x] : -1,
    release: () => {
      for (const x of this.list) this.table[x as number] = -1;
      this.list = EMPTY;
    },
  };

  of(list: readonly Elem[]): Places {
    let max = -1;
    for (const x of list) {
      if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > DENSE_LIMIT)
        return sparsePlaces(list);
      if (x > max) max = x;
    }
    if (max >= this.table.length) {
      const grown = new Int32Array(Math.max(max + 1, this.table.length * 2)).fill(-1);
      this.table = grown;
    }
    for (let p = 0; p < list.length; p++) this.table[list[p] as number] = p;
    this.list = list;
    return this.dense;
  }
}

/** Elements above this go to a Map (the dense table is one slot per possible element). */
const DENSE_LIMIT = 1 << 22;

function sparsePlaces(list: readonly Elem[]): Places {
  const at = new Map<Elem, number>();
  for (let p = 0; p < list.length; p++) at.set(list[p], p);
  return { lastPlace: (x) => at.get(x) ?? -1, release: () => {} };
}

interface Index {
  txns: readonly Txn[];
  appTxn: Int32Array;
  appMop: Int32Array;
  readTxn: Int32Array;
  readMop: Int32Array;
  appOrder: Int32Array;
  readOrder: Int32Array;
  positions: ElementPlaces;
}

/** The element appended by item `a`. */
function appendedAt(idx: Index, a: number): Elem {
  return idx.txns[idx.appTxn[a]].mops[idx.appMop[a]][2];
}

/** The list read by item `r` (a committed read of nil is the empty list). */
function readAt(idx: Index, r: number): Elem[] {
  const v = idx.txns[idx.readTxn[r]].mops[idx.readMop[r]][2];
  return Array.isArray(v) ? v : EMPTY;
}

/** `start[k] .. start[k + 1]` is where group k lies once grouped. */
function groupStarts(keys: Int32Array, keyCount: number): Int32Array {
  const start = new Int32Array(keyCount + 1);
  for (let i = 0; i < keys.length; i++) start[keys[i] + 1]++;
  for (let k = 0; k < keyCount; k++) start[k + 1] += start[k];
  return start;
}

/** The item numbers grouped by key, stable (a counting sort). */
function groupBy(keys: Int32Array, start: Int32Array): Int32Array {
  const fill = start.slice(0, start.length - 1);
  const order = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) order[fill[keys[i]]++] = i;
  return order;
}

function checkKey(v: KeyView, idx: Index, out: Anomaly[], budget: { left: number }): void {
  const { txns, appTxn, readTxn, appOrder, readOrder, positions } = idx;
  const longest = v.longest;
  // Fast path: earliest completion among committed appends of longest[p..] and of those the
  // longest read never shows; a prefix read of length n misses a completed append exactly when
  // that minimum for p = n precedes its invocation.
  // An element is appended by one txn only (duplicate-appends stops the analysis before this), so
  // each committed append's completion lands on the element's last place in the longest read, or
  // counts as never shown.
  const suffixDone = new Float64Array(longest.length + 1).fill(Number.POSITIVE_INFINITY);
  let unseen = Number.POSITIVE_INFINITY;
  const places = positions.of(longest);
  for (let i = v.appFrom; i < v.appTo; i++) {
    const a = appOrder[i];
    const t = txns[appTxn[a]];
    if (t.type !== "ok") continue;
    const p = places.lastPlace(appendedAt(idx, a));
    if (p >= 0) suffixDone[p] = t.completePos;
    else if (t.completePos < unseen) unseen = t.completePos;
  }
  places.release();
  for (let p = longest.length - 1; p >= 0; p--)
    if (suffixDone[p + 1] < suffixDone[p]) suffixDone[p] = suffixDone[p + 1];
  let suspicious = false;
  const prefixes = new Uint8Array(v.readTo - v.readFrom);
  for (let i = v.readFrom; i < v.readTo; i++) {
    const r = readOrder[i];
    const l = readAt(idx, r);
    let prefix = l.length <= longest.length;
    for (let j = 0; prefix && j < l.length; j++) if (l[j] !== longest[j]) prefix = false;
    prefixes[i - v.readFrom] = prefix ? 1 : 0;
    const t = txns[readTxn[r]];
    if (t.invokePos < 0) continue;
    if (!prefix || Math.min(suffixDone[l.length], unseen) < t.invokePos) suspicious = true;
  }
  if (!suspicious) return;
  // Rare: build the per-key objects the element-by-element check works on.
  const appends: Append[] = [];
  const possible: Append[] = [];
  for (let i = v.appFrom; i < v.appTo; i++) {
    const a = appOrder[i];
    const t = txns[appTxn[a]];
    const x = { t, x: appendedAt(idx, a) };
    possible.push(x);
    if (t.type === "ok") appends.push(x);
  }
  const reads: Read[] = [];
  const picked: Read[] = [];
  for (let i = v.readFrom; i < v.readTo; i++) {
    const r = readOrder[i];
    const read = { t: txns[readTxn[r]], list: readAt(idx, r), prefix: prefixes[i - v.readFrom] === 1 };
    reads.push(read);
    if (read.t.invokePos < 0) continue;
    if (!read.prefix || Math.min(suffixDone[read.list.length], unseen) < read.t.invokePos) picked.push(read);
  }
  checkSuspicious({ key: v.key, appends, possible, reads, longest }, picked, out, budget);
}

interface KeyState {
  key: Key;
  /** Committed appends. */
  appends: Append[];
  /** Appends that may have happened (committed or not, unless failed). */
  possible: Append[];
  reads: Read[];
  longest: Elem[];
}

/** The reads that may miss completed appends, element by element. */
function checkSuspicious(s: KeyState, suspicious: Read[], out: Anomaly[], budget: { left: number }): void {
  const longest = s.longest;
  const pos = new Map<Elem, number>();
  for (let i = 0; i < longest.length; i++) if (!pos.has(longest[i])) pos.set(longest[i], i);
  // Latest invocation among prefix reads at least n long, for n = 0 … |longest|.
  const latestLonger = new Array<number>(longest.length + 2).fill(-1);
  const others: Read[] = [];
  for (const r of s.reads) {
    if (!r.prefix) others.push(r);
    else if (r.t.invokePos > latestLonger[r.list.length]) latestLonger[r.list.length] = r.t.invokePos;
  }
  for (let n = longest.length - 1; n >= 0; n--)
    latestLonger[n] = Math.max(latestLonger[n], latestLonger[n + 1]);
  // The latest invocation of a committed read showing x.
  const lastSeen = (x: Elem): number => {
    const p = pos.get(x);
    let seen = p === undefined ? -1 : latestLonger[p + 1];
    for (const r of others) if (r.t.invokePos > seen && r.list.includes(x)) seen = r.t.invokePos;
    return seen;
  };
  // Where each element's append was invoked.
  const invoked = new Map<Elem, number>();
  for (const a of s.possible) invoked.set(a.x, a.t.invokePos);
  const invokedOf = (x: Elem) => invoked.get(x) ?? -1;

  const reported = new Set<Elem>();
  for (const r of suspicious) {
    if (budget.left <= 0) return;
    budget.left -= s.appends.length + r.list.length;
    const members = new Set(r.list);
    let latest = -1;
    for (const y of r.list) latest = Math.max(latest, invokedOf(y));
    for (const a of s.appends) {
      if (a.t.completePos >= r.t.invokePos || a.t.completePos >= latest) continue;
      if (members.has(a.x) || reported.has(a.x) || lastSeen(a.x) > r.t.completePos) continue;
      reported.add(a.x);
      const y = r.list.find((y) => invokedOf(y) > a.t.completePos);
      out.push({
        type: "lost-append",
        keys: [s.key],
        ops: [a.t.index, r.t.index],
        explanation: `${txnLabel(a.t)} appended ${show(a.x)} to key ${show(s.key)} and was acknowledged, but ${txnLabel(
          r.t,
        )}, invoked after that append completed, read ${show(r.list)}, which lacks it though it holds ${show(
          y,
        )}, appended only after that; no read invoked later shows ${show(
          a.x,
        )} again, and nothing removes elements from this list, so the acknowledged append is lost.`,
      });
    }
  }
}
