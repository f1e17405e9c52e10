/**
 * List-append inference (Elle's approach): transactions append unique elements to lists (`append`)
 * and read whole lists (`r`). Every read of a key is a prefix of one append order, so the longest
 * read gives the version order of that key; successive versions relate the transactions that wrote
 * and read them by ww, wr and rw edges. Appends never observed are placed after the last observed
 * one, which is all the order can say about them.
 *
 * Non-cycle anomalies found here: incompatible-order, duplicate-elements, G1a, G1b, internal,
 * future-read, dirty-update, lost-update (each as Elle defines it), plus phantom-element for an
 * element that no transaction ever appended.
 */
import type { AnalysisContext, Anomaly, Datatype, DatatypeAnalysis, EdgeReason } from "./datatype.ts";
import { show } from "./datatype.ts";
import { RW, WR, WW } from "./graph.ts";
import type { Key, MopValue } from "./history.ts";
import type { Txn } from "./txn.ts";
import { txnLabel } from "./txn.ts";

type Elem = MopValue;

/**
 * Element → non-negative number (a txn id or a position). Appended elements are almost always
 * small integers counting up per key, so a plain array serves them; anything else goes to a Map.
 * On a 1M-op history this halves the time spent indexing versions.
 */
class ElemIndex {
  private dense: number[] = [];
  private map: Map<Elem, number> | null = null;

  private slot(v: Elem): number {
    return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= this.dense.length + 1024 ? v : -1;
  }

  get(v: Elem): number | undefined {
    if (typeof v === "number" && v >= 0 && v < this.dense.length && Number.isInteger(v)) {
      const x = this.dense[v];
      if (x !== undefined) return x;
    }
    return this.map === null ? undefined : this.map.get(v);
  }

  set(v: Elem, x: number): void {
    const i = this.slot(v);
    if (i >= 0) {
      while (this.dense.length < i) this.dense.push(undefined as unknown as number);
      this.dense[i] = x;
      return;
    }
    if (this.map === null) this.map = new Map();
    this.map.set(v, x);
  }
}

interface KeyState {
  /** Position in first-appearance order. */
  id: number;
  key: Key;
  /** The longest non-empty read among ok txns: the version order's source. */
  longest: Elem[] | null;
  /** The longest read among all ops, failed ones and invocations included (dirty-update's order). */
  longestAll: Elem[] | null;
  /** Appends by ok/info txns, and the element when there is exactly one. */
  possibleAppends: number;
  singleAppend: Elem;
  /** Element → id of the txn that appended it (any outcome). */
  writer: ElemIndex;
  /** Elements a txn appended and then appended more after (element → that txn's id). */
  intermediate: ElemIndex | null;
  order: Elem[];
  pos: ElemIndex;
  /**
   * This key's first reader slot in the shared reader index: slot `slotBase + p + 1` holds the
   * txns whose read ended at order[p], slot `slotBase` those that read [].
   */
  slotBase: number;
  /** First position in the order whose element a failed txn appended (Infinity if none). */
  failedFrom: number;
  /** First read (txn id, value) that is not a prefix of the longest. */
  incompatible: { txn: number; value: Elem[] } | null;
}

const APPEND = "append";
const READ = "r";

/**
 * The list a read observed, or null when it tells nothing. Only committed txns observe: an info
 * txn may never have run, so its reads are not evidence. An ok read of nil is the empty list (some
 * harnesses write it so).
 */
function readValue(t: Txn, v: MopValue): Elem[] | null {
  if (t.type !== "ok") return null;
  if (Array.isArray(v)) return v;
  return v === null ? [] : null;
}

/**
 * Which txns read each version, as one compressed index over all keys (a million small arrays
 * would cost the garbage collector more than the rest of the analysis).
 */
class ReaderIndex {
  // Typed arrays of a known bound (one pair per committed read at most), filled in place: number[]
  // columns grown by push cost this pass about a quarter of its time on a 1M-op history.
  private slots: Int32Array;
  private ids: Int32Array;
  private count = 0;
  start = new Int32Array(1);
  readers = new Int32Array(0);

  /** `capacity`: the most pairs `add` will be given (the number of micro-ops will do). */
  constructor(capacity: number) {
    this.slots = new Int32Array(capacity);
    this.ids = new Int32Array(capacity);
  }

  add(slot: number, id: number): void {
    this.slots[this.count] = slot;
    this.ids[this.count++] = id;
  }

  /** Groups the collected pairs by slot (a counting sort); `slotCount` bounds the slots. */
  seal(slotCount: number): void {
    const start = new Int32Array(slotCount + 1);
    const n = this.count;
    for (let i = 0; i < n; i++) start[this.slots[i] + 1]++;
    for (let i = 0; i < slotCount; i++) start[i + 1] += start[i];
    const fill = start.slice(0, slotCount);
    const readers = new Int32Array(n);
    for (let i = 0; i < n; i++) readers[fill[this.slots[i]]++] = this.ids[i];
    this.start = start;
    this.readers = readers;
    this.slots = new Int32Array(0);
    this.ids = new Int32Array(0);
    this.count = 0;
  }

  has(slot: number, id: number): boolean {
    for (let i = this.start[slot]; i < this.start[slot + 1]; i++) if (this.readers[i] === id) return true;
    return false;
  }
}

function isPrefix(a: Elem[], b: Elem[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function distinct(xs: Elem[]): Elem[] {
  const seen = new Set<Elem>();
  const out: Elem[] = [];
  for (const x of xs)
    if (!seen.has(x)) {
      seen.add(x);
      out.push(x);
    }
  return out;
}

function duplicatesIn(xs: Elem[]): Map<Elem, number> | null {
  const counts = new Map<Elem, number>();
  let dup = false;
  for (const x of xs) {
    const c = (counts.get(x) ?? 0) + 1;
    counts.set(x, c);
    if (c > 1) dup = true;
  }
  if (!dup) return null;
  for (const [x, c] of counts) if (c === 1) counts.delete(x);
  return counts;
}

export const listAppend: Datatype = {
  name: "list-append",
  fs: [APPEND, READ],
  analyze: analyzeListAppend,
};

function newKeyState(k: Key, id: number): KeyState {
  return {
    id,
    key: k,
    longest: null,
    longestAll: null,
    possibleAppends: 0,
    singleAppend: null,
    writer: new ElemIndex(),
    intermediate: null,
    order: [],
    pos: new ElemIndex(),
    slotBase: 0,
    failedFrom: Number.POSITIVE_INFINITY,
    incompatible: null,
  };
}

function analyzeListAppend(ctx: AnalysisContext): DatatypeAnalysis {
  const { txns } = ctx;
  const keys = collectKeys(txns);
  if (keys.duplicateAppends.length > 0) return { anomalies: keys.duplicateAppends, explain: () => undefined };
  const anomalies: Anomaly[] = [];
  const { readers, slotCount } = versionOrders(ctx, keys.states, keys.mopState.length);
  addReadEdges(ctx, keys, readers, anomalies);
  readers.seal(slotCount);
  addAppendEdges(ctx, keys, readers);
  if (ctx.wants("incompatible-order")) findIncompatibleOrders(txns, keys.states, anomalies);
  if (ctx.wants("internal") || ctx.wants("future-read") || ctx.wants("lost-update"))
    findWithinTxns(ctx, anomalies);
  if (ctx.wants("dirty-update")) findDirtyUpdates(ctx, keys.byKey, anomalies);
  return { anomalies, explain: explainer(keys.byKey, readers) };
}

/** Every key's state, and the state of every owned micro-op in txn order (`mopState`). */
interface KeyStates {
  byKey: Map<Key, KeyState>;
  states: KeyState[];
  /** Indices into `states`, one per micro-op (so later passes skip the key lookup). */
  mopState: Int32Array;
  duplicateAppends: Anomaly[];
}

/** Pass 1: writers, intermediate appends, longest reads, uniqueness of appended elements. */
function collectKeys(txns: readonly Txn[]): KeyStates {
  const byKey = new Map<Key, KeyState>();
  const states: KeyState[] = [];
  const state = (k: Key): KeyState => {
    let s = byKey.get(k);
    if (s === undefined) {
      s = newKeyState(k, states.length);
      byKey.set(k, s);
      states.push(s);
    }
    return s;
  };
  let mopCount = 0;
  for (const t of txns) mopCount += t.mops.length;
  // A typed array: `new Array(n)` for millions of entries starts out as a slow, dictionary-backed array.
  const mopState = new Int32Array(mopCount);
  const duplicateAppends: Anomaly[] = [];
  let c = 0;
  for (const t of txns) {
    const possible = t.type !== "fail";
    const mops = t.mops;
    for (let j = 0; j < mops.length; j++, c++) {
      const m = mops[j];
      const f = m[0];
      if (f === APPEND) {
        const s = state(m[1]);
        mopState[c] = s.id;
        const v = m[2];
        const w = s.writer.get(v);
        if (w !== undefined && w !== t.id && duplicateAppends.length < 10)
          duplicateAppends.push(duplicateAppend(txns, s, w, t, v));
        s.writer.set(v, t.id);
        if (possible) {
          s.possibleAppends++;
          s.singleAppend = v;
        }
        for (let i = j - 1; i >= 0; i--) {
          const e = mops[i];
          if (e[0] === APPEND && e[1] === m[1]) {
            if (s.intermediate === null) s.intermediate = new ElemIndex();
            s.intermediate.set(e[2], t.id);
            break;
          }
        }
      } else if (f === READ) {
        const s = state(m[1]);
        mopState[c] = s.id;
        const v = m[2];
        if (Array.isArray(v) && v.length > 0) {
          if (t.type === "ok" && (s.longest === null || v.length > s.longest.length)) s.longest = v;
          if (s.longestAll === null || v.length > s.longestAll.length) s.longestAll = v;
        }
      }
    }
    if (t.invokeMops !== null && t.invokeMops !== mops) {
      for (const m of t.invokeMops) {
        const v = m[2];
        if (m[0] === READ && Array.isArray(v) && v.length > 0) {
          const s = state(m[1]);
          if (s.longestAll === null || v.length > s.longestAll.length) s.longestAll = v;
        }
      }
    }
  }
  return { byKey, states, mopState, duplicateAppends };
}

function duplicateAppend(txns: readonly Txn[], s: KeyState, w: number, t: Txn, v: Elem): Anomaly {
  return {
    type: "duplicate-appends",
    keys: [s.key],
    ops: [txns[w].index, t.index],
    explanation: `${txnLabel(txns[w])} and ${txnLabel(t)} both appended ${show(v)} to key ${show(s.key)}; list-append analysis needs every appended element to be unique per key, so the order cannot be inferred.`,
  };
}

/** Version orders: the longest read, or a lone append when a key was never read. */
function versionOrders(
  ctx: AnalysisContext,
  states: KeyState[],
  mopCount: number,
): { readers: ReaderIndex; slotCount: number } {
  const { txns } = ctx;
  let slotCount = 0;
  for (const s of states) {
    if (s.longest !== null) s.order = distinct(s.longest);
    else if (s.possibleAppends === 1 && ctx.prefix !== true) s.order = [s.singleAppend];
    const { order, pos } = s;
    for (let i = 0; i < order.length; i++) {
      pos.set(order[i], i);
      const w = s.writer.get(order[i]);
      if (w !== undefined && txns[w].type === "fail" && i < s.failedFrom) s.failedFrom = i;
    }
    s.slotBase = slotCount;
    slotCount += order.length + 1;
  }
  return { readers: new ReaderIndex(mopCount), slotCount };
}

/** What pass 2 reports while it reads: the anomaly types wanted, and phantoms already named. */
interface ReadChecks {
  dup: boolean;
  phantom: boolean;
  g1a: boolean;
  g1b: boolean;
  phantomSeen: Set<string>;
}

/** Pass 2: reads — wr edges, reader index, prefix checks, and the anomalies a read alone shows. */
function addReadEdges(ctx: AnalysisContext, keys: KeyStates, readers: ReaderIndex, out: Anomaly[]): void {
  const { txns, edges } = ctx;
  const { states, mopState } = keys;
  const want: ReadChecks = {
    dup: ctx.wants("duplicate-elements"),
    phantom: ctx.wants("phantom-element"),
    g1a: ctx.wants("G1a"),
    g1b: ctx.wants("G1b"),
    phantomSeen: new Set(),
  };
  let c = 0;
  for (const t of txns) {
    const mops = t.mops;
    if (t.type !== "ok") {
      c += mops.length;
      continue;
    }
    for (let j = 0; j < mops.length; j++, c++) {
      const m = mops[j];
      if (m[0] !== READ) continue;
      const v = readValue(t, m[2]);
      if (v === null) continue;
      const s = states[mopState[c]];
      if (v.length === 0) {
        readers.add(s.slotBase, t.id);
        continue;
      }
      const last = v[v.length - 1];
      const w = s.writer.get(last);
      if (w !== undefined && w !== t.id && txns[w].type !== "fail") edges.add(w, t.id, WR);
      const p = s.pos.get(last);
      if (p !== undefined) readers.add(s.slotBase + p + 1, t.id);
      checkRead(txns, t, s, v, want, out);
    }
  }
}

/** The anomalies one committed, non-empty read of key `s` shows by itself. */
function checkRead(
  txns: readonly Txn[],
  t: Txn,
  s: KeyState,
  v: Elem[],
  want: ReadChecks,
  out: Anomaly[],
): void {
  const longest = s.longest!;
  const prefix = v === longest || isPrefix(v, longest);
  if (prefix) {
    // A prefix of the longest read holds only elements of the order, without repeats unless
    // the longest itself repeats; its failed elements are those before `failedFrom`.
    if (want.g1a && v.length > s.failedFrom) g1a(txns, t, s, v, out);
    if (want.phantom && v === longest) phantoms(t, s, v, want.phantomSeen, out);
  } else {
    if (s.incompatible === null) s.incompatible = { txn: t.id, value: v };
    if (want.g1a) g1a(txns, t, s, v, out);
    if (want.phantom) phantoms(t, s, v, want.phantomSeen, out);
  }
  if (want.dup && (!prefix || s.order.length !== longest.length)) {
    const dups = duplicatesIn(v);
    if (dups !== null)
      out.push({
        type: "duplicate-elements",
        keys: [s.key],
        ops: [t.index],
        explanation: `${txnLabel(t)} read key ${show(s.key)} = ${show(v)}, which contains ${[...dups]
          .map(([x, n]) => `${show(x)} ${n} times`)
          .join(", ")}; each element is appended once, so a list can hold it only once.`,
      });
  }
  const last = v[v.length - 1];
  if (want.g1b && s.intermediate !== null) {
    const iw = s.intermediate.get(last);
    if (iw !== undefined && iw !== t.id)
      out.push({
        type: "G1b",
        keys: [s.key],
        ops: [t.index, txns[iw].index],
        explanation: `${txnLabel(t)} read key ${show(s.key)} = ${show(v)}, ending at ${show(last)}, an intermediate state of ${txnLabel(
          txns[iw],
        )}, which appended more to that key afterwards (intermediate read).`,
      });
  }
}

function phantoms(t: Txn, s: KeyState, v: Elem[], seen: Set<string>, out: Anomaly[]): void {
  for (const x of v) {
    if (s.writer.get(x) !== undefined) continue;
    const id = `${String(s.key)}\u0000${String(x)}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({
      type: "phantom-element",
      keys: [s.key],
      ops: [t.index],
      explanation: `${txnLabel(t)} read key ${show(s.key)} = ${show(v)}, but no transaction ever appended ${show(x)} to that key.`,
    });
  }
}

function g1a(txns: readonly Txn[], t: Txn, s: KeyState, v: Elem[], out: Anomaly[]): void {
  const failed: Elem[] = [];
  const writers: number[] = [];
  for (const x of v) {
    const w = s.writer.get(x);
    if (w !== undefined && txns[w].type === "fail") {
      failed.push(x);
      if (!writers.includes(w)) writers.push(w);
    }
  }
  if (failed.length === 0) return;
  out.push({
    type: "G1a",
    keys: [s.key],
    ops: [t.index, ...writers.map((w) => txns[w].index)],
    explanation: `${txnLabel(t)} read key ${show(s.key)} = ${show(v)}, observing ${failed
      .map(show)
      .join(
        ", ",
      )}, appended by ${writers.map((w) => txnLabel(txns[w])).join(", ")}, which failed (aborted read).`,
  });
}

/**
 * The element just before `v` in the version order (an unobserved append follows the last
 * observed element); -1 is the initial empty list.
 */
function prevPos(s: KeyState, v: Elem): number {
  const i = s.pos.get(v);
  return i === undefined ? s.order.length - 1 : i - 1;
}

/** Pass 3: appends — ww and rw edges. */
function addAppendEdges(ctx: AnalysisContext, keys: KeyStates, readers: ReaderIndex): void {
  const { txns, edges } = ctx;
  const { states, mopState } = keys;
  let c = 0;
  for (const t of txns) {
    const mops = t.mops;
    if (t.type === "fail") {
      c += mops.length;
      continue;
    }
    for (let j = 0; j < mops.length; j++, c++) {
      const m = mops[j];
      if (m[0] !== APPEND) continue;
      const s = states[mopState[c]];
      // In a prefix, an append no read has shown yet has no known place: a later read decides it.
      if (ctx.prefix === true && s.pos.get(m[2]) === undefined) continue;
      const p = prevPos(s, m[2]);
      if (p >= 0) {
        const w = s.writer.get(s.order[p]);
        if (w !== undefined && w !== t.id && txns[w].type !== "fail") edges.add(w, t.id, WW);
      }
      const slot = s.slotBase + p + 1;
      const rs = readers.readers;
      for (let r = readers.start[slot]; r < readers.start[slot + 1]; r++)
        if (rs[r] !== t.id) edges.add(rs[r], t.id, RW);
    }
  }
}

function findIncompatibleOrders(txns: readonly Txn[], states: KeyState[], out: Anomaly[]): void {
  for (const s of states) {
    if (s.incompatible === null) continue;
    const { txn, value } = s.incompatible;
    out.push({
      type: "incompatible-order",
      keys: [s.key],
      ops: [txns[txn].index],
      explanation: `${txnLabel(txns[txn])} read key ${show(s.key)} = ${show(value)}, which is not a prefix of the longest read ${show(
        s.longest,
      )}: no single order of appends explains both.`,
    });
  }
}

/** Explains the ww, wr and rw edges this analysis added, from the key states it kept. */
function explainer(keys: Map<Key, KeyState>, readers: ReaderIndex): DatatypeAnalysis["explain"] {
  return (a: Txn, b: Txn, kind: number): EdgeReason | undefined => {
    if (kind === WW) {
      for (const m of b.mops) {
        if (m[0] !== APPEND) continue;
        const s = keys.get(m[1])!;
        const p = prevPos(s, m[2]);
        if (p < 0) continue;
        const prev = s.order[p];
        if (s.writer.get(prev) !== a.id) continue;
        const v = m[2];
        return {
          key: s.key,
          value: v,
          text: (an, bn) =>
            `${bn} appended ${show(v)} to key ${show(s.key)} after ${an} appended ${show(prev)}`,
        };
      }
    } else if (kind === WR) {
      for (const m of b.mops) {
        if (m[0] !== READ) continue;
        const v = readValue(b, m[2]);
        if (v === null || v.length === 0) continue;
        const s = keys.get(m[1])!;
        const last = v[v.length - 1];
        if (s.writer.get(last) !== a.id) continue;
        return {
          key: s.key,
          value: v,
          text: (an, bn) =>
            `${bn} read key ${show(s.key)} = ${show(v)}, observing ${an}'s append of ${show(last)}`,
        };
      }
    } else if (kind === RW) {
      for (const m of b.mops) {
        if (m[0] !== APPEND) continue;
        const s = keys.get(m[1])!;
        const p = prevPos(s, m[2]);
        if (!readers.has(s.slotBase + p + 1, a.id)) continue;
        const v = m[2];
        const seen = p < 0 ? [] : readOf(a, s.key, s.order[p]);
        return {
          key: s.key,
          value: seen,
          text: (an, bn) =>
            p < 0
              ? `${an} read key ${show(s.key)} = [] (its initial state), before ${bn} appended ${show(v)}`
              : `${an} read key ${show(s.key)} = ${show(seen)}, which did not yet contain ${show(v)}, appended by ${bn}`,
        };
      }
    }
    return undefined;
  };
}

/** The value of `t`'s read of key `k` that ended with `last`. */
function readOf(t: Txn, k: Key, last: Elem): Elem[] {
  for (const m of t.mops) {
    if (m[0] !== READ || m[1] !== k) continue;
    const v = readValue(t, m[2]);
    if (v !== null && v.length > 0 && v[v.length - 1] === last) return v;
  }
  return [last];
}

/**
 * Dirty update: in a key's version order, a committed append directly follows (through only info
 * appends) an append by a failed transaction — the failed write was built upon.
 */
function findDirtyUpdates(ctx: AnalysisContext, keys: Map<Key, KeyState>, out: Anomaly[]): void {
  const { txns } = ctx;
  for (const s of keys.values()) {
    if (s.longestAll === null) continue;
    const order = distinct(s.longestAll);
    let t1 = -1;
    let t1Type = "ok";
    let vs: Elem[] = [];
    for (const v of order) {
      const w = s.writer.get(v);
      const t2Type = w === undefined ? "info" : txns[w].type;
      if (t2Type === "ok") {
        if (t1Type === "fail")
          out.push({
            type: "dirty-update",
            keys: [s.key],
            ops: [txns[t1].index, txns[w!].index],
            explanation: `On key ${show(s.key)}, ${txnLabel(txns[w!])} appended ${show(v)} on top of ${show(
              vs,
            )}, written by ${txnLabel(txns[t1])}, which failed: a committed write was built on an aborted one.`,
          });
        t1 = w!;
        t1Type = "ok";
        vs = [v];
      } else if (t2Type === "fail") {
        if (t1Type === "fail") vs = [...vs, v];
        else {
          t1 = w!;
          t1Type = "fail";
          vs = [v];
        }
      } else vs = [...vs, v];
    }
  }
}

/** Whether `v` ends with `suffix`. */
function endsWith(v: Elem[], suffix: Elem[]): boolean {
  if (suffix.length > v.length) return false;
  const off = v.length - suffix.length;
  for (let i = 0; i < suffix.length; i++) if (v[off + i] !== suffix[i]) return false;
  return true;
}

/**
 * Anomalies visible inside one committed txn:
 * - internal: a read disagrees with the txn's own earlier read and appends of that key (Elle's
 *   INT), i.e. it must equal the earlier read plus the appends since, or end with those appends
 *   when the txn had not read the key before;
 * - future-read: a read already contains an element the txn appends only later;
 * - lost-update: several txns read the same version of a key and then appended to it (grouped
 *   across txns; only the first append after the first read of a key counts, as in Elle).
 */
function findWithinTxns(ctx: AnalysisContext, out: Anomaly[]): void {
  const wantInternal = ctx.wants("internal");
  const wantFuture = ctx.wants("future-read");
  const wantLost = ctx.wants("lost-update");
  const groups: LostUpdateGroups = new Map();
  const { txns } = ctx;
  for (const t of txns) {
    const mops = t.mops;
    if (t.type !== "ok" || mops.length < 2) continue;
    let internalDone = !wantInternal;
    let futureDone = !wantFuture;
    for (let j = 1; j < mops.length; j++) {
      const m = mops[j];
      if (m[0] === READ && !internalDone) {
        const a = internalRead(t, j);
        if (a !== null) {
          internalDone = true;
          out.push(a);
        }
      } else if (m[0] === APPEND) {
        const { firstRead, appendedAfterRead, future } = readsBeforeAppend(t, j, futureDone);
        if (future !== null) {
          futureDone = true;
          out.push(future);
        }
        if (!wantLost || firstRead === null || appendedAfterRead) continue;
        addLostUpdateCandidate(groups, m[1], firstRead, t.id);
      }
    }
  }
  reportLostUpdates(txns, groups, out);
}

/** Per key, the first reads that were later appended to, bucketed by length and last element. */
type LostUpdateGroups = Map<Key, Map<string, { value: Elem[]; ids: number[] }[]>>;

/** The internal anomaly of the read `t.mops[j]`, if it disagrees with the txn's own earlier ops. */
function internalRead(t: Txn, j: number): Anomaly | null {
  const mops = t.mops;
  const k = mops[j][1];
  const v = readValue(t, mops[j][2]) ?? [];
  // Walk back to the previous read of k, collecting this txn's appends to k since then.
  let since: Elem[] | null = null;
  let prior: Elem[] | null = null;
  for (let i = j - 1; i >= 0; i--) {
    const e = mops[i];
    if (e[1] !== k) continue;
    if (e[0] === READ) {
      prior = readValue(t, e[2]) ?? [];
      break;
    }
    if (e[0] === APPEND) {
      if (since === null) since = [];
      since.unshift(e[2]);
    }
  }
  if (prior === null && since === null) return null;
  const appended = since ?? [];
  const bad =
    prior !== null
      ? v.length !== prior.length + appended.length || !isPrefix(prior, v) || !endsWith(v, appended)
      : !endsWith(v, appended);
  if (!bad) return null;
  const want = prior !== null ? show([...prior, ...appended]) : `[… ${appended.map(show).join(" ")}]`;
  return {
    type: "internal",
    keys: [k],
    ops: [t.index],
    explanation: `${txnLabel(t)} read key ${show(k)} = ${show(v)}, but its own earlier operations on that key imply ${want}.`,
  };
}

/**
 * The txn's reads of the key before its append `t.mops[j]`: the first one, whether it appended to
 * the key after that read, and (unless `futureDone`) a future-read when a read already held the
 * element appended.
 */
function readsBeforeAppend(
  t: Txn,
  j: number,
  futureDone: boolean,
): { firstRead: Elem[] | null; appendedAfterRead: boolean; future: Anomaly | null } {
  const mops = t.mops;
  const m = mops[j];
  const k = m[1];
  let firstRead: Elem[] | null = null;
  let appendedAfterRead = false;
  let future: Anomaly | null = null;
  for (let i = 0; i < j; i++) {
    const e = mops[i];
    if (e[1] !== k) continue;
    if (e[0] === READ) {
      const rv = readValue(t, e[2]) ?? [];
      if (firstRead === null) firstRead = rv;
      if (!futureDone && future === null && rv.includes(m[2]))
        future = {
          type: "future-read",
          keys: [k],
          ops: [t.index],
          explanation: `${txnLabel(t)} read key ${show(k)} = ${show(rv)}, which already contained ${show(
            m[2],
          )}, an element the same transaction appended only later.`,
        };
    } else if (e[0] === APPEND && firstRead !== null) appendedAfterRead = true;
  }
  return { firstRead, appendedAfterRead, future };
}

function addLostUpdateCandidate(groups: LostUpdateGroups, k: Key, firstRead: Elem[], id: number): void {
  let g = groups.get(k);
  if (g === undefined) {
    g = new Map();
    groups.set(k, g);
  }
  const bucketId = `${firstRead.length}:${String(firstRead[firstRead.length - 1])}`;
  let bucket = g.get(bucketId);
  if (bucket === undefined) {
    bucket = [];
    g.set(bucketId, bucket);
  }
  const same = bucket.find((b) => b.value.length === firstRead.length && isPrefix(b.value, firstRead));
  if (same === undefined) bucket.push({ value: firstRead, ids: [id] });
  else same.ids.push(id);
}

function reportLostUpdates(txns: readonly Txn[], groups: LostUpdateGroups, out: Anomaly[]): void {
  for (const [k, g] of groups) {
    for (const bucket of g.values()) {
      for (const { value, ids } of bucket) {
        if (ids.length < 2) continue;
        out.push({
          type: "lost-update",
          keys: [k],
          ops: ids.map((i) => txns[i].index),
          explanation: `${ids.map((i) => txnLabel(txns[i])).join(", ")} all read key ${show(k)} = ${show(
            value,
          )} and then appended to it, so every one but the last overwrote a state the others had read (lost update).`,
        });
      }
    }
  }
}
