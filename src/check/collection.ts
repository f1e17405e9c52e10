/**
 * The checks that lists used as queues (queue.ts) and hashes (hash.ts) share: both are
 * collections of unique items under one key, with a size command (LLEN, HLEN), a full read
 * (LRANGE 0 -1, HGETALL), DEL and EXISTS. The finders here are written once and told what differs
 * by a small `CollectionShape`: which micro-op reports a size, which reads the whole collection,
 * how each micro-op changes the size, and the words an explanation uses. Like Elle's transaction
 * finders, each one takes the history (or one key's part of it) and the datatype's predicates,
 * checks `ctx.wants` itself, and appends what it finds.
 *
 *   - the order of the analysis (`analyzeCollection`) and per-key collection of micro-ops (`perKey`);
 *   - phantom and aborted (G1a) observations (`Origins`);
 *   - len-mismatch inside one transaction (`findTxnLenMismatches`) and across transactions in a
 *     quiet window (`findQuietLenMismatches`);
 *   - resurrected-key shown by a size or EXISTS after an acknowledged DEL (`findCountResurrections`);
 *   - a stale observation reported with its two-step real-time cycle (`staleObservation`).
 */
import type { AnalysisContext, Anomaly, DatatypeAnalysis } from "./datatype.ts";
import { show } from "./datatype.ts";
import { Coverage, EdgeReasons, Once } from "./evidence.ts";
import type { Key, MopValue } from "./history.ts";
import type { Txn } from "./txn.ts";
import { txnLabel as label } from "./txn.ts";

/** Words for an explanation, built only if the explanation is. */
export type Text = () => string;

/** What tells one collection datatype from another, as far as the shared finders care. */
export interface CollectionShape {
  /** The micro-op that reports the size (`len`, `hlen`), and its command name. */
  lenF: string;
  lenName: string;
  /** The micro-op that reads the whole collection (`r`, `hgetall`). */
  fullF: string;
  /** How many items a full read's value holds; null when the value is unreadable. */
  fullSize(v: MopValue): number | null;
  /** A full read's value in words, for an explanation inside one transaction. */
  fullText(key: Key, v: MopValue): string;
  /**
   * How a committed micro-op other than the size and the full read changes the size: +1, -1 or 0,
   * or null when its effect is not known from its reply (what the size is after it is then unknown).
   */
  sizeChange(f: string, v: MopValue): number | null;
  /** Whether a micro-op adds items (RPUSH, LPUSH, HSET). */
  adds(f: string): boolean;
  /** Words: the collection ("list"), one item ("element"), the micro-ops that add an item ("push"), and those of one transaction that change the size. */
  noun: string;
  item: string;
  adder: string;
  ownChanges: string;
}

/** A committed micro-op that reports a count: the size, EXISTS, a DEL's reply. */
export interface Count {
  t: Txn;
  j: number;
  f: string;
  n: number;
}

/** A committed full read, with its size and words. */
export interface FullRead {
  t: Txn;
  size: number;
  what: Text;
}

/** A committed DEL of the key; `n` is its reply (1 when unreadable). */
export interface KeyDel {
  t: Txn;
  j: number;
  n: number;
  /** The same transaction adds to the key after deleting it. */
  addsAfter: boolean;
}

/** What every collection datatype gathers per key. */
export interface CollectionKey {
  key: Key;
  /** Committed sizes and EXISTS replies. */
  counts: Count[];
  /** Committed DELs. */
  dels: KeyDel[];
  /** Txns that may change the collection. */
  writers: Set<Txn>;
}

/** One collection datatype's own steps, which `analyzeCollection` runs in order. */
export interface CollectionAnalysis<S extends CollectionKey> {
  shape: CollectionShape;
  collect(txns: readonly Txn[]): Map<Key, S>;
  /**
   * Data edges of one key, and its anomalies that need no real time; false when nothing more can
   * be inferred about the key.
   */
  inferKey(ctx: AnalysisContext, s: S, reasons: EdgeReasons, out: Anomaly[]): boolean;
  /** The key's anomalies defined by real time (history order), checked only when it binds. */
  realtimeKey(ctx: AnalysisContext, s: S, out: Anomaly[]): void;
  /** The key's committed full reads. */
  fullReads(s: S): FullRead[];
  /** Edges that need the data edges of every key first. */
  afterKeys?(ctx: AnalysisContext, keys: Map<Key, S>, reasons: EdgeReasons): void;
}

/**
 * A collection datatype's analysis: per key, its data edges and anomalies, then (when real time
 * binds) those defined by real time and the quiet-window length check; then what needs every key,
 * and the length check inside transactions.
 */
export function analyzeCollection<S extends CollectionKey>(
  ctx: AnalysisContext,
  d: CollectionAnalysis<S>,
): DatatypeAnalysis {
  const anomalies: Anomaly[] = [];
  const reasons = new EdgeReasons(ctx.edges, ctx.txns.length);
  const keys = d.collect(ctx.txns);
  for (const s of keys.values()) {
    if (!d.inferKey(ctx, s, reasons, anomalies) || ctx.realtime === false) continue;
    d.realtimeKey(ctx, s, anomalies);
    findQuietLenMismatches(ctx, d.shape, s.key, s.counts, d.fullReads(s), s.writers, anomalies);
  }
  d.afterKeys?.(ctx, keys, reasons);
  findTxnLenMismatches(ctx, d.shape, anomalies);
  return { anomalies, explain: (a, b, kind) => reasons.get(a, b, kind) };
}

/** A count from an integer reply or a boolean one (EXISTS in some clients); null otherwise. */
export function countOf(v: MopValue): number | null {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  return null;
}

/**
 * Per-key state, created on first use, and a pass over every micro-op of the history that fills it.
 * Sizes, EXISTS and DEL are gathered here; `visit` is called for every micro-op (these included)
 * with the key's state, the transaction, the micro-op's position and whether the transaction
 * committed or may have taken effect at all; `deletes` for each DEL that may have removed something
 * (it did not reply 0).
 */
export function perKey<S extends CollectionKey>(
  txns: readonly Txn[],
  shape: CollectionShape,
  make: (key: Key) => S,
  visit: (s: S, t: Txn, j: number, ok: boolean, possible: boolean) => void,
  deletes: (s: S, t: Txn, j: number) => void,
): Map<Key, S> {
  const keys = new Map<Key, S>();
  for (const t of txns) {
    const ok = t.type === "ok";
    const possible = t.type !== "fail";
    const mops = t.mops;
    for (let j = 0; j < mops.length; j++) {
      const [f, k, v] = mops[j];
      let s = keys.get(k);
      if (s === undefined) {
        s = make(k);
        keys.set(k, s);
      }
      const n = ok ? countOf(v) : null;
      if ((f === shape.lenF || f === "exists") && n !== null) s.counts.push({ t, j, f, n });
      else if (f === "del") {
        if (ok) {
          let addsAfter = false;
          for (let i = j + 1; i < mops.length; i++)
            if (shape.adds(mops[i][0]) && mops[i][1] === k) addsAfter = true;
          s.dels.push({ t, j, n: n ?? 1, addsAfter });
        }
        if (possible && (!ok || n !== 0)) {
          s.writers.add(t);
          deletes(s, t, j);
        }
      }
      visit(s, t, j, ok, possible);
    }
  }
  return keys;
}

/** The value under `k` in `m`, made and stored first if there is none. */
export function entry<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) {
    v = make();
    m.set(k, v);
  }
  return v;
}

/**
 * A datatype's `claims`: every function applied to the key is one of `fs`, and at least one is
 * `distinctive` (what tells this datatype's keys from another's that shares some functions).
 */
export function claimsWhen(fs: readonly string[], distinctive: (f: string) => boolean) {
  return (_key: Key, used: ReadonlySet<string>): boolean => {
    let mine = false;
    for (const f of used) {
      if (!fs.includes(f)) return false;
      if (distinctive(f)) mine = true;
    }
    return mine;
  };
}

/** Appends `x` to the list under `k` in `m`, creating it. */
export function pushTo<K, V>(m: Map<K, V[]>, k: K, x: V): void {
  const l = m.get(k);
  if (l === undefined) m.set(k, [x]);
  else l.push(x);
}

/**
 * Where observed items came from: an item no transaction ever wrote is a phantom-element, one
 * written only by a failed transaction an aborted read (G1a). Each phantom is reported once per
 * item, each aborted read once per reader and item.
 */
export class Origins {
  private readonly wantPhantom: boolean;
  private readonly wantG1a: boolean;
  private readonly phantoms = new Once();
  private readonly aborted = new Once();

  constructor(
    ctx: AnalysisContext,
    private readonly key: Key,
    private readonly out: Anomaly[],
  ) {
    this.wantPhantom = ctx.wants("phantom-element");
    this.wantG1a = ctx.wants("G1a");
  }

  /**
   * `t` observed `x` (`what` says how); `writer` is the transaction that wrote it, or undefined when
   * none did. `id` names the item for the once-only rule; `nowhere` ends the phantom's explanation.
   */
  observed(
    t: Txn,
    x: MopValue,
    what: Text,
    writer: Txn | undefined,
    id: unknown[],
    nowhere: Text,
    wrote: string,
  ): void {
    if (writer === undefined) {
      if (!this.wantPhantom || !this.phantoms.first(...id)) return;
      this.out.push({
        type: "phantom-element",
        keys: [this.key],
        ops: [t.index],
        explanation: `${label(t)} ${what()}, but ${nowhere()}.`,
      });
    } else if (writer.type === "fail" && this.wantG1a && this.aborted.first(t.id, ...id)) {
      this.out.push({
        type: "G1a",
        keys: [this.key],
        ops: [t.index, writer.index],
        explanation: `${label(t)} ${what()}, observing ${show(x)}, which was ${wrote} by ${label(
          writer,
        )}, a transaction that failed (aborted read).`,
      });
    }
  }
}

/**
 * len-mismatch inside one committed transaction: the size and a full read of the same key,
 * adjusted for the transaction's own changes between them, must agree.
 */
export function findTxnLenMismatches(ctx: AnalysisContext, shape: CollectionShape, out: Anomaly[]): void {
  if (!ctx.wants("len-mismatch")) return;
  const state = new Map<Key, { n: number; full: boolean; v: MopValue }>();
  for (const t of ctx.txns) {
    if (t.type !== "ok" || t.mops.length < 2) continue;
    state.clear();
    for (const [f, k, v] of t.mops) {
      const s = state.get(k);
      if (f === shape.fullF || f === shape.lenF) {
        const full = f === shape.fullF;
        const n = full ? shape.fullSize(v) : countOf(v);
        if (n === null) continue;
        if (s !== undefined && s.full !== full && s.n !== n) {
          const lenText = `${shape.lenName} ${show(k)} = ${show(full ? s.v : v)}`;
          const fullText = shape.fullText(k, full ? v : s.v);
          const [first, second] = full ? [lenText, fullText] : [fullText, lenText];
          out.push({
            type: "len-mismatch",
            keys: [k],
            ops: [t.index],
            explanation: `${label(t)} read ${first} and then ${second} in one transaction; counting its own ${shape.ownChanges} in between, the first implies ${s.n} ${shape.item}(s) at the second, which shows ${n}.`,
          });
        }
        state.set(k, { n, full, v });
      } else if (s !== undefined) {
        const d = shape.sizeChange(f, v);
        if (d === null) state.delete(k);
        else s.n += d;
      }
    }
  }
}

/**
 * len-mismatch across transactions: a size and a full read of the key in one quiet window (no write
 * to the key, committed or not, may have taken effect from the first's invocation to the second's
 * completion) saw the same collection, so they must agree.
 */
export function findQuietLenMismatches(
  ctx: AnalysisContext,
  shape: CollectionShape,
  key: Key,
  counts: readonly Count[],
  fulls: readonly FullRead[],
  writers: Iterable<Txn>,
  out: Anomaly[],
): void {
  if (!ctx.wants("len-mismatch")) return;
  const lens = counts.filter((c) => c.f === shape.lenF);
  if (lens.length === 0 || fulls.length === 0) return;
  const cov = new Coverage(writers);
  const fullsByGap = new Map<number, FullRead[]>();
  for (const r of fulls) {
    const g = cov.gapOf(r.t);
    if (g >= 0) pushTo(fullsByGap, g, r);
  }
  for (const c of lens) {
    const g = cov.gapOf(c.t);
    if (g < 0) continue;
    const r = fullsByGap.get(g)?.find((r) => r.t !== c.t && r.size !== c.n);
    if (r === undefined) continue;
    const [a, b] = r.t.invokePos < c.t.invokePos ? [r.t, c.t] : [c.t, r.t];
    out.push({
      type: "len-mismatch",
      keys: [key],
      ops: [a.index, b.index],
      explanation: `${label(c.t)} read ${shape.lenName} ${show(key)} = ${c.n}, but ${label(r.t)} ${r.what()}, ${r.size} ${
        shape.item
      }${r.size === 1 ? "" : "s"}; no write to that key may have taken effect from the invocation of ${label(
        a,
      )} to the completion of ${label(b)}, so both saw the same ${shape.noun}.`,
    });
  }
}

/**
 * resurrected-key shown by a count: the size or EXISTS is non-zero after an acknowledged DEL,
 * although no write that adds to the key may have taken effect from the DEL's invocation to that
 * read's completion. `settled` may end an adder's span before its completion, when an observation
 * of what it added completed first; `plain` is the coverage without that, to say so.
 */
export function findCountResurrections(
  shape: CollectionShape,
  key: Key,
  dels: readonly KeyDel[],
  counts: readonly Count[],
  settled: Coverage,
  plain: Coverage,
  out: Anomaly[],
): void {
  const k = show(key);
  const firstDel = new Map<number, KeyDel>();
  for (const d of dels) {
    if (d.addsAfter) continue;
    const g = settled.gapOf(d.t);
    if (g < 0) continue;
    const cur = firstDel.get(g);
    if (cur === undefined || d.t.completePos < cur.t.completePos) firstDel.set(g, d);
  }
  if (firstDel.size === 0) return;
  for (const c of counts) {
    if (c.n === 0 || (c.f !== shape.lenF && c.f !== "exists")) continue;
    const g = settled.gapOf(c.t);
    const d = g < 0 ? undefined : firstDel.get(g);
    if (d === undefined || c.t.invokePos <= d.t.completePos) continue;
    const early =
      plain.gap(d.t.invokePos, c.t.completePos) < 0
        ? ` (a ${shape.adder} still in flight then had already taken effect: a read or pop had returned its ${shape.item} before the DEL was invoked)`
        : "";
    out.push({
      type: "resurrected-key",
      keys: [key],
      ops: [d.t.index, c.t.index],
      explanation: `${label(d.t)} deleted key ${k} (acknowledged), and ${label(c.t)}, invoked after that, read ${
        c.f === shape.lenF ? shape.lenName : "EXISTS"
      } ${k} = ${c.n}, though no ${shape.adder} to that key may have taken effect from the DEL's invocation to that read's completion${early}: the key should be empty.`,
    });
  }
}

/**
 * G-single-item-realtime found directly, as Elle names a stale read: `reader` observed a state
 * older than `writer`'s write (the rw step, justified by `rwWhy`, which calls them T1 and T2), yet
 * `writer` completed before `reader` was invoked. `after` may add a closing remark.
 */
export function staleObservation(
  key: Key,
  reader: Txn,
  writer: Txn,
  value: MopValue,
  rwWhy: string,
  ops: number[] = [reader.index, writer.index],
  after = "",
): Anomaly {
  const rt = `T2 completed at index ${writer.completePos}, before T1 was invoked at index ${reader.invokePos}`;
  return {
    type: "G-single-item-realtime",
    keys: [key],
    cycle: {
      steps: [
        { from: reader.index, to: writer.index, kind: "rw", key, value, why: rwWhy },
        { from: writer.index, to: reader.index, kind: "realtime", why: rt },
      ],
    },
    ops,
    explanation: `Let:\n  T1 = ${label(reader)}\n  T2 = ${label(writer)}\n\nThen:\n  - T1 < T2, because ${rwWhy} (rw).\n  - However, T2 < T1, because ${rt} (realtime): a contradiction!${after}`,
  };
}
