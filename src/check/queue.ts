/**
 * Lists used as queues: RPUSH (`append`) and LPUSH (`lpush`) of elements unique per key, LPOP
 * (`pop`) and RPOP (`rpop`), full reads (`r`, LRANGE 0 -1), LLEN (`len`), DEL and EXISTS. A list
 * key that sees anything beyond `append` and `r` is analysed here, all of its micro-ops included.
 *
 * Unlike list-append, reads are not prefixes of one order: pops take elements off the head or the
 * tail, and DEL empties the key. What the data still proves, in any serial order:
 *   - a read or pop that returns x follows x's push (wr);
 *   - a read that still holds x precedes the pop that returned x (rw);
 *   - two elements seen side by side (in a read, or popped or pushed one after the other inside one
 *     transaction) keep their relative order while both are present, so their pushes are ordered
 *     when both went to the same end, and so are their pops when both left by the same end (ww);
 *   - a read whose head is h follows the LPOP of an element pushed at the tail ahead of h (wr);
 *   - when nothing can ever remove x (no pop returned it, and no DEL or pop of unknown outcome
 *     touched the key), an observation without x precedes x's push (rw).
 * Edges use data only, never real time, so they hold under every model; the order edges the core
 * adds for strict models do the rest.
 *
 * Non-cycle anomalies, some of which use real time (history order): duplicate-pop,
 * phantom-element, G1a, duplicate-elements, lost-element, fifo-violation, len-mismatch and
 * resurrected-key; and a stale observation of an acknowledged push, which a later op still sees,
 * reported directly with its real-time cycle (G-single-item-realtime). A committed op took effect between its
 * invocation and completion; an info or pending op may take effect any time after its invocation.
 */
import {
  analyzeCollection,
  type CollectionAnalysis,
  type CollectionKey,
  type CollectionShape,
  type Count,
  claimsWhen,
  findCountResurrections,
  Origins,
  perKey,
  pushTo,
  staleObservation,
} from "./collection.ts";
import type { AnalysisContext, Anomaly, Datatype } from "./datatype.ts";
import { show } from "./datatype.ts";
import { Coverage, doneAt, EarliestAfter, type EdgeReasons, Once, precedes } from "./evidence.ts";
import { RW, WR, WW } from "./graph.ts";
import type { Key, MopValue } from "./history.ts";
import type { Txn } from "./txn.ts";
import { txnLabel } from "./txn.ts";

type Elem = MopValue;

const QUEUE_FS: readonly string[] = ["append", "lpush", "r", "pop", "rpop", "len", "del", "exists"];
const LIST_APPEND_FS = new Set(["append", "r"]);

export const queue: Datatype = {
  name: "queue",
  fs: QUEUE_FS,
  claims: claimsWhen(QUEUE_FS, (f) => !LIST_APPEND_FS.has(f)),
  analyze: (ctx) => analyzeCollection(ctx, QUEUES),
};

interface Push {
  t: Txn;
  j: number;
  kind: "append" | "lpush";
  x: Elem;
}

/** A committed pop that returned an element. */
interface Pop {
  t: Txn;
  j: number;
  kind: "pop" | "rpop";
  x: Elem;
}

/** A committed full read. */
interface Read {
  t: Txn;
  j: number;
  list: Elem[];
  set: Set<Elem> | null;
}

interface QueueKey extends CollectionKey {
  pushes: Map<Elem, Push>;
  duplicate: [Push, Push] | null;
  pops: Map<Elem, Pop[]>;
  reads: Read[];
  nilPops: Count[];
  /** Txns that may remove elements without saying which: pops and DELs of unknown outcome, DELs of an existing key. */
  removers: Set<Txn>;
  /** Txns that may change the list. */
  writers: Set<Txn>;
  /** Txns that may add elements. */
  adders: Set<Txn>;
  /** Whether addEdges drew rw edges from every observation lacking an element nothing can remove. */
  permanentEdges: boolean;
  /** Elements seen directly next to each other (collectFacts). */
  facts: Map<Elem, Map<Elem, Fact>>;
}

/** Nil pops leave the size unknown here (they say only that the list was empty when they ran). */
const QUEUE_SHAPE: CollectionShape = {
  lenF: "len",
  lenName: "LLEN",
  fullF: "r",
  fullSize: (v) => readList(v)?.length ?? null,
  fullText: (_k, v) => `the full list ${show(v)}`,
  sizeChange(f, v) {
    if (f === "append" || f === "lpush") return 1;
    if ((f === "pop" || f === "rpop") && v !== null && v !== undefined) return -1;
    return f === "exists" ? 0 : null;
  },
  adds: (f) => f === "append" || f === "lpush",
  noun: "list",
  item: "element",
  adder: "push",
  ownChanges: "pushes and pops",
};

/** x was directly ahead of y at some moment; `src` says how we know (built only when explained). */
interface Fact {
  x: Elem;
  y: Elem;
  t: Txn;
  src: () => string;
}

const label = txnLabel;
const COMMAND: Record<string, string> = { append: "RPUSH", lpush: "LPUSH", pop: "LPOP", rpop: "RPOP" };

function readList(v: MopValue): Elem[] | null {
  if (Array.isArray(v)) return v;
  return v === null || v === undefined ? [] : null;
}

function collect(txns: readonly Txn[]): Map<Key, QueueKey> {
  const make = (key: Key): QueueKey => ({
    key,
    pushes: new Map(),
    duplicate: null,
    pops: new Map(),
    reads: [],
    nilPops: [],
    counts: [],
    dels: [],
    removers: new Set(),
    writers: new Set(),
    adders: new Set(),
    facts: new Map(),
    permanentEdges: false,
  });
  const visit = (q: QueueKey, t: Txn, j: number, ok: boolean, possible: boolean) => {
    const [f, , v] = t.mops[j];
    switch (f) {
      case "append":
      case "lpush": {
        const p: Push = { t, j, kind: f, x: v };
        const prev = q.pushes.get(v);
        if (prev !== undefined) q.duplicate ??= [prev, p];
        else q.pushes.set(v, p);
        if (possible) {
          q.writers.add(t);
          q.adders.add(t);
        }
        break;
      }
      case "pop":
      case "rpop":
        if (ok) {
          if (v === null || v === undefined) q.nilPops.push({ t, j, f, n: 0 });
          else {
            pushTo(q.pops, v, { t, j, kind: f, x: v });
            q.writers.add(t);
          }
        } else if (possible) {
          q.removers.add(t);
          q.writers.add(t);
        }
        break;
      case "r": {
        const list = ok ? readList(v) : null;
        if (list !== null) q.reads.push({ t, j, list, set: null });
        break;
      }
    }
  };
  const deletes = (q: QueueKey, t: Txn) => q.removers.add(t);
  return perKey(txns, QUEUE_SHAPE, make, visit, deletes);
}

const QUEUES: CollectionAnalysis<QueueKey> = {
  shape: QUEUE_SHAPE,
  collect,
  inferKey(ctx, q, reasons, out) {
    if (q.duplicate !== null) {
      const [a, b] = q.duplicate;
      out.push({
        type: "duplicate-appends",
        keys: [q.key],
        ops: [a.t.index, b.t.index],
        explanation: `${label(a.t)} and ${label(b.t)} both pushed ${show(a.x)} to key ${show(q.key)}; queue analysis needs every pushed element to be unique per key, so nothing about that key can be inferred.`,
      });
      return false;
    }
    checkObservations(ctx, q, out);
    q.facts = collectFacts(q);
    addEdges(q, q.facts, reasons);
    return true;
  },
  realtimeKey(ctx, q, out) {
    findLosses(ctx, q, out);
    findFifoViolations(ctx, q, q.facts, out);
    findResurrections(ctx, q, out);
  },
  fullReads: (q) => q.reads.map((r) => ({ t: r.t, size: r.list.length, what: () => readWhat(q, r.list) })),
};

const readWhat = (q: QueueKey, list: Elem[]) => `read key ${show(q.key)} = ${show(list)}`;
// An explanation is built only for an anomaly; it is made here rather than as a named arrow
// function inside the loops over reads, where the loader that runs the sources would add a
// runtime name call for every read.
const readText = (q: QueueKey, list: Elem[]) => () => readWhat(q, list);
const popWhat = (q: QueueKey, p: { kind: string; x: Elem }) =>
  `${p.kind === "pop" ? "popped (LPOP)" : "popped (RPOP)"} ${show(p.x)} from key ${show(q.key)}`;

/** Phantom and aborted elements, duplicates inside one read, elements popped twice. */
function checkObservations(ctx: AnalysisContext, q: QueueKey, out: Anomaly[]): void {
  const origins = new Origins(ctx, q.key, out);
  const origin = (t: Txn, x: Elem, what: () => string) =>
    origins.observed(
      t,
      x,
      what,
      q.pushes.get(x)?.t,
      [x],
      () => `no transaction ever pushed ${show(x)} to that key`,
      "pushed",
    );
  for (const r of q.reads) {
    const what = readText(q, r.list);
    for (const x of r.list) origin(r.t, x, what);
    if (ctx.wants("duplicate-elements") && new Set(r.list).size !== r.list.length) {
      const counts = new Map<Elem, number>();
      for (const x of r.list) counts.set(x, (counts.get(x) ?? 0) + 1);
      const dups = [...counts].filter(([, c]) => c > 1);
      out.push({
        type: "duplicate-elements",
        keys: [q.key],
        ops: [r.t.index],
        explanation: `${label(r.t)} ${what()}, which contains ${dups
          .map(([x, c]) => `${show(x)} ${c} times`)
          .join(", ")}; each element is pushed once, so a list can hold it only once.`,
      });
    }
  }
  for (const ps of q.pops.values()) for (const p of ps) origin(p.t, p.x, () => popWhat(q, p));
  if (!ctx.wants("duplicate-pop")) return;
  for (const [x, ps] of q.pops) {
    if (ps.length < 2) continue;
    const w = q.pushes.get(x);
    if (w === undefined || w.t.type === "fail") continue;
    out.push({
      type: "duplicate-pop",
      keys: [q.key],
      ops: [w.t.index, ...ps.map((p) => p.t.index)],
      explanation: `${label(w.t)} pushed ${show(x)} to key ${show(q.key)} once, yet ${ps.length} successful pops returned it: ${ps
        .map((p) => `${label(p.t)} (${p.kind === "pop" ? "LPOP" : "RPOP"})`)
        .join(", ")}; a pushed element can be popped only once.`,
    });
  }
}

/** Who pushed x, when that push may have happened at all. */
function pushOf(q: QueueKey, x: Elem): Push | undefined {
  const w = q.pushes.get(x);
  return w !== undefined && w.t.type !== "fail" ? w : undefined;
}

/** The one committed pop of x (none when x was never popped, or popped twice). */
function onlyPop(q: QueueKey, x: Elem): Pop | undefined {
  const ps = q.pops.get(x);
  return ps !== undefined && ps.length === 1 ? ps[0] : undefined;
}

/** Pairs of elements seen directly next to each other, x ahead of y. */
function collectFacts(q: QueueKey): Map<Elem, Map<Elem, Fact>> {
  const ahead = new Map<Elem, Map<Elem, Fact>>();
  const add = (x: Elem, y: Elem, t: Txn, src: () => string) => {
    if (x === y) return;
    let m = ahead.get(x);
    if (m === undefined) {
      m = new Map();
      ahead.set(x, m);
    }
    if (!m.has(y)) m.set(y, { x, y, t, src });
  };
  for (const r of q.reads)
    for (let i = 0; i + 1 < r.list.length; i++)
      add(r.list[i], r.list[i + 1], r.t, () => `${label(r.t)} ${readWhat(q, r.list)}`);
  // Consecutive pushes or pops on the key inside one transaction: nothing else ran in between.
  const multi = new Set<Txn>();
  for (const w of q.pushes.values()) if (w.t.type !== "fail" && w.t.mops.length > 1) multi.add(w.t);
  for (const ps of q.pops.values()) for (const p of ps) if (p.t.mops.length > 1) multi.add(p.t);
  for (const t of multi) {
    let prev: { f: string; v: Elem } | null = null;
    for (const m of t.mops) {
      if (m[1] !== q.key) continue;
      // Pops of unknown outcome say nothing about which element they took.
      const known = t.type === "ok" || (m[0] !== "pop" && m[0] !== "rpop");
      const cur = { f: known ? m[0] : "?", v: m[2] };
      if (prev !== null && prev.f === cur.f) {
        const [f, a, b] = [prev.f, prev.v, cur.v];
        const what = () =>
          `${label(t)} ${f === "append" || f === "lpush" ? "pushed" : "popped"} ${show(a)} then ${show(b)} (${COMMAND[f]})`;
        if (cur.f === "append" || cur.f === "pop") add(prev.v, cur.v, t, what);
        else if (cur.f === "lpush" || cur.f === "rpop") add(cur.v, prev.v, t, what);
      }
      prev = cur.v === null || cur.v === undefined ? null : cur;
    }
  }
  return ahead;
}

function addEdges(q: QueueKey, ahead: Map<Elem, Map<Elem, Fact>>, reasons: EdgeReasons): void {
  addObservationEdges(q, reasons);
  const behind = addSameEndEdges(q, ahead, reasons);
  addGoneEdges(q, ahead, behind, reasons);
  addPermanentEdges(q, reasons);
}

const kindOf = (q: QueueKey, x: Elem) => pushOf(q, x)?.kind;

/** wr edges from pushes to the reads and pops that saw them; rw edges from reads to later pops. */
function addObservationEdges(q: QueueKey, reasons: EdgeReasons): void {
  const k = show(q.key);
  for (const r of q.reads) {
    const list = r.list;
    const what = readText(q, list);
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      const w = pushOf(q, x);
      if (w !== undefined) {
        // One wr edge per run of same-end pushes, from its newest; the ww chain covers the rest.
        const newest =
          w.kind === "append"
            ? kindOf(q, list[i + 1]) !== "append"
            : i === 0 || kindOf(q, list[i - 1]) !== "lpush";
        if (newest)
          reasons.add(w.t, r.t, WR, () => ({
            key: q.key,
            value: list,
            text: (a, b) => `${b} ${what()}, observing ${a}'s push of ${show(x)}`,
          }));
      }
      const p = onlyPop(q, x);
      if (p !== undefined)
        reasons.add(r.t, p.t, RW, () => ({
          key: q.key,
          value: list,
          text: (a, b) => `${a} ${what()}, which still held ${show(x)}, popped later by ${b}`,
        }));
    }
  }
  for (const [x, ps] of q.pops) {
    const w = pushOf(q, x);
    if (w === undefined) continue;
    for (const p of ps)
      reasons.add(w.t, p.t, WR, () => ({
        key: q.key,
        value: x,
        text: (a, b) => `${b} popped ${show(x)} from key ${k}, which ${a} pushed`,
      }));
  }
}

/**
 * ww edges between two pushes at one end, or two pops from one end, whose elements a fact orders.
 * Returns the facts indexed by their second element (what lies behind each element).
 */
function addSameEndEdges(
  q: QueueKey,
  ahead: Map<Elem, Map<Elem, Fact>>,
  reasons: EdgeReasons,
): Map<Elem, Fact[]> {
  const k = show(q.key);
  const behind = new Map<Elem, Fact[]>();
  for (const m of ahead.values())
    for (const fact of m.values()) {
      const { x, y, src } = fact;
      // Both pushed at one end, or both popped from one end: the one nearer that end went first.
      type Move = { t: Txn; x: Elem; kind: string };
      const sameEnd = (
        mx: Move | undefined,
        my: Move | undefined,
        did: string,
        forward: string,
        ends: string[],
      ) => {
        if (mx === undefined || my === undefined || mx.kind !== my.kind) return;
        const [first, second] = mx.kind === forward ? [mx, my] : [my, mx];
        const where = ends[mx.kind === forward ? 0 : 1];
        reasons.add(first.t, second.t, WW, () => ({
          key: q.key,
          value: second.x,
          text: (a, b) =>
            `${a} ${did} ${show(first.x)} ${where} of key ${k} before ${b} ${did} ${show(second.x)} there, since ${src()}, with ${show(
              x,
            )} ahead of ${show(y)}`,
        }));
      };
      pushTo(behind, y, fact);
      sameEnd(pushOf(q, x), pushOf(q, y), "pushed", "append", ["to the tail", "to the head"]);
      sameEnd(onlyPop(q, x), onlyPop(q, y), "popped", "pop", ["from the head", "from the tail"]);
    }
  return behind;
}

function addGoneEdges(
  q: QueueKey,
  ahead: Map<Elem, Map<Elem, Fact>>,
  behind: Map<Elem, Fact[]>,
  reasons: EdgeReasons,
): void {
  // An observation whose head is h (pushed at the tail) comes after the LPOP of any element pushed at
  // the tail ahead of h: that element was already gone. Symmetrically at the tail with LPUSH/RPOP.
  const gone = (o: Txn, h: Elem, end: "head" | "tail", what: () => string, kind: number) => {
    const facts = end === "head" ? behind.get(h) : [...(ahead.get(h)?.values() ?? [])];
    if (facts === undefined) return;
    for (const fact of facts) {
      const x = end === "head" ? fact.x : fact.y;
      if (kindOf(q, x) !== (end === "head" ? "append" : "lpush")) continue;
      const p = onlyPop(q, x);
      if (p === undefined || p.kind !== (end === "head" ? "pop" : "rpop")) continue;
      reasons.add(p.t, o, kind, () => ({
        key: q.key,
        value: h,
        text: (a, b) =>
          `${b} ${what()}, with ${show(h)} at the ${end}, so ${show(x)}, which was ${end === "head" ? "ahead of" : "behind"} it (${fact.src()}), was already gone: ${a} popped it`,
      }));
    }
  };
  for (const r of q.reads) {
    const n = r.list.length;
    if (n === 0) continue;
    if (kindOf(q, r.list[0]) === "append") gone(r.t, r.list[0], "head", () => readWhat(q, r.list), WR);
    if (kindOf(q, r.list[n - 1]) === "lpush") gone(r.t, r.list[n - 1], "tail", () => readWhat(q, r.list), WR);
  }
  for (const ps of q.pops.values())
    for (const p of ps) {
      if (p.kind === "pop" && kindOf(q, p.x) === "append") gone(p.t, p.x, "head", () => popWhat(q, p), WW);
      if (p.kind === "rpop" && kindOf(q, p.x) === "lpush") gone(p.t, p.x, "tail", () => popWhat(q, p), WW);
    }
}

/** Elements nothing can ever remove: any observation without them came before their push. */
function addPermanentEdges(q: QueueKey, reasons: EdgeReasons): void {
  if (q.removers.size > 0) return;
  const permanent = [...q.pushes.values()].filter((w) => w.t.type !== "fail" && !q.pops.has(w.x));
  if (permanent.length === 0) return;
  const absences = absenceObservations(q);
  // Bounded work: beyond it, fewer edges (never wrong ones).
  if (absences.length * permanent.length > 4_000_000) return;
  q.permanentEdges = true;
  for (const o of absences)
    for (const w of permanent) {
      if (!o.lacks(w.x)) continue;
      reasons.add(o.t, w.t, RW, () => ({
        key: q.key,
        value: w.x,
        text: (a, b) =>
          `${a} ${o.what()}, without ${show(w.x)}, which ${b} pushed and nothing ever removed from the key, so ${a} came first`,
      }));
    }
}

/** A committed observation that can show an element missing. */
interface Absence {
  t: Txn;
  what(): string;
  lacks(x: Elem): boolean;
}

/** What an observation of the whole list as empty lacks: everything. */
const lacksAll = (): boolean => true;

function absenceObservations(q: QueueKey): Absence[] {
  const out: Absence[] = [];
  for (const r of q.reads)
    out.push({
      t: r.t,
      what: () => readWhat(q, r.list),
      lacks: (x) => {
        r.set ??= new Set(r.list);
        return !r.set.has(x);
      },
    });
  for (const p of q.nilPops)
    out.push({
      t: p.t,
      what: () => `popped nil (${p.f === "pop" ? "LPOP" : "RPOP"}) from key ${show(q.key)}, an empty list`,
      lacks: lacksAll,
    });
  for (const c of q.counts)
    if (c.f === "exists" && c.n === 0)
      out.push({ t: c.t, what: () => `found key ${show(q.key)} absent (EXISTS 0)`, lacks: lacksAll });
  for (const d of q.dels)
    if (d.n === 0)
      out.push({
        t: d.t,
        what: () => `deleted key ${show(q.key)} and was told it did not exist (DEL 0)`,
        lacks: lacksAll,
      });
  return out;
}

/** Where each committed push's element was last seen in a committed read (invocation position). */
function lastSeen(q: QueueKey): Map<Elem, number> {
  const seen = new Map<Elem, number>();
  for (const r of q.reads)
    for (const x of r.list) if ((seen.get(x) ?? -1) < r.t.invokePos) seen.set(x, r.t.invokePos);
  return seen;
}

/**
 * The earliest invocation of anything that may remove x at or after a position: a remover (a pop or
 * DEL of unknown outcome, a DEL of an existing key) that may still take effect then, or a pop that
 * returned x and completed then or later.
 */
function removals(q: QueueKey): (x: Elem, from: number) => number {
  // By completion, latest first, with the least invocation so far: those that may take effect at
  // or after `from` are a prefix.
  const rs = [...q.removers].map((t) => ({ inv: t.invokePos, done: doneAt(t) }));
  rs.sort((a, b) => b.done - a.done);
  const least: number[] = [];
  for (const r of rs) least.push(Math.min(r.inv, least.length > 0 ? least[least.length - 1] : r.inv));
  return (x, from) => {
    let lo = 0;
    let hi = rs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rs[mid].done >= from) lo = mid + 1;
      else hi = mid;
    }
    let first = lo > 0 ? least[lo - 1] : Number.POSITIVE_INFINITY;
    for (const p of q.pops.get(x) ?? [])
      if (p.t.completePos >= from && p.t.invokePos < first) first = p.t.invokePos;
    return first;
  };
}

/** Where an element is known present: its acknowledged push (read null), or a committed read that holds it. */
interface Anchor {
  inv: number;
  read: Read | null;
}

/**
 * Misses of an acknowledged push of x: an observation F invoked after the push completed that
 * lacks x, while nothing that could remove x (a pop that returned it, a pop or DEL of unknown
 * outcome, a DEL of an existing key) may have taken effect from the push's invocation to F's
 * completion. A committed read that still holds x, completed before F was invoked, restarts that
 * span at its own invocation: whatever ran before it did not remove x. That settles a push that
 * raced a DEL (or a pop of unknown outcome) once a later read shows the element survived it.
 *
 * If x is also never popped and no read invoked after F completed shows it again, it is
 * lost-element. Otherwise x was not lost, F saw a stale state: F precedes the push (rw, by the
 * absence of any removal) though the push completed before F began (real time), the two-step
 * cycle Elle names G-single-item-realtime.
 */
function findLosses(ctx: AnalysisContext, q: QueueKey, out: Anomaly[]): void {
  const wantElement = ctx.wants("lost-element");
  const wantStale = ctx.wants("G-single-item-realtime");
  if (!wantElement && !wantStale) return;
  const absences = absenceObservations(q).filter((a) => a.t.invokePos >= 0);
  if (absences.length === 0) return;
  absences.sort((a, b) => a.t.invokePos - b.t.invokePos);
  const pushes = [...q.pushes.values()].filter((w) => w.t.type === "ok");
  if (pushes.length === 0) return;
  const removalFrom = removals(q);
  const seen = lastSeen(q);

  // Pushes and reads become known (as anchors of their elements) once they completed before F began.
  const known: { cmp: number; push: Push | null; read: Read | null }[] = pushes.map((w) => ({
    cmp: w.t.completePos,
    push: w,
    read: null,
  }));
  for (const r of q.reads) known.push({ cmp: r.t.completePos, push: null, read: r });
  known.sort((a, b) => a.cmp - b.cmp);

  /** Per element: its latest anchor so far, and whether its push is acknowledged by then. */
  const state = new Map<Elem, { anchor: Anchor; removal: number; pushed: boolean; done: boolean }>();
  const expected = new Set<Elem>();
  const anchor = (x: Elem, a: Anchor) => {
    let s = state.get(x);
    if (s === undefined) {
      s = { anchor: a, removal: removalFrom(x, a.inv), pushed: false, done: false };
      state.set(x, s);
    } else if (a.inv > s.anchor.inv) {
      s.anchor = a;
      s.removal = removalFrom(x, a.inv);
    }
    if (a.read === null) s.pushed = true;
    if (s.pushed && !s.done) expected.add(x);
  };
  const firstMiss = new Map<Elem, { f: Absence; anchor: Anchor }>();
  const finalMiss = new Map<Elem, { f: Absence; anchor: Anchor }>();
  let i = 0;
  for (const f of absences) {
    const inv = f.t.invokePos;
    const cmp = f.t.completePos;
    for (; i < known.length && known[i].cmp < inv; i++) {
      const { push, read } = known[i];
      if (push !== null) anchor(push.x, { inv: push.t.invokePos, read: null });
      else if (read !== null)
        for (const x of read.list) {
          const w = q.pushes.get(x);
          // Only reads invoked after the push was: an earlier invocation says no more than the push.
          if (w !== undefined && w.t.type === "ok" && read.t.invokePos > w.t.invokePos)
            anchor(x, { inv: read.t.invokePos, read });
        }
    }
    for (const x of expected) {
      const s = state.get(x)!;
      if (s.removal <= inv) {
        // It may be gone; a later read that still holds it brings it back.
        expected.delete(x);
        continue;
      }
      if (s.removal <= cmp || !f.lacks(x)) continue;
      if (!firstMiss.has(x)) firstMiss.set(x, { f, anchor: s.anchor });
      if (!q.pops.has(x) && cmp > (seen.get(x) ?? -1)) {
        finalMiss.set(x, { f, anchor: s.anchor });
        s.done = true;
        expected.delete(x);
      }
    }
  }

  const k = show(q.key);
  for (const w of q.pushes.values()) {
    const fin = finalMiss.get(w.x);
    if (fin !== undefined && wantElement) {
      // Where x was last known present, and the span in which nothing could remove it.
      const read = fin.anchor.read;
      const since =
        read === null
          ? `${label(w.t)} pushed ${show(w.x)} to key ${k} and was acknowledged, but ${label(fin.f.t)}, invoked after that push completed, ${fin.f.what()}, which lacks it`
          : `${label(w.t)} pushed ${show(w.x)} to key ${k} and was acknowledged, and ${label(read.t)} ${readWhat(
              q,
              read.list,
            )}, still holding it; but ${label(fin.f.t)}, invoked after that read completed, ${fin.f.what()}, which lacks it`;
      out.push({
        type: "lost-element",
        keys: [q.key],
        ops: read === null ? [w.t.index, fin.f.t.index] : [w.t.index, read.t.index, fin.f.t.index],
        explanation: `${since}. Nothing could have removed it in between: no pop ever returned it, and no DEL or pop of unknown outcome on that key may have run in that span. No later read shows it again, so the acknowledged element is lost.`,
      });
      continue;
    }
    const miss = firstMiss.get(w.x);
    // An element nothing can remove already has that rw edge in the graph (addEdges), which finds the cycle.
    if (miss === undefined || !wantStale || (q.permanentEdges && !q.pops.has(w.x))) continue;
    out.push(staleMiss(q, w, miss.f, miss.anchor.read));
  }
}

/** F lacks x although x's push W completed before F began and nothing may have removed x since. */
function staleMiss(q: QueueKey, w: Push, f: Absence, anchor: Read | null): Anomaly {
  const x = show(w.x);
  const cmp = f.t.completePos;
  const since =
    anchor === null
      ? "T2's invocation"
      : `the invocation of ${label(anchor.t)}, which ${readWhat(q, anchor.list)}, still holding it, and completed before T1 was invoked`;
  const rw = `T1 ${f.what()}, without ${x}, which T2 pushed; nothing that may remove ${x} (a pop that returned it, a DEL, a pop of unknown outcome) may have taken effect from ${since} to T1's completion, so T1 saw key ${show(
    q.key,
  )} before that push`;
  const pop = q.pops.get(w.x)?.find((p) => p.t.invokePos > cmp);
  const read =
    pop === undefined ? q.reads.find((r) => r.t.invokePos > cmp && r.list.includes(w.x)) : undefined;
  const later =
    pop !== undefined
      ? `\n\n${x} was not lost: ${label(pop.t)}, invoked after T1 completed, popped it, so T1 saw a stale state (a stale read).`
      : read !== undefined
        ? `\n\n${x} was not lost: ${label(read.t)}, invoked after T1 completed, ${readWhat(q, read.list)}, so T1 saw a stale state (a stale read).`
        : "";
  const ops = anchor === null ? [f.t.index, w.t.index] : [f.t.index, w.t.index, anchor.t.index];
  return staleObservation(q.key, f.t, w.t, w.x, rw, ops, later);
}

/**
 * fifo-violation: y popped (and completed) before x's pop was invoked, from the end x was closer
 * to. x is known to be closer when both were pushed at the far end and x's push completed before
 * y's was invoked, or when a read or one transaction showed x ahead of y (relative order never
 * changes while both are present).
 */
function findFifoViolations(
  ctx: AnalysisContext,
  q: QueueKey,
  ahead: Map<Elem, Map<Elem, Fact>>,
  out: Anomaly[],
): void {
  if (!ctx.wants("fifo-violation")) return;
  const k = show(q.key);
  const once = new Once();
  const report = (px: Pop, py: Pop, why: string) => {
    if (!once.first(px.x, py.x)) return;
    const end = px.kind === "pop" ? "head (LPOP)" : "tail (RPOP)";
    out.push({
      type: "fifo-violation",
      keys: [q.key],
      ops: [py.t.index, px.t.index],
      explanation: `On key ${k}, ${why}; yet ${label(py.t)} popped ${show(py.x)} from the ${end} and completed before ${label(
        px.t,
      )} popped ${show(px.x)} from that end was even invoked.`,
    });
  };
  for (const [pushKind, popKind, end] of [
    ["append", "pop", "tail (RPUSH)"],
    ["lpush", "rpop", "head (LPUSH)"],
  ] as const) {
    const cands: { w: Push; p: Pop }[] = [];
    for (const w of q.pushes.values()) {
      if (w.kind !== pushKind || w.t.type === "fail") continue;
      const p = onlyPop(q, w.x);
      if (p !== undefined && p.kind === popKind) cands.push({ w, p });
    }
    const xs = cands.filter((c) => c.w.t.type === "ok").sort((a, b) => a.w.t.completePos - b.w.t.completePos);
    const ys = cands.filter((c) => c.w.t.invokePos >= 0).sort((a, b) => a.w.t.invokePos - b.w.t.invokePos);
    let i = 0;
    let best: { w: Push; p: Pop } | null = null;
    for (const y of ys) {
      while (i < xs.length && xs[i].w.t.completePos < y.w.t.invokePos) {
        if (best === null || xs[i].p.t.invokePos > best.p.t.invokePos) best = xs[i];
        i++;
      }
      if (best !== null && precedes(y.p.t, best.p.t)) {
        const x = best;
        report(
          x.p,
          y.p,
          `${label(x.w.t)} pushed ${show(x.w.x)} to the ${end} and completed before ${label(y.w.t)} pushed ${show(y.w.x)} there, so ${show(
            x.w.x,
          )} was ${pushKind === "append" ? "ahead of" : "behind"} ${show(y.w.x)}`,
        );
      }
    }
  }
  // Order seen in reads (any distance apart) and inside transactions (adjacent).
  const check = (x: Elem, y: Elem, src: () => string) => {
    const px = onlyPop(q, x);
    const py = onlyPop(q, y);
    if (px === undefined || py === undefined || px.kind !== py.kind) return;
    const [first, second] = px.kind === "pop" ? [px, py] : [py, px];
    if (precedes(second.t, first.t)) report(first, second, `${src()}, with ${show(x)} ahead of ${show(y)}`);
  };
  for (const r of q.reads) {
    const list = r.list;
    // For LPOP, the element ahead whose pop was invoked last; for RPOP, the element behind.
    let headBest: Pop | undefined;
    for (const y of list) {
      const py = onlyPop(q, y);
      if (py === undefined || py.kind !== "pop") continue;
      if (headBest !== undefined && precedes(py.t, headBest.t))
        report(
          headBest,
          py,
          `${label(r.t)} ${readWhat(q, list)}, with ${show(headBest.x)} ahead of ${show(y)}`,
        );
      if (headBest === undefined || py.t.invokePos > headBest.t.invokePos) headBest = py;
    }
    let tailBest: Pop | undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const py = onlyPop(q, list[i]);
      if (py === undefined || py.kind !== "rpop") continue;
      if (tailBest !== undefined && precedes(py.t, tailBest.t))
        report(
          tailBest,
          py,
          `${label(r.t)} ${readWhat(q, list)}, with ${show(list[i])} ahead of ${show(tailBest.x)}`,
        );
      if (tailBest === undefined || py.t.invokePos > tailBest.t.invokePos) tailBest = py;
    }
  }
  for (const m of ahead.values())
    for (const fact of m.values()) if (fact.t.mops.length > 1) check(fact.x, fact.y, fact.src);
}

/**
 * resurrected-key: after an acknowledged DEL, (a) an element whose push had taken effect before the
 * DEL was invoked is read or popped by an op invoked after the DEL completed; or (b) LLEN or EXISTS
 * is non-zero although no push may have taken effect from the DEL's invocation to that op's
 * completion. A push has taken effect by its completion, or by the completion of the first read or
 * pop that returned one of its elements, whichever comes first: so a push still in flight when the
 * DEL was invoked is settled as earlier once its element was seen before that.
 */
function findResurrections(ctx: AnalysisContext, q: QueueKey, out: Anomaly[]): void {
  if (!ctx.wants("resurrected-key") || q.dels.length === 0) return;
  const k = show(q.key);
  const dels = new EarliestAfter(q.dels);
  const seenIn = new Map<Elem, { t: Txn; what: () => string }[]>();
  const note = (x: Elem, t: Txn, what: () => string) => {
    const l = seenIn.get(x);
    if (l === undefined) seenIn.set(x, [{ t, what }]);
    else l.push({ t, what });
  };
  for (const r of q.reads) {
    const what = readText(q, r.list);
    for (const x of r.list) note(x, r.t, what);
  }
  for (const ps of q.pops.values()) for (const p of ps) note(p.x, p.t, () => popWhat(q, p));
  /** The first observation of x to complete, if it completed after x's push was invoked. */
  const firstSeen = (w: Push) => {
    let best: { t: Txn; what: () => string } | undefined;
    for (const o of seenIn.get(w.x) ?? [])
      if (o.t.completePos >= w.t.invokePos && (best === undefined || o.t.completePos < best.t.completePos))
        best = o;
    return best;
  };
  const once = new Once();
  /** Per adding transaction, the position by which it had certainly taken effect. */
  const settled = new Map<Txn, number>();
  for (const w of q.pushes.values()) {
    if (w.t.type === "fail") continue;
    const early = firstSeen(w);
    const by = Math.min(doneAt(w.t), early?.t.completePos ?? Number.POSITIVE_INFINITY);
    settled.set(w.t, Math.min(by, settled.get(w.t) ?? Number.POSITIVE_INFINITY));
    const obs = seenIn.get(w.x);
    if (obs === undefined || by === Number.POSITIVE_INFINITY) continue;
    const d = dels.after(by);
    if (d === undefined) continue;
    const o = obs.find((o) => o.t.invokePos > d.t.completePos);
    if (o === undefined || !once.first(w.x)) continue;
    const before =
      w.t.type === "ok" && w.t.completePos === by
        ? `${label(w.t)} pushed ${show(w.x)} to key ${k} and completed before ${label(d.t)} deleted the key (acknowledged)`
        : `${label(w.t)} pushed ${show(w.x)} to key ${k}, and ${label(early!.t)} ${early!.what()} and completed before ${label(
            d.t,
          )} deleted the key (acknowledged), so that push had already taken effect`;
    out.push({
      type: "resurrected-key",
      keys: [q.key],
      ops: [w.t.index, d.t.index, o.t.index],
      explanation: `${before}; yet ${label(o.t)}, invoked after the DEL completed, ${o.what()}. Nothing pushed ${show(
        w.x,
      )} again, so a deleted element came back.`,
    });
  }

  const settledCov = new Coverage(q.adders, (t) => settled.get(t) ?? doneAt(t));
  findCountResurrections(QUEUE_SHAPE, q.key, q.dels, q.counts, settledCov, new Coverage(q.adders), out);
}
