/**
 * The check of a list-append history held as columns (columns.ts), for the common case: a history
 * with nothing to report. It pairs the ops, infers each key's version order and the ww, wr and rw
 * edges exactly as list-append.ts does, adds the real-time or process edges the models need
 * (order.ts), and looks for a cycle — all over typed arrays, with no object per op or txn.
 *
 * It only ever answers "valid": every anomaly list-append.ts, lost-append.ts and the cycle search
 * could report is screened for here by a test at least as strict as theirs (a read that is not a
 * prefix of its key's longest read, an element appended twice, a read holding an element of a
 * failed txn, an intermediate read, a within-txn disagreement, two txns appending after the same
 * read, a read that may miss a completed append, any cycle at all…). When one fires, `checkColumns`
 * returns null and the caller checks the history the general way (checkHistory), which names and
 * explains what it finds. The answer given is therefore always the one checkHistory would give,
 * byte for byte; histories with anomalies only pay for the screen on top.
 */

import type { HistoryColumns } from "./columns.ts";
import * as columns from "./columns.ts";
import { summariseCosts } from "./cycles.ts";
import * as graph from "./graph.ts";
import { EdgeList } from "./graph.ts";
import type { CheckResult } from "./index.ts";
import { addProcessEdgesOf, addRealtimeEdgesOf } from "./order.ts";

// Module-local copies: an imported binding is read through a getter once the module is compiled
// for the loader, which on a 1M-op history cost about half a second in these loops.
const { APPEND, FAIL, INVOKE, NEMESIS, NIL_READ, OK, READ } = columns;
const { RW, WR, WW } = graph;

/** Which ordering edges the models' cycle classes need (as checkHistory decides). */
export type OrderEdges = "realtime" | "process" | "none";

/** Paired transactions over columns. */
interface Txns {
  count: number;
  type: Uint8Array;
  process: Int32Array;
  /** History positions of the invocation (-1 when absent) and completion (-1 when pending). */
  invokePos: Int32Array;
  completePos: Int32Array;
  /** The op whose micro-ops are the txn's (the completion's, else the invocation's). */
  mopOp: Int32Array;
  events: Int32Array;
  ok: number;
  fail: number;
  info: number;
}

/** Pairs invocations with completions as txn.ts does, per process in history order. */
function pair(h: HistoryColumns): Txns {
  const n = h.opCount;
  const type = new Uint8Array(n);
  const process = new Int32Array(n);
  const invokePos = new Int32Array(n);
  const completePos = new Int32Array(n);
  const mopOp = new Int32Array(n);
  const events = new Int32Array(n);
  // The open txn per process: a table indexed by process when the numbers are small (they nearly
  // always are), else a Map.
  let maxProcess = 0;
  for (let pos = 0; pos < n; pos++) if (h.opProcess[pos] > maxProcess) maxProcess = h.opProcess[pos];
  const table = maxProcess <= 4 * n + 1024 ? new Int32Array(maxProcess + 1).fill(-1) : null;
  const map = table === null ? new Map<number, number>() : null;
  let count = 0;
  let ev = 0;
  for (let pos = 0; pos < n; pos++) {
    const p = h.opProcess[pos];
    if (p === NEMESIS) continue;
    const mops = h.opMopFrom[pos + 1] - h.opMopFrom[pos];
    if (h.opType[pos] === INVOKE) {
      const id = count++;
      type[id] = 3;
      process[id] = p;
      invokePos[id] = pos;
      completePos[id] = -1;
      mopOp[id] = pos;
      if (table !== null) table[p] = id;
      else map!.set(p, id);
      events[ev++] = id * 2;
      continue;
    }
    let id = table !== null ? table[p] : (map!.get(p) ?? -1);
    if (id >= 0) {
      if (table !== null) table[p] = -1;
      else map!.delete(p);
      const inv = invokePos[id];
      if (mops > 0 || h.opMopFrom[inv + 1] === h.opMopFrom[inv]) mopOp[id] = pos;
    } else {
      id = count++;
      process[id] = p;
      invokePos[id] = -1;
      mopOp[id] = pos;
    }
    type[id] = h.opType[pos];
    completePos[id] = pos;
    events[ev++] = id * 2 + 1;
  }
  let ok = 0;
  let fail = 0;
  let info = 0;
  for (let i = 0; i < count; i++) {
    if (type[i] === OK) ok++;
    else if (type[i] === FAIL) fail++;
    else info++;
  }
  return {
    count,
    type,
    process,
    invokePos,
    completePos,
    mopOp,
    events: events.subarray(0, ev),
    ok,
    fail,
    info,
  };
}

/**
 * (key, element) → row, open addressing over typed arrays: a row per appended element holds its
 * writer, the txn that appended more to the key after it (intermediate), and its place in the
 * key's version order.
 */
class ElementTable {
  readonly keys: Int32Array;
  readonly elems: Int32Array;
  readonly writer: Int32Array;
  readonly intermediate: Int32Array;
  readonly pos: Int32Array;
  private readonly slots: Int32Array;
  private readonly mask: number;
  size = 0;

  constructor(capacity: number) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.slots = new Int32Array(n).fill(-1);
    this.mask = n - 1;
    this.keys = new Int32Array(capacity);
    this.elems = new Int32Array(capacity);
    this.writer = new Int32Array(capacity);
    this.intermediate = new Int32Array(capacity).fill(-1);
    this.pos = new Int32Array(capacity).fill(-1);
  }

  private slot(k: number, x: number): number {
    let s = (Math.imul(k, 0x9e3779b1) ^ Math.imul(x + 0x7f4a7c15, 0x85ebca77)) & this.mask;
    for (;;) {
      const r = this.slots[s];
      if (r < 0 || (this.keys[r] === k && this.elems[r] === x)) return s;
      s = (s + 1) & this.mask;
    }
  }

  /** The row of (k, x), or -1. */
  find(k: number, x: number): number {
    return this.slots[this.slot(k, x)];
  }

  /** A new row for (k, x); -1 if it is there already. */
  insert(k: number, x: number): number {
    const s = this.slot(k, x);
    if (this.slots[s] >= 0) return -1;
    const r = this.size++;
    this.slots[s] = r;
    this.keys[r] = k;
    this.elems[r] = x;
    return r;
  }
}

/** Thrown when the screen finds something the general check must look at. */
class Suspect extends Error {}
const SUSPECT = new Suspect();

/**
 * Checks the history if it is one with nothing to report: the result checkHistory gives (valid),
 * or null when the general check must decide.
 */
export function checkColumns(h: HistoryColumns, models: string[], order: OrderEdges): CheckResult | null {
  try {
    return screen(h, models, order);
  } catch (e) {
    if (e === SUSPECT) return null;
    throw e;
  }
}

/** What the passes share: the history, its txns, and per-key and per-element state. */
interface Keys {
  /** Dense key number per micro-op. */
  mk: Int32Array;
  count: number;
  table: ElementTable;
  /** The longest committed non-empty read per key (a read number), or -1. */
  longest: Int32Array;
  possibleAppends: Int32Array;
  singleAppend: Int32Array;
  /** The version order's length, and the key's first reader slot (see list-append.ts). */
  orderLen: Int32Array;
  slotBase: Int32Array;
  slotCount: number;
}

function screen(h: HistoryColumns, models: string[], orderEdges: OrderEdges): CheckResult | null {
  const t = pair(h);
  const keys = collect(h, t);
  screenOtherReads(h, t, keys);
  versionOrders(h, t, keys);
  // About one data edge per micro-op and a few real-time edges per txn (3.1M for 2.5M micro-ops
  // and 0.5M txns in the bench's 1M-op history).
  const edges = new EdgeList(h.mopCount + 2 * t.count);
  const readers = readEdges(h, t, keys, edges);
  appendEdges(h, t, keys, readers, edges);
  withinTxns(h, t, keys.mk);
  lostAppends(h, t, keys);

  if (orderEdges === "realtime") addRealtimeEdgesOf(t.type.subarray(0, t.count), t.events, edges);
  else if (orderEdges === "process")
    addProcessEdgesOf(t.type.subarray(0, t.count), t.process.subarray(0, t.count), t.events, edges);
  if (edges.count + edges.inertCount === 0) return null; // empty-transaction-graph: the general check says so
  if (!acyclic(t.count, edges)) return null;

  return {
    valid: true,
    anomalyTypes: [],
    anomalies: [],
    stats: { ops: h.opCount, txns: t.count, ok: t.ok, fail: t.fail, info: t.info },
    models,
    notModels: [],
    cycleSearch: summariseCosts([]),
  };
}

/**
 * Keys as dense numbers, then pass 1 (list-append's collectKeys): writers, intermediate appends,
 * longest committed reads. Each pass is a function of its own: one large function holding every
 * loop was optimised and thrown away again loop after loop on a 1M-op history.
 */
function collect(h: HistoryColumns, t: Txns): Keys {
  const { mopF, mopVal, readFrom, opMopFrom, mopKey } = h;
  const mopCount = h.mopCount;
  const mk = new Int32Array(mopCount);
  let maxKey = 0;
  let appends = 0;
  for (let m = 0; m < mopCount; m++) {
    if (mopKey[m] > maxKey) maxKey = mopKey[m];
    if (mopF[m] === APPEND) appends++;
  }
  const keyId = new Int32Array(maxKey + 1).fill(-1);
  let count = 0;
  for (let m = 0; m < mopCount; m++) {
    const k = mopKey[m];
    let id = keyId[k];
    if (id < 0) {
      id = count++;
      keyId[k] = id;
    }
    mk[m] = id;
  }
  const type = t.type;
  const table = new ElementTable(appends);
  const longest = new Int32Array(count).fill(-1);
  const longestLen = new Int32Array(count);
  const possibleAppends = new Int32Array(count);
  const singleAppend = new Int32Array(count);
  for (let id = 0; id < t.count; id++) {
    const op = t.mopOp[id];
    const from = opMopFrom[op];
    const to = opMopFrom[op + 1];
    const possible = type[id] !== FAIL;
    for (let m = from; m < to; m++) {
      const k = mk[m];
      if (mopF[m] === APPEND) {
        const row = table.insert(k, mopVal[m]);
        // The same element appended twice (by one txn or two): duplicate-appends, or worse.
        if (row < 0) throw SUSPECT;
        table.writer[row] = id;
        if (possible) {
          possibleAppends[k]++;
          singleAppend[k] = mopVal[m];
        }
        for (let e = m - 1; e >= from; e--)
          if (mopF[e] === APPEND && mk[e] === k) {
            table.intermediate[table.find(k, mopVal[e])] = id;
            break;
          }
      } else if (type[id] === OK) {
        const r = mopVal[m];
        if (r === NIL_READ) continue;
        const len = readFrom[r + 1] - readFrom[r];
        if (len > longestLen[k]) {
          longest[k] = r;
          longestLen[k] = len;
        }
      }
    }
  }
  return {
    mk,
    count,
    table,
    longest,
    possibleAppends,
    singleAppend,
    orderLen: longestLen,
    slotBase: new Int32Array(count),
    slotCount: 0,
  };
}

/**
 * No read anywhere (any outcome, invocations too) holds an element of a failed txn: no G1a, and
 * no dirty update (which builds on a failed element in some read). Committed reads are screened
 * through their key's longest read (each must be a prefix of it); the others, nearly always nil,
 * element by element here.
 */
function screenOtherReads(h: HistoryColumns, t: Txns, keys: Keys): void {
  const { mopF, mopVal, readFrom, elems, opMopFrom } = h;
  const { mk, table } = keys;
  const type = t.type;
  const committed = new Uint8Array(h.opCount);
  for (let id = 0; id < t.count; id++) if (type[id] === OK) committed[t.mopOp[id]] = 1;
  for (let op = 0; op < h.opCount; op++) {
    if (committed[op] === 1) continue;
    for (let m = opMopFrom[op]; m < opMopFrom[op + 1]; m++) {
      if (mopF[m] !== READ || mopVal[m] === NIL_READ) continue;
      const r = mopVal[m];
      const k = mk[m];
      for (let e = readFrom[r]; e < readFrom[r + 1]; e++) {
        const row = table.find(k, elems[e]);
        if (row >= 0 && type[table.writer[row]] === FAIL) throw SUSPECT;
      }
    }
  }
}

/** Version orders: the longest committed read (no repeats, no phantoms), else a lone append. */
function versionOrders(h: HistoryColumns, t: Txns, keys: Keys): void {
  const { readFrom, elems } = h;
  const { table, longest, orderLen, slotBase } = keys;
  const type = t.type;
  let slotCount = 0;
  for (let k = 0; k < keys.count; k++) {
    const r = longest[k];
    if (r >= 0) {
      for (let e = readFrom[r], p = 0; e < readFrom[r + 1]; e++, p++) {
        const row = table.find(k, elems[e]);
        // A phantom, a repeated element, or one of a failed txn.
        if (row < 0 || table.pos[row] >= 0 || type[table.writer[row]] === FAIL) throw SUSPECT;
        table.pos[row] = p;
      }
    } else if (keys.possibleAppends[k] === 1) {
      table.pos[table.find(k, keys.singleAppend[k])] = 0;
      orderLen[k] = 1;
    }
    slotBase[k] = slotCount;
    slotCount += orderLen[k] + 1;
  }
  keys.slotCount = slotCount;
}

/**
 * Pass 2 (list-append's addReadEdges): committed reads — each a prefix of its key's longest, none
 * ending at an intermediate state — give wr edges; returns their txns grouped by reader slot.
 */
function readEdges(
  h: HistoryColumns,
  t: Txns,
  keys: Keys,
  edges: EdgeList,
): { start: Int32Array; bySlot: Int32Array } {
  const { mopF, mopVal, readFrom, elems, opMopFrom } = h;
  const { mk, table, longest, slotBase, slotCount } = keys;
  const type = t.type;
  const readerSlot = new Int32Array(h.mopCount);
  const readerTxn = new Int32Array(h.mopCount);
  let readers = 0;
  for (let id = 0; id < t.count; id++) {
    if (type[id] !== OK) continue;
    const op = t.mopOp[id];
    for (let m = opMopFrom[op]; m < opMopFrom[op + 1]; m++) {
      if (mopF[m] !== READ) continue;
      const k = mk[m];
      const r = mopVal[m];
      const len = r === NIL_READ ? 0 : readFrom[r + 1] - readFrom[r];
      if (len === 0) {
        readerSlot[readers] = slotBase[k];
        readerTxn[readers++] = id;
        continue;
      }
      const lr = longest[k];
      if (r !== lr) {
        if (len > readFrom[lr + 1] - readFrom[lr]) throw SUSPECT;
        const a = readFrom[r];
        const b = readFrom[lr];
        for (let i = 0; i < len; i++) if (elems[a + i] !== elems[b + i]) throw SUSPECT;
      }
      const row = table.find(k, elems[readFrom[r] + len - 1]);
      const w = table.writer[row];
      if (w !== id && type[w] !== FAIL) edges.add(w, id, WR);
      readerSlot[readers] = slotBase[k] + table.pos[row] + 1;
      readerTxn[readers++] = id;
      const iw = table.intermediate[row];
      if (iw >= 0 && iw !== id) throw SUSPECT;
    }
  }
  // Grouped by slot (a counting sort).
  const start = new Int32Array(slotCount + 1);
  for (let i = 0; i < readers; i++) start[readerSlot[i] + 1]++;
  for (let s = 0; s < slotCount; s++) start[s + 1] += start[s];
  const fill = start.slice(0, slotCount);
  const bySlot = new Int32Array(readers);
  for (let i = 0; i < readers; i++) bySlot[fill[readerSlot[i]]++] = readerTxn[i];
  return { start, bySlot };
}

/** Pass 3 (list-append's addAppendEdges): ww and rw edges. */
function appendEdges(
  h: HistoryColumns,
  t: Txns,
  keys: Keys,
  readers: { start: Int32Array; bySlot: Int32Array },
  edges: EdgeList,
): void {
  const { mopF, mopVal, readFrom, elems, opMopFrom } = h;
  const { mk, table, longest, orderLen, slotBase, singleAppend } = keys;
  const { start, bySlot } = readers;
  const type = t.type;
  for (let id = 0; id < t.count; id++) {
    if (type[id] === FAIL) continue;
    const op = t.mopOp[id];
    for (let m = opMopFrom[op]; m < opMopFrom[op + 1]; m++) {
      if (mopF[m] !== APPEND) continue;
      const k = mk[m];
      const place = table.pos[table.find(k, mopVal[m])];
      const p = place < 0 ? orderLen[k] - 1 : place - 1;
      if (p >= 0) {
        // The element at place p of k's order.
        const prev = longest[k] >= 0 ? elems[readFrom[longest[k]] + p] : singleAppend[k];
        const w = table.writer[table.find(k, prev)];
        if (w !== id && type[w] !== FAIL) edges.add(w, id, WW);
      }
      const slot = slotBase[k] + p + 1;
      for (let i = start[slot]; i < start[slot + 1]; i++) if (bySlot[i] !== id) edges.add(bySlot[i], id, RW);
    }
  }
}

/**
 * Within committed txns (list-append's findWithinTxns): a read that disagrees with the txn's own
 * earlier read and appends (internal), a read holding an element the txn appends later
 * (future-read), and two txns appending to a key after reading the same version of it (lost-update).
 * Every committed read is a prefix of its key's longest read by now, so a version is its length.
 */
function withinTxns(h: HistoryColumns, t: Txns, mk: Int32Array): void {
  const { mopF, mopVal, readFrom, elems, opMopFrom } = h;
  const readLen = (r: number) => (r === NIL_READ ? 0 : readFrom[r + 1] - readFrom[r]);
  const elem = (r: number, i: number) => elems[readFrom[r] + i];
  const versions = new Map<number, number>();
  for (let id = 0; id < t.count; id++) {
    if (t.type[id] !== OK) continue;
    const op = t.mopOp[id];
    const from = opMopFrom[op];
    const to = opMopFrom[op + 1];
    if (to - from < 2) continue;
    for (let j = from + 1; j < to; j++) {
      const k = mk[j];
      if (mopF[j] === READ) {
        // internal: equal to the previous read of k plus the appends since (or ending with them).
        let prior = -2;
        let since = 0;
        for (let i = j - 1; i >= from; i--) {
          if (mk[i] !== k) continue;
          if (mopF[i] === READ) {
            prior = mopVal[i];
            break;
          }
          since++;
        }
        if (prior === -2 && since === 0) continue;
        const v = mopVal[j];
        const n = readLen(v);
        if (prior !== -2) {
          const pn = readLen(prior);
          if (n !== pn + since) throw SUSPECT;
          for (let i = 0; i < pn; i++) if (elem(v, i) !== elem(prior, i)) throw SUSPECT;
        } else if (n < since) throw SUSPECT;
        // The last `since` elements are the appends between, in order.
        let q = n - 1;
        for (let i = j - 1; i >= from && q >= n - since; i--) {
          if (mk[i] !== k || mopF[i] !== APPEND) continue;
          if (elem(v, q) !== mopVal[i]) throw SUSPECT;
          q--;
        }
        continue;
      }
      // An append: future-read, and the lost-update candidate.
      let firstRead = -2;
      let appendedAfterRead = false;
      for (let i = from; i < j; i++) {
        if (mk[i] !== k) continue;
        if (mopF[i] === READ) {
          const r = mopVal[i];
          if (firstRead === -2) firstRead = r;
          for (let e = 0; e < readLen(r); e++) if (elem(r, e) === mopVal[j]) throw SUSPECT;
        } else if (firstRead !== -2) appendedAfterRead = true;
      }
      if (firstRead === -2 || appendedAfterRead) continue;
      // Reads of one key that are prefixes of one list are equal when their lengths are.
      const version = k * 2 ** 24 + readLen(firstRead);
      if (readLen(firstRead) >= 2 ** 24 || versions.has(version)) throw SUSPECT;
      versions.set(version, id);
    }
  }
}

/**
 * lost-append.ts's fast test, unchanged in substance: a committed read invoked after some
 * committed append completed, whose element lies beyond the read's length (or was never read),
 * may have lost it; any such read sends the history to the general check. Under a model that
 * names real time such a read is already on a cycle (the append, placed at or after the read's
 * length, is reached from the read by rw and ww edges, and reaches it in real time); the screen is
 * what catches it when lost-append is asked for alone, with no real-time edges in the graph.
 */
function lostAppends(h: HistoryColumns, t: Txns, keys: Keys): void {
  const { mk, table, longest, orderLen, slotBase, slotCount } = keys;
  const { mopF, mopVal, readFrom, opMopFrom } = h;
  const suffixDone = new Float64Array(slotCount).fill(Number.POSITIVE_INFINITY);
  const unseen = new Float64Array(orderLen.length).fill(Number.POSITIVE_INFINITY);
  for (let id = 0; id < t.count; id++) {
    if (t.type[id] !== OK) continue;
    const op = t.mopOp[id];
    for (let m = opMopFrom[op]; m < opMopFrom[op + 1]; m++) {
      if (mopF[m] !== APPEND) continue;
      const k = mk[m];
      // Places count only in the longest committed read (a lone append's order is not a read).
      const p = longest[k] >= 0 ? table.pos[table.find(k, mopVal[m])] : -1;
      const done = t.completePos[id];
      if (p >= 0) suffixDone[slotBase[k] + p] = done;
      else if (done < unseen[k]) unseen[k] = done;
    }
  }
  for (let k = 0; k < orderLen.length; k++) {
    const len = longest[k] >= 0 ? orderLen[k] : 0;
    for (let p = len - 1; p >= 0; p--)
      if (suffixDone[slotBase[k] + p + 1] < suffixDone[slotBase[k] + p])
        suffixDone[slotBase[k] + p] = suffixDone[slotBase[k] + p + 1];
  }
  for (let id = 0; id < t.count; id++) {
    if (t.type[id] !== OK || t.invokePos[id] < 0) continue;
    const op = t.mopOp[id];
    for (let m = opMopFrom[op]; m < opMopFrom[op + 1]; m++) {
      if (mopF[m] !== READ) continue;
      const k = mk[m];
      const r = mopVal[m];
      const n = r === NIL_READ ? 0 : readFrom[r + 1] - readFrom[r];
      // Beyond the longest read's places, only the never-read appends count.
      const next =
        longest[k] >= 0 && n <= orderLen[k] ? suffixDone[slotBase[k] + n] : Number.POSITIVE_INFINITY;
      if (Math.min(next, unseen[k]) < t.invokePos[id]) throw SUSPECT;
    }
  }
}

/** Client transactions: invocations by a client process (as the CLI counts them). */
export function countInvocations(h: HistoryColumns): number {
  let n = 0;
  for (let i = 0; i < h.opCount; i++) if (h.opType[i] === INVOKE && h.opProcess[i] !== NEMESIS) n++;
  return n;
}

/** Whether the graph has no cycle (Kahn's algorithm: every vertex leaves with in-degree 0). */
function acyclic(n: number, edges: EdgeList): boolean {
  const { offsets, targets } = graph.toCsr(n, edges);
  const indeg = new Int32Array(n);
  for (let i = 0; i < edges.count; i++) indeg[edges.to[i]]++;
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let v = 0; v < n; v++) if (indeg[v] === 0) queue[tail++] = v;
  while (head < tail) {
    const v = queue[head++];
    for (let i = offsets[v]; i < offsets[v + 1]; i++)
      if (--indeg[targets[i]] === 0) queue[tail++] = targets[i];
  }
  return tail === n;
}
