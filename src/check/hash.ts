/**
 * Hashes: HSET (`hset`, [field value new?]), HDEL (`hdel`, [field removed?]), HGET (`hget`,
 * [field value]), HGETALL (`hgetall`, {field value}), HLEN (`hlen`), plus DEL and EXISTS on a hash
 * key. Each field is a register whose written values are unique per key, so every value read
 * traces back to the one HSET that wrote it.
 *
 * What the data proves, in any serial order:
 *   - a read of field f = v follows the HSET that wrote v (wr);
 *   - a transaction that read f (HGET, HGETALL, or HSET's `new?` = true, which found f absent) and
 *     then wrote f installed the version right after the one it read: that version's writer
 *     precedes it (ww) and every other reader of that version precedes it (rw);
 *   - when nothing ever deletes f (no HDEL of f, no DEL of the key), "absent" is only the initial
 *     state: a read that found f absent precedes every write of f (rw), and a transaction that
 *     found it absent and then wrote it is its first writer (ww to the others);
 *   - when f is deleted somewhere, each delete that found it present makes a new absent version,
 *     and a read that found f absent saw one of them, unknown which. It still precedes an HSET of f
 *     in another transaction when no delete can lie between the two: each one is in the reader's
 *     own transaction after the read, or in the HSET's before it, or known to follow the reader or
 *     to precede the HSET (rw; addAbsentEdgesAcrossDeletes);
 *   - a read of f = v precedes any change of f (HSET, HDEL, DEL) in a transaction known to follow
 *     v's writer: f never held v again (rw; addOverwriteEdges).
 * "Known to follow" means a direct ww or wr dependency already inferred from the data (KnownOrder),
 * never real time, so these edges hold under every model. Blind HSETs have no known order between
 * them in the data (as in Elle's rw-register), so no other edge is claimed; under strict models,
 * real time orders them, and a read of a version real time had already replaced is reported
 * directly as G-single-item-realtime (findStaleReads).
 *
 * Non-cycle anomalies: phantom-element (a value never written to that field), G1a, lost-update
 * (two committed transactions read the same version of a field and both wrote it), len-mismatch
 * (HLEN against HGETALL, in one transaction or in a quiet window) and resurrected-key (a value
 * read after an acknowledged DEL or HDEL that followed its write, or HLEN/EXISTS non-zero in a
 * quiet window after a DEL).
 */
import {
  analyzeCollection,
  type CollectionAnalysis,
  type CollectionKey,
  type CollectionShape,
  claimsWhen,
  entry,
  findCountResurrections,
  Origins,
  perKey,
  pushTo,
  staleObservation,
  type Text,
} from "./collection.ts";
import type { AnalysisContext, Anomaly, Datatype } from "./datatype.ts";
import { show } from "./datatype.ts";
import { Coverage, doneAt, EarliestAfter, type EdgeReasons, Once, precedes } from "./evidence.ts";
import { RW, RW_REALTIME, WR, WW } from "./graph.ts";
import type { Key, MopValue } from "./history.ts";
import type { Txn } from "./txn.ts";
import { txnLabel } from "./txn.ts";

type Elem = MopValue;

const HASH_FS: readonly string[] = ["hset", "hdel", "hget", "hgetall", "hlen", "del", "exists"];
const HASH_ONLY = new Set(["hset", "hdel", "hget", "hgetall", "hlen"]);

export const hash: Datatype = {
  name: "hash",
  fs: HASH_FS,
  claims: claimsWhen(HASH_FS, (f) => HASH_ONLY.has(f)),
  analyze: (ctx) => analyzeCollection(ctx, HASHES),
};

/** The state "field absent" (initial, or after a delete). */
const ABSENT = Symbol("absent");
type Version = Elem | typeof ABSENT;

interface Write {
  t: Txn;
  j: number;
  field: string;
  v: Elem;
  isNew: boolean | null;
}

/** A committed observation of one field. */
interface FieldRead {
  t: Txn;
  /** Position of the micro-op in its transaction. */
  j: number;
  field: string;
  v: Version;
  what: Text;
  /** Made before the transaction itself wrote the field, so it saw another transaction's version. */
  external: boolean;
}

/** A micro-op that may have removed a field: HDEL of it (`field`) or DEL of the key (`field` null). */
interface Removal {
  t: Txn;
  j: number;
  field: string | null;
}

/** A committed HDEL of `field`, or DEL of the key (`field` null). */
interface Deleter {
  t: Txn;
  field: string | null;
}

/** A committed transaction that read a field's version and then wrote that field. */
interface ReadWrite {
  t: Txn;
  field: string;
  v: Version;
  how: Text;
}

interface HashKey extends CollectionKey {
  writes: Map<Elem, Write>;
  /** Values written more than once on this key: they cannot be traced to one write. */
  ambiguous: Set<Elem>;
  fieldWriters: Map<string, Write[]>;
  fields: Set<string>;
  valueReads: FieldRead[];
  absentReads: FieldRead[];
  alls: { t: Txn; j: number; map: Record<string, Elem> }[];
  /** Committed HDELs, whatever they replied. */
  hdels: Deleter[];
  deletedFields: Set<string>;
  keyDeleted: boolean;
  /** Txns that may have deleted a field (by field; DELs of the key under null). */
  mayDelete: Map<string | null, Txn[]>;
  /** The same, one per micro-op with its position: HDELs and DELs that did not reply 0 (or whose reply is unknown). */
  removals: Removal[];
  /**
   * Every external observation of a field as absent: reads, and replies that found it absent
   * (HSET new? = true, HDEL 0, DEL 0).
   */
  absentSeen: FieldRead[];
  writers: Set<Txn>;
  adders: Set<Txn>;
  readWrites: ReadWrite[];
}

const label = txnLabel;

function pair(v: MopValue): MopValue[] | null {
  return Array.isArray(v) && v.length >= 1 ? v : null;
}

function mapOf(v: MopValue): Record<string, Elem> | null {
  if (v === null || v === undefined) return {};
  if (typeof v === "object" && !Array.isArray(v)) return v;
  return null;
}

/** Whether every id of `ids` is in `after`. */
function covers(ids: number[], after: Set<number>): boolean {
  if (ids.length > after.size) return false;
  for (const i of ids) if (!after.has(i)) return false;
  return true;
}

const allWhat = (k: Key, map: Record<string, Elem>) => `read key ${show(k)} = ${show(map)} (HGETALL)`;

// The explanations below are built only for an anomaly. They are made by these functions rather
// than as named arrow functions inside the loops over reads: the loader that runs the sources
// gives every named function a runtime name call, once per read.
const getText = (field: string, k: Key, x: Elem | null) => () =>
  `read field ${show(field)} of key ${show(k)} = ${show(x)} (HGET)`;
const allText = (k: Key, map: Record<string, Elem>) => () => allWhat(k, map);

/** HSET and HDEL change the size by what their replies say (new? and removed?). */
const HASH_SHAPE: CollectionShape = {
  lenF: "hlen",
  lenName: "HLEN",
  fullF: "hgetall",
  fullSize(v) {
    const map = mapOf(v);
    return map === null ? null : Object.keys(map).length;
  },
  fullText: (k, v) => `HGETALL ${show(k)} = ${show(v)}`,
  sizeChange(f, v) {
    const p = pair(v);
    if (f === "hset" && p !== null && typeof p[2] === "boolean") return p[2] ? 1 : 0;
    if (f === "hdel" && p !== null && typeof p[1] === "boolean") return p[1] ? -1 : 0;
    return f === "hget" || f === "exists" ? 0 : null;
  },
  adds: (f) => f === "hset",
  noun: "hash",
  item: "field",
  adder: "HSET",
  ownChanges: "HSETs and HDELs",
};

function mayDelete(h: HashKey, field: string | null, t: Txn): void {
  const l = h.mayDelete.get(field);
  if (l === undefined) h.mayDelete.set(field, [t]);
  else if (l[l.length - 1] !== t) l.push(t);
}

function collect(txns: readonly Txn[]): Map<Key, HashKey> {
  const make = (key: Key): HashKey => ({
    key,
    writes: new Map(),
    ambiguous: new Set(),
    fieldWriters: new Map(),
    fields: new Set(),
    valueReads: [],
    absentReads: [],
    alls: [],
    counts: [],
    dels: [],
    hdels: [],
    deletedFields: new Set(),
    keyDeleted: false,
    mayDelete: new Map(),
    removals: [],
    absentSeen: [],
    writers: new Set(),
    adders: new Set(),
    readWrites: [],
  });
  const visit = (h: HashKey, t: Txn, j: number, ok: boolean, possible: boolean) => {
    const [f, , v] = t.mops[j];
    switch (f) {
      case "hset": {
        const p = pair(v);
        if (p === null || p.length < 2) break;
        const field = String(p[0]);
        h.fields.add(field);
        const w: Write = { t, j, field, v: p[1], isNew: ok && typeof p[2] === "boolean" ? p[2] : null };
        if (h.writes.has(w.v)) h.ambiguous.add(w.v);
        else h.writes.set(w.v, w);
        if (possible) {
          pushTo(h.fieldWriters, field, w);
          h.writers.add(t);
          h.adders.add(t);
        }
        break;
      }
      case "hdel": {
        const p = pair(v);
        if (p === null) break;
        const field = String(p[0]);
        h.fields.add(field);
        const removed = ok && typeof p[1] === "boolean" ? p[1] : null;
        if (possible && removed !== false) {
          h.deletedFields.add(field);
          h.writers.add(t);
          mayDelete(h, field, t);
          h.removals.push({ t, j, field });
        }
        if (ok) h.hdels.push({ t, field });
        break;
      }
      case "hget": {
        const p = pair(v);
        if (p !== null) h.fields.add(String(p[0]));
        break;
      }
      case "hgetall": {
        const map = ok ? mapOf(v) : null;
        if (map === null) break;
        for (const field of Object.keys(map)) h.fields.add(field);
        h.alls.push({ t, j, map });
        break;
      }
    }
  };
  const deletes = (h: HashKey, t: Txn, j: number) => {
    h.keyDeleted = true;
    mayDelete(h, null, t);
    h.removals.push({ t, j, field: null });
  };
  const keys = perKey(txns, HASH_SHAPE, make, visit, deletes);
  for (const t of txns) if (t.type === "ok") readsOf(t, keys);
  return keys;
}

/** Field observations of a committed txn, and the fields it read before writing them. */
function readsOf(t: Txn, keys: Map<Key, HashKey>): void {
  // Most transactions touch no hash key: leave before the helpers below are made for nothing.
  let touches = false;
  for (const m of t.mops) {
    if (keys.has(m[1])) {
      touches = true;
      break;
    }
  }
  if (!touches) return;
  // Per key and field: the version first read (before any write by t), or "written" once written.
  const first = new Map<HashKey, Map<string, { v: Version; how: Text } | "written">>();
  const firstOf = (h: HashKey) => entry(first, h, () => new Map());
  let j = 0;
  const observe = (h: HashKey, field: string, v: Version, what: Text) => {
    const m = firstOf(h);
    const external = m.get(field) !== "written";
    const r: FieldRead = { t, j, field, v, what, external };
    if (v === ABSENT) h.absentReads.push(r);
    else h.valueReads.push(r);
    if (external && v === ABSENT) h.absentSeen.push(r);
    if (!m.has(field)) m.set(field, { v, how: what });
  };
  const found = (h: HashKey, field: string, how: Text) => {
    const m = firstOf(h);
    const s = m.get(field);
    if (s === "written") return;
    h.absentSeen.push({ t, j, field, v: ABSENT, what: how, external: true });
    if (s === undefined) m.set(field, { v: ABSENT, how });
  };
  const write = (h: HashKey, field: string, how: Text) => {
    const m = firstOf(h);
    const s = m.get(field);
    if (s !== undefined && s !== "written")
      h.readWrites.push({ t, field, v: s.v, how: () => `${s.how()}, then ${how()}` });
    m.set(field, "written");
  };
  for (; j < t.mops.length; j++) {
    const [f, k, v] = t.mops[j];
    const h = keys.get(k);
    if (h === undefined) continue;
    switch (f) {
      case "hget": {
        const p = pair(v);
        if (p === null) break;
        const field = String(p[0]);
        const x = p.length > 1 ? p[1] : null;
        const what = getText(field, k, x);
        observe(h, field, x === null || x === undefined ? ABSENT : x, what);
        break;
      }
      case "hgetall": {
        const map = mapOf(v);
        if (map === null) break;
        const what = allText(k, map);
        for (const field of h.fields) {
          const x = Object.hasOwn(map, field) ? map[field] : null;
          observe(h, field, x === null || x === undefined ? ABSENT : x, what);
        }
        break;
      }
      case "hset": {
        const p = pair(v);
        if (p === null || p.length < 2) break;
        const field = String(p[0]);
        if (p[2] === true)
          found(h, field, () => `found field ${show(field)} of key ${show(k)} absent (HSET new? = true)`);
        write(h, field, () => `set field ${show(field)} of key ${show(k)} to ${show(p[1])}`);
        break;
      }
      case "hdel": {
        const p = pair(v);
        if (p === null) break;
        const field = String(p[0]);
        const s = firstOf(h).get(field);
        if (p[1] === false)
          found(h, field, () => `found field ${show(field)} of key ${show(k)} absent (HDEL 0)`);
        else if (p[1] === true || (s !== undefined && s !== "written" && s.v !== ABSENT))
          write(h, field, () => `deleted field ${show(field)} of key ${show(k)}`);
        break;
      }
      case "del": {
        if (v === 0) {
          for (const field of h.fields)
            found(h, field, () => `deleted key ${show(k)}, which did not exist (DEL 0)`);
        } else for (const field of h.fields) write(h, field, () => `deleted key ${show(k)}`);
        break;
      }
    }
  }
}

const HASHES: CollectionAnalysis<HashKey> = {
  shape: HASH_SHAPE,
  collect,
  inferKey(ctx, h, reasons, out) {
    checkValues(ctx, h, out);
    addEdges(h, reasons);
    findLostUpdates(ctx, h, out);
    return true;
  },
  realtimeKey(ctx, h, out) {
    findStaleReads(ctx, h, out);
    findResurrections(ctx, h, out);
  },
  fullReads: (h) =>
    h.alls.map((a) => ({ t: a.t, size: Object.keys(a.map).length, what: () => allWhat(h.key, a.map) })),
  afterKeys(ctx, keys, reasons) {
    // Orders across deletes need the direct dependencies found so far, on every key and datatype.
    const order = KnownOrder.from(ctx, keys.values());
    for (const h of keys.values()) {
      addAbsentEdgesAcrossDeletes(h, order, reasons, ctx.realtime !== false);
      addOverwriteEdges(h, ctx.txns, order, reasons);
    }
  },
};

/** The traceable write of value v of this field, if it may have happened. */
function writerOf(h: HashKey, field: string, v: Version): Write | undefined {
  if (v === ABSENT || h.ambiguous.has(v)) return undefined;
  const w = h.writes.get(v);
  return w !== undefined && w.field === field && w.t.type !== "fail" ? w : undefined;
}

function neverDeleted(h: HashKey, field: string): boolean {
  return !h.keyDeleted && !h.deletedFields.has(field);
}

function checkValues(ctx: AnalysisContext, h: HashKey, out: Anomaly[]): void {
  const origins = new Origins(ctx, h.key, out);
  for (const r of h.valueReads) {
    const v = r.v as Elem;
    if (h.ambiguous.has(v)) continue;
    const w = h.writes.get(v);
    const nowhere = () =>
      `no transaction ever wrote ${show(v)} to field ${show(r.field)} of that key${
        w === undefined ? "" : ` (${label(w.t)} wrote it to field ${show(w.field)})`
      }`;
    origins.observed(
      r.t,
      v,
      r.what,
      w !== undefined && w.field === r.field ? w.t : undefined,
      [r.field, v],
      nowhere,
      "written",
    );
  }
}

function addEdges(h: HashKey, reasons: EdgeReasons): void {
  const k = show(h.key);
  const readersOf = new Map<string, Map<Version, FieldRead[]>>();
  const note = (r: FieldRead) =>
    pushTo(
      entry(readersOf, r.field, () => new Map<Version, FieldRead[]>()),
      r.v,
      r,
    );
  /** An edge from the traceable write of `field` = `v` to `t`, which read or replaced it. */
  const fromWriter = (
    field: string,
    v: Version,
    t: Txn,
    kind: number,
    text: (a: string, b: string) => string,
  ) => {
    const w = writerOf(h, field, v);
    if (w !== undefined) reasons.add(w.t, t, kind, () => ({ key: h.key, value: v as Elem, text }));
  };
  for (const r of h.valueReads) {
    note(r);
    fromWriter(
      r.field,
      r.v,
      r.t,
      WR,
      (a, b) => `${b} ${r.what()}, observing ${a}'s write of ${show(r.v as Elem)} to field ${show(r.field)}`,
    );
  }
  for (const r of h.absentReads) if (neverDeleted(h, r.field)) note(r);

  // Read-then-write: the writer installed the version right after the one it read.
  const claimants = new Map<string, Set<Txn>>();
  for (const rw of h.readWrites) {
    const absent = rw.v === ABSENT;
    if (absent && !neverDeleted(h, rw.field)) continue;
    if (absent) entry(claimants, rw.field, () => new Set()).add(rw.t);
    const seen = absent ? "absent" : `= ${show(rw.v as Elem)}`;
    fromWriter(
      rw.field,
      rw.v,
      rw.t,
      WW,
      (a, b) => `${b} ${rw.how()}, overwriting the version of field ${show(rw.field)} that ${a} wrote`,
    );
    for (const r of readersOf.get(rw.field)?.get(rw.v) ?? [])
      reasons.add(r.t, rw.t, RW, () => ({
        key: h.key,
        value: absent ? null : (rw.v as Elem),
        text: (a, b) =>
          `${a} ${r.what()}, seeing field ${show(rw.field)} ${seen}; ${b} ${rw.how()}, so it installed the next version${
            absent ? " (nothing ever deletes that field, so absent is its initial state)" : ""
          }`,
      }));
  }

  // Fields nothing ever deletes: "absent" is the initial state, before every write.
  for (const [field, writers] of h.fieldWriters) {
    if (!neverDeleted(h, field)) continue;
    const cs = claimants.get(field);
    if (cs !== undefined && cs.size === 1) {
      const c = [...cs][0];
      for (const w of writers)
        reasons.add(c, w.t, WW, () => ({
          key: h.key,
          value: w.v,
          text: (a, b) =>
            `${a} found field ${show(field)} of key ${k} absent and then wrote it, and nothing ever deletes that field, so it was its first writer, before ${b} set it to ${show(
              w.v,
            )}`,
        }));
    } else if (cs === undefined) {
      const absent = readersOf.get(field)?.get(ABSENT) ?? [];
      // Bounded work: beyond it, fewer edges (never wrong ones).
      if (absent.length * writers.length > 4_000_000) continue;
      for (const r of absent)
        for (const w of writers)
          reasons.add(r.t, w.t, RW, () => ({
            key: h.key,
            value: null,
            text: (a, b) =>
              `${a} ${r.what()}, finding field ${show(field)} absent, and nothing ever deletes that field, so it came before ${b} set it to ${show(
                w.v,
              )}`,
          }));
    }
  }
}

/**
 * Direct ww and wr dependencies between transactions, as inferred so far from the data (on any key,
 * by any datatype): `a` took effect before `b` in every serialization, and under snapshot isolation
 * or read committed it committed before `b` did. Rw edges are left out, since under those weaker
 * models a transaction may commit before one that anti-depends on it; real time is left out so that
 * an edge inferred from this order holds under every model, and a cycle through it is named by its
 * data edges alone.
 */
class KnownOrder {
  private readonly next = new Map<number, Set<number>>();

  /** Kept only from transactions that write a hash key or found a field absent, to ones that write. */
  static from(ctx: AnalysisContext, keys: Iterable<HashKey>): KnownOrder {
    const n = ctx.txns.length;
    const from = new Uint8Array(n);
    const to = new Uint8Array(n);
    for (const h of keys) {
      for (const t of h.writers) from[t.id] = to[t.id] = 1;
      for (const r of h.absentSeen) from[r.t.id] = 1;
    }
    const o = new KnownOrder();
    const e = ctx.edges;
    for (let i = 0; i < e.count; i++) {
      if ((e.kind[i] & (WW | WR)) === 0) continue;
      const a = e.from[i];
      const b = e.to[i];
      if (from[a] === 0 || to[b] === 0) continue;
      const s = o.next.get(a);
      if (s === undefined) o.next.set(a, new Set([b]));
      else s.add(b);
    }
    return o;
  }

  has(a: Txn, b: Txn): boolean {
    return this.next.get(a.id)?.has(b.id) ?? false;
  }

  /** Ids of the transactions known to follow `a` directly. */
  after(a: Txn): Iterable<number> {
    return this.next.get(a.id) ?? [];
  }
}

/** Bounded work for the inference across deletes: beyond it, fewer edges (never wrong ones). */
const PAIR_BUDGET = 4_000_000;

function removalText(h: HashKey, d: Removal): string {
  return d.field === null ? `DEL of key ${show(h.key)}` : `HDEL of field ${show(d.field)}`;
}

/**
 * Absent ⇒ earlier, across deletes. A field that some HDEL or DEL may remove has many absent
 * versions: the initial one and one after each delete that found it present, so a read that found
 * it absent saw one of them without saying which. It still precedes a write W of the field (an
 * HSET in another transaction) when no delete can lie between W and the read: had W come first,
 * some delete of the field would have to take effect after W and before the read for the read to
 * find the field absent. A delete D (any that may have taken effect) is ruled out when
 *   - D comes after the read: it is in the reader's own transaction (after the read, which saw
 *     another transaction's version), or the reader's transaction directly precedes D's; or
 *   - D comes before W: it is in W's transaction ahead of W, or D's transaction directly precedes
 *     W's (KnownOrder).
 * A delete followed, in its own transaction, by an HSET of the field needs no ruling out: the
 * field is present once that transaction is done, so it cannot be the delete the read saw last.
 * When every delete is ruled out, every absent version the read could have seen precedes W's
 * version: an rw edge from the reader to W. With no delete at all, addEdges already does this.
 *
 * When real time binds, a delete is also ruled out when it was invoked after the read completed,
 * or completed before W was invoked. An edge that needs this is RW_REALTIME: it holds only under
 * strict models, and a cycle through it is named `-realtime`. It is added only between a read and
 * an HSET that overlap in time (otherwise real time orders them already, and a read that ran after
 * W is findStaleReads' case).
 */
function addAbsentEdgesAcrossDeletes(
  h: HashKey,
  order: KnownOrder,
  reasons: EdgeReasons,
  realtime: boolean,
): void {
  if (h.removals.length === 0 || h.absentSeen.length === 0) return;
  const k = show(h.key);
  let budget = PAIR_BUDGET;
  const seenOf = new Map<string, FieldRead[]>();
  for (const r of h.absentSeen) {
    const l = seenOf.get(r.field);
    if (l === undefined) seenOf.set(r.field, [r]);
    else l.push(r);
  }
  const keyDels = h.removals.filter((d) => d.field === null);
  for (const [field, writers] of h.fieldWriters) {
    const seen = seenOf.get(field);
    if (seen === undefined) continue;
    const all = keyDels.length + h.removals.filter((d) => d.field === field).length;
    if (all === 0) continue;
    const work = (seen.length + writers.length) * all + seen.length * writers.length;
    if (work > budget) continue;
    budget -= work;
    // A delete followed in its own transaction by an HSET of the field leaves no absence behind.
    const lastSet = new Map<Txn, number>();
    for (const w of writers) lastSet.set(w.t, Math.max(w.j, lastSet.get(w.t) ?? -1));
    const dels = h.removals.filter(
      (d) => (d.field === null || d.field === field) && (lastSet.get(d.t) ?? -1) < d.j,
    );
    // Per read, the deletes known to come after it (by index in `dels`): by the data alone, and
    // with real time as well (invoked after the read completed).
    const later = seen.map((r) => {
      const data = new Set<number>();
      const timed = new Set<number>();
      dels.forEach((d, i) => {
        if ((d.t === r.t && d.j > r.j) || order.has(r.t, d.t)) data.add(i);
        if (data.has(i) || (realtime && precedes(r.t, d.t))) timed.add(i);
      });
      return { data, timed };
    });
    for (const w of writers) {
      // The deletes not known to come before W: by the data alone, and with real time as well
      // (completed before W was invoked).
      const open: number[] = [];
      const openTimed: number[] = [];
      dels.forEach((d, i) => {
        if (d.t === w.t ? d.j < w.j : order.has(d.t, w.t)) return;
        open.push(i);
        if (!(realtime && precedes(d.t, w.t))) openTimed.push(i);
      });
      seen.forEach((r, ri) => {
        if (r.t === w.t) return;
        let kind = RW;
        if (!covers(open, later[ri].data)) {
          // Real time orders a read and an HSET that do not overlap already; only concurrent ones
          // gain from an rw edge that needs it.
          if (!realtime || precedes(r.t, w.t) || precedes(w.t, r.t) || !covers(openTimed, later[ri].timed))
            return;
          kind = RW_REALTIME;
        }
        reasons.add(r.t, w.t, kind, () => ({
          key: h.key,
          value: null,
          text: (a, b) => {
            const why = dels.slice(0, 3).map((d) => {
              const what = `${d.t === r.t ? `${a}'s own` : d.t === w.t ? `${b}'s own` : `${label(d.t)}'s`} ${removalText(h, d)}`;
              if (d.t === r.t && d.j > r.j) return `${what} came after that read`;
              if (d.t === w.t && d.j < w.j) return `${what} came before that HSET`;
              if (order.has(r.t, d.t)) return `${what} came after ${a}, which it depends on`;
              if (order.has(d.t, w.t)) return `${what} came before ${b}, which depends on it`;
              if (precedes(r.t, d.t)) return `${what} was invoked after ${a} completed (real time)`;
              return `${what} completed before ${b} was invoked (real time)`;
            });
            if (dels.length > 3) why.push(`and so did ${dels.length - 3} more`);
            if (dels.length < all)
              why.push(
                `${all - dels.length} ${all - dels.length === 1 ? "delete is" : "deletes are"} followed by an HSET of it in the same transaction, which leaves it present`,
              );
            return `${a} ${r.what()}, finding field ${show(field)} absent; had ${b}, which set it to ${show(
              w.v,
            )}, come first, a delete of that field would have to lie between them, and none can (${why.join(
              "; ",
            )}), so ${a} saw an earlier absence of field ${show(field)} of key ${k}`;
          },
        }));
      });
    }
  }
}

/**
 * The last micro-op of `t` that changes `field` of key `h` (an HSET, an HDEL that did not reply 0,
 * a DEL that did not reply 0), in words; undefined if none.
 */
function lastChange(h: HashKey, t: Txn, field: string): Text | undefined {
  const k = show(h.key);
  for (let j = t.mops.length - 1; j >= 0; j--) {
    const [f, key, v] = t.mops[j];
    if (key !== h.key) continue;
    const p = pair(v);
    if (f === "hset" && p !== null && p.length >= 2 && String(p[0]) === field)
      return () => `set field ${show(field)} of key ${k} to ${show(p[1])}`;
    if (f === "hdel" && p !== null && String(p[0]) === field && !(t.type === "ok" && p[1] === false))
      return () => `deleted field ${show(field)} of key ${k}`;
    if (f === "del" && !(t.type === "ok" && v === 0)) return () => `deleted key ${k}`;
  }
  return undefined;
}

/**
 * A read of field f = v precedes every change of f, in a third transaction, that is known to come
 * after v's write W: values are unique, so once an HSET of another value, an HDEL of f or a DEL of
 * the key took effect after W, the field never held v again. "Known to come after" is a direct
 * ww or wr dependency on W's transaction (KnownOrder): such as a DEL in a transaction that read
 * something else W's transaction wrote. This is how a DEL that never read the field still
 * overwrites the version another transaction read.
 */
function addOverwriteEdges(h: HashKey, txns: readonly Txn[], order: KnownOrder, reasons: EdgeReasons): void {
  // Per write, the transactions known to follow it that change its field, with their last change.
  const followers = new Map<Write, { t: Txn; what: Text }[]>();
  for (const r of h.valueReads) {
    if (!r.external) continue;
    const w = writerOf(h, r.field, r.v);
    if (w === undefined || w.t === r.t) continue;
    let next = followers.get(w);
    if (next === undefined) {
      next = [];
      for (const id of order.after(w.t)) {
        const t = txns[id];
        if (t === w.t || t.type === "fail") continue;
        const what = lastChange(h, t, r.field);
        if (what !== undefined) next.push({ t, what });
      }
      followers.set(w, next);
    }
    for (const c of next) {
      if (c.t === r.t) continue;
      reasons.add(r.t, c.t, RW, () => ({
        key: h.key,
        value: r.v as Elem,
        text: (a, b) =>
          `${a} ${r.what()}, seeing field ${show(r.field)} = ${show(r.v as Elem)}, written by ${label(
            w.t,
          )}; ${b}, which depends on that transaction (a ww or wr dependency), later ${c.what()}, and values are unique, so the field never held ${show(
            r.v as Elem,
          )} again: ${a} came first`,
      }));
    }
  }
}

/** Two committed txns read the same version of a field and both wrote that field. */
function findLostUpdates(ctx: AnalysisContext, h: HashKey, out: Anomaly[]): void {
  if (!ctx.wants("lost-update")) return;
  const groups = new Map<string, Map<Version, ReadWrite[]>>();
  for (const rw of h.readWrites) {
    if (rw.v === ABSENT && !neverDeleted(h, rw.field)) continue;
    const l = entry(
      entry(groups, rw.field, () => new Map<Version, ReadWrite[]>()),
      rw.v,
      (): ReadWrite[] => [],
    );
    if (!l.some((x) => x.t === rw.t)) l.push(rw);
  }
  for (const [field, m] of groups)
    for (const [v, rws] of m) {
      if (rws.length < 2) continue;
      const seen = v === ABSENT ? "absent (its initial state: nothing ever deletes it)" : `= ${show(v)}`;
      out.push({
        type: "lost-update",
        keys: [h.key],
        ops: rws.map((rw) => rw.t.index),
        explanation: `${rws.map((rw) => `${label(rw.t)} ${rw.how()}`).join("; ")}. All of them saw field ${show(field)} of key ${show(
          h.key,
        )} ${seen} and then wrote it, so every one but the last overwrote a version the others had read (lost update).`,
      });
    }
}

/**
 * Stale reads (strict models only). Blind HSETs leave no version order in the data, but real time
 * gives one: a committed HSET invoked after another completed installed a later version. A read
 * invoked after such a later HSET completed, yet returning the earlier value — or finding the
 * field absent when no delete of it may have run since that HSET began — saw a version that real
 * time had already replaced: the two-step cycle Elle reports as G-single-item-realtime when told
 * the keys are linearizable.
 */
function findStaleReads(ctx: AnalysisContext, h: HashKey, out: Anomaly[]): void {
  if (!ctx.wants("G-single-item-realtime")) return;
  const k = show(h.key);
  const once = new Once();
  for (const [field, writers] of h.fieldWriters) {
    const oks = writers.filter((w) => w.t.type === "ok");
    if (oks.length === 0) continue;
    const after = new EarliestAfter(oks);
    // Committed HSETs by completion, with the latest invocation among those completed so far.
    const byDone = [...oks].sort((a, b) => a.t.completePos - b.t.completePos);
    const latest: Write[] = [];
    for (const w of byDone)
      latest.push(
        latest.length > 0 && latest[latest.length - 1].t.invokePos > w.t.invokePos
          ? latest[latest.length - 1]
          : w,
      );
    const deleters = [...(h.mayDelete.get(field) ?? []), ...(h.mayDelete.get(null) ?? [])];
    const report = (r: FieldRead, w: Write, why: string) => {
      if (!once.first(r.t.id, field)) return;
      const seen = r.v === ABSENT ? "absent" : `= ${show(r.v as Elem)}`;
      const rw = `T1 ${r.what()}, seeing field ${show(field)} ${seen}, a version older than T2's write of ${show(w.v)}: ${why}`;
      out.push(staleObservation(h.key, r.t, w.t, r.v === ABSENT ? null : (r.v as Elem), rw));
    };
    for (const r of h.valueReads) {
      if (r.field !== field) continue;
      const w = writerOf(h, field, r.v);
      if (w === undefined || w.t.type !== "ok") continue;
      const later = after.after(w.t.completePos);
      if (later === undefined || later.t.completePos >= r.t.invokePos) continue;
      report(
        r,
        later,
        `T2 was invoked after ${label(w.t)}, which wrote ${show(r.v as Elem)}, completed, so it set field ${show(field)} of key ${k} later`,
      );
    }
    for (const r of h.absentReads) {
      if (r.field !== field) continue;
      // The committed HSET that completed before r began and was invoked last.
      let lo = 0;
      let hi = byDone.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (byDone[mid].t.completePos < r.t.invokePos) lo = mid + 1;
        else hi = mid;
      }
      if (lo === 0) continue;
      const w = latest[lo - 1];
      if (deleters.some((d) => d.invokePos <= r.t.completePos && doneAt(d) >= w.t.invokePos)) continue;
      report(
        r,
        w,
        `no HDEL of that field or DEL of key ${k} may have taken effect from T2's invocation to T1's completion`,
      );
    }
  }
}

/**
 * resurrected-key: (a) a value read by an op invoked after an acknowledged DEL of the key or HDEL
 * of the field, when the value's write completed before that delete was invoked (values are
 * unique, so nothing wrote it again); (b) HLEN or EXISTS non-zero after an acknowledged DEL with no
 * HSET to the key that may have taken effect from the DEL's invocation to that read's completion.
 */
function findResurrections(ctx: AnalysisContext, h: HashKey, out: Anomaly[]): void {
  if (!ctx.wants("resurrected-key") || h.dels.length + h.hdels.length === 0) return;
  const k = show(h.key);
  const deleters: Deleter[] = [...h.dels.map((d) => ({ t: d.t, field: null })), ...h.hdels];
  const byField = new Map<string, EarliestAfter<Deleter>>();
  const deletersOf = (field: string) => {
    let e = byField.get(field);
    if (e === undefined) {
      e = new EarliestAfter(deleters.filter((d) => d.field === null || d.field === field));
      byField.set(field, e);
    }
    return e;
  };
  const once = new Once();
  for (const r of h.valueReads) {
    const w = writerOf(h, r.field, r.v);
    if (w === undefined || w.t.type !== "ok") continue;
    const d = deletersOf(r.field).after(w.t.completePos);
    if (d === undefined || r.t.invokePos <= d.t.completePos || !once.first(r.field, r.v)) continue;
    out.push({
      type: "resurrected-key",
      keys: [h.key],
      ops: [w.t.index, d.t.index, r.t.index],
      explanation: `${label(w.t)} set field ${show(r.field)} of key ${k} to ${show(r.v as Elem)} and completed before ${label(d.t)} ${
        d.field === null ? "deleted the key" : "deleted that field"
      } (acknowledged); yet ${label(r.t)}, invoked after that delete completed, ${r.what()}. Nothing wrote ${show(
        r.v as Elem,
      )} again, so a deleted value came back.`,
    });
  }

  const cov = new Coverage(h.adders);
  findCountResurrections(HASH_SHAPE, h.key, h.dels, h.counts, cov, cov, out);
}
