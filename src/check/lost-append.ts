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
 * Collects every append and committed read as parallel arrays of plain numbers and references
 * (a million small objects per pass would cost the garbage collector more than the pass itself),
 * then groups them by key with a stable counting sort, keeping txn order within each key and the
 * keys in order of first appearance.
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
  const appKey: number[] = [];
  const appTxn: number[] = [];
  const appX: Elem[] = [];
  const readKey: number[] = [];
  const readTxn: number[] = [];
  const readList: Elem[][] = [];
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
        appKey.push(k);
        appTxn.push(i);
        appX.push(m[2]);
        if (ok) committedAppends[k]++;
      } else if (f === "r" && ok) {
        const v = m[2];
        const list = Array.isArray(v) ? v : v === null || v === undefined ? EMPTY : null;
        if (list === null) continue;
        const k = idOf(m[1]);
        readKey.push(k);
        readTxn.push(i);
        readList.push(list);
        if (list.length > longest[k].length) longest[k] = list;
      }
    }
  }
  const keyCount = keyList.length;
  const appStart = groupStarts(appKey, keyCount);
  const readStart = groupStarts(readKey, keyCount);
  const appOrder = groupBy(appKey, appStart);
  const readOrder = groupBy(readKey, readStart);
  const out: Anomaly[] = [];
  const budget = { left: BUDGET };
  const idx = { txns, appTxn, appX, readTxn, readList, appOrder, readOrder };
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

interface Index {
  txns: readonly Txn[];
  appTxn: number[];
  appX: Elem[];
  readTxn: number[];
  readList: Elem[][];
  appOrder: Int32Array;
  readOrder: Int32Array;
}

/** `start[k] .. start[k + 1]` is where group k lies once grouped. */
function groupStarts(keys: number[], keyCount: number): Int32Array {
  const start = new Int32Array(keyCount + 1);
  for (let i = 0; i < keys.length; i++) start[keys[i] + 1]++;
  for (let k = 0; k < keyCount; k++) start[k + 1] += start[k];
  return start;
}

/** The item numbers grouped by key, stable (a counting sort). */
function groupBy(keys: number[], start: Int32Array): Int32Array {
  const fill = start.slice(0, start.length - 1);
  const order = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) order[fill[keys[i]]++] = i;
  return order;
}

function checkKey(v: KeyView, idx: Index, out: Anomaly[], budget: { left: number }): void {
  const { txns, appTxn, appX, readTxn, readList, appOrder, readOrder } = idx;
  const longest = v.longest;
  // Fast path: earliest completion among committed appends of longest[p..] and of those the
  // longest read never shows; a prefix read of length n misses a completed append exactly when
  // that minimum for p = n precedes its invocation.
  const done = new Map<Elem, number>();
  for (let i = v.appFrom; i < v.appTo; i++) {
    const a = appOrder[i];
    const t = txns[appTxn[a]];
    if (t.type === "ok") done.set(appX[a], t.completePos);
  }
  const suffixDone = new Float64Array(longest.length + 1);
  suffixDone[longest.length] = Number.POSITIVE_INFINITY;
  for (let p = longest.length - 1; p >= 0; p--) {
    const c = done.get(longest[p]);
    suffixDone[p] = c !== undefined && c < suffixDone[p + 1] ? c : suffixDone[p + 1];
    done.delete(longest[p]);
  }
  let unseen = Number.POSITIVE_INFINITY;
  for (const c of done.values()) if (c < unseen) unseen = c;
  let suspicious = false;
  const prefixes = new Uint8Array(v.readTo - v.readFrom);
  for (let i = v.readFrom; i < v.readTo; i++) {
    const r = readOrder[i];
    const l = readList[r];
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
    const x = { t, x: appX[a] };
    possible.push(x);
    if (t.type === "ok") appends.push(x);
  }
  const reads: Read[] = [];
  const picked: Read[] = [];
  for (let i = v.readFrom; i < v.readTo; i++) {
    const r = readOrder[i];
    const read = { t: txns[readTxn[r]], list: readList[r], prefix: prefixes[i - v.readFrom] === 1 };
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
