/**
 * Cycle search inside strongly connected components, classified as Elle classifies them.
 *
 * Each pair of transactions in a cycle counts as one kind of edge, the kind it is explained by
 * (data first: ww, wr, rw; then process; then real-time). A cycle is then
 *   G-single-item       exactly one rw edge,
 *   G2-item             two or more rw edges, some two of them adjacent,
 *   G-nonadjacent-item  two or more rw edges, no two adjacent (cyclically),
 *   G1c                 no rw, at least one wr,
 *   G0                  ww only,
 * with `-realtime` appended when it needs a real-time edge, else `-process` for a process edge.
 *
 * Per component, types are tried in Elle's order (most severe first) and a type already implied by
 * one found there is skipped, so each component reports the same names Elle's does. Each search is
 * anchored on one edge of the rarest kind the type needs (rw, else the real-time/process edge,
 * else wr, else ww) and closes the cycle by a breadth-first search over (vertex, state) pairs,
 * where the state tracks the constraints still open. A work budget bounds each search, like
 * Elle's timeout: exhausting it reports `cycle-search-timeout`.
 */
import { type Csr, effectiveKind, PROCESS, REALTIME, RW, RW_REALTIME, WR, WW } from "./graph.ts";
import { allImpliedAnomalies } from "./models.ts";

type RwMode = "none" | "single" | "nonadjacent" | "adjacent";

interface Spec {
  type: string;
  allowed: number;
  /** The realtime or process edge kind that the `-realtime` / `-process` form needs (0: neither). */
  orderEdge: number;
  needWr: boolean;
  rw: RwMode;
}

const BASE: Record<string, Omit<Spec, "type" | "orderEdge">> = {
  G0: { allowed: WW, needWr: false, rw: "none" },
  G1c: { allowed: WW | WR, needWr: true, rw: "none" },
  "G-single-item": { allowed: WW | WR | RW, needWr: false, rw: "single" },
  "G-nonadjacent-item": { allowed: WW | WR | RW, needWr: false, rw: "nonadjacent" },
  "G2-item": { allowed: WW | WR | RW, needWr: false, rw: "adjacent" },
};

/** The search spec for a cycle anomaly name, or undefined for names this checker never finds. */
export function cycleSpec(type: string): Spec | undefined {
  let base = type;
  let orderEdge = 0;
  if (type.endsWith("-realtime")) {
    base = type.slice(0, -"-realtime".length);
    orderEdge = REALTIME;
  } else if (type.endsWith("-process")) {
    base = type.slice(0, -"-process".length);
    orderEdge = PROCESS;
  }
  const b = BASE[base];
  if (b === undefined) return undefined;
  // An rw edge that real time justifies counts as rw and as the real-time edge at once.
  const rwRealtime = orderEdge === REALTIME && (b.allowed & RW) !== 0 ? RW_REALTIME : 0;
  return { type, allowed: b.allowed | orderEdge | rwRealtime, orderEdge, needWr: b.needWr, rw: b.rw };
}

export interface FoundCycle {
  type: string;
  /** Txn ids; the cycle is v[0] → v[1] → … → v[n-1] → v[0]. */
  vertices: number[];
  /** kinds[i] is the effective kind of the edge v[i] → v[(i+1) % n]. */
  kinds: number[];
}

export interface CycleSearchResult {
  cycles: FoundCycle[];
  /** Components where a search ran out of budget: the type sought and the component's size. */
  timeouts: { type: string; size: number; vertices: number[] }[];
}

/** A component's edges, one per ordered pair, with local vertex numbers. */
interface Local {
  n: number;
  ids: number[];
  start: Int32Array;
  to: Int32Array;
  kind: Uint8Array;
  present: number;
}

function localGraph(g: Csr, comp: number[], localOf: Int32Array): Local {
  const n = comp.length;
  for (let i = 0; i < n; i++) localOf[comp[i]] = i;
  const start = new Int32Array(n + 1);
  const to: number[] = [];
  const kind: number[] = [];
  const bits = new Map<number, number>();
  let present = 0;
  for (let i = 0; i < n; i++) {
    start[i] = to.length;
    const v = comp[i];
    bits.clear();
    for (let e = g.offsets[v]; e < g.offsets[v + 1]; e++) {
      const w = localOf[g.targets[e]];
      if (w < 0) continue;
      bits.set(w, (bits.get(w) ?? 0) | g.kinds[e]);
    }
    for (const [w, b] of bits) {
      const k = effectiveKind(b);
      to.push(w);
      kind.push(k);
      present |= k;
    }
  }
  start[n] = to.length;
  for (let i = 0; i < n; i++) localOf[comp[i]] = -1;
  return { n, ids: comp, start, to: Int32Array.from(to), kind: Uint8Array.from(kind), present };
}

/** Component id per local vertex over the edges whose kind is in `mask` (-1: alone). */
function subComponents(l: Local, mask: number): Int32Array {
  const { n, start, to, kind } = l;
  const comp = new Int32Array(n).fill(-1);
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const callV: number[] = [];
  const callE: number[] = [];
  let counter = 0;
  let comps = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    callV.push(root);
    callE.push(start[root]);
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (callV.length > 0) {
      const d = callV.length - 1;
      const v = callV[d];
      const e = callE[d];
      if (e < start[v + 1]) {
        callE[d] = e + 1;
        if ((kind[e] & mask) === 0) continue;
        const w = to[e];
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          callV.push(w);
          callE.push(start[w]);
        } else if (onStack[w] && index[w] < low[v]) low[v] = index[w];
        continue;
      }
      if (low[v] === index[v]) {
        const members: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          members.push(w);
        } while (w !== v);
        if (members.length > 1) {
          for (const m of members) comp[m] = comps;
          comps++;
        }
      }
      callV.pop();
      callE.pop();
      if (callV.length > 0) {
        const u = callV[callV.length - 1];
        if (low[v] < low[u]) low[u] = low[v];
      }
    }
  }
  return comp;
}

// State bits for the (vertex, state) search.
const S_ORDER_EDGE = 1;
const S_WR = 2;
const S_RW_SHIFT = 2; // two bits: rw count capped at 2
const S_RW_MASK = 3 << S_RW_SHIFT;
const S_LAST_RW = 16;
const S_ADJ = 32;
const STATES = 64;
const INVALID = -1;

const isRw = (k: number) => k === RW || k === RW_REALTIME;

function step(spec: Spec, s: number, k: number): number {
  if (isRw(k)) {
    const c = (s & S_RW_MASK) >> S_RW_SHIFT;
    if (spec.rw === "single" && c >= 1) return INVALID;
    if (spec.rw === "nonadjacent" && s & S_LAST_RW) return INVALID;
    let t = (s & ~S_RW_MASK) | (Math.min(c + 1, 2) << S_RW_SHIFT) | S_LAST_RW;
    if (s & S_LAST_RW) t |= S_ADJ;
    if (k === RW_REALTIME) t |= S_ORDER_EDGE;
    return t;
  }
  let t = s & ~S_LAST_RW;
  if (k === WR) t |= S_WR;
  if (k === spec.orderEdge) t |= S_ORDER_EDGE;
  return t;
}

/** Whether a path in state `s` that ends with the edge back into the anchor closes a valid cycle. */
function closes(spec: Spec, s: number, anchorKind: number): boolean {
  if (s & S_LAST_RW && isRw(anchorKind)) {
    if (spec.rw === "nonadjacent") return false;
    s |= S_ADJ;
  }
  if (spec.orderEdge !== 0 && !(s & S_ORDER_EDGE)) return false;
  if (spec.needWr && !(s & S_WR)) return false;
  const c = (s & S_RW_MASK) >> S_RW_SHIFT;
  switch (spec.rw) {
    case "none":
      return c === 0;
    case "single":
      return c === 1;
    case "nonadjacent":
      return c === 2;
    default:
      return c === 2 && (s & S_ADJ) !== 0;
  }
}

class Budget {
  constructor(public left: number) {}
  spend(n = 1): boolean {
    this.left -= n;
    return this.left >= 0;
  }
}

/** Searches one component for a cycle of this spec; null when none, "timeout" when out of budget. */
function searchSpec(l: Local, spec: Spec, budget: Budget): FoundCycle | null | "timeout" {
  const mask = spec.allowed;
  const anchorKind = spec.rw !== "none" ? RW : spec.orderEdge !== 0 ? spec.orderEdge : spec.needWr ? WR : WW;
  // Anchors: edges of that kind, and for rw also those that real time justifies, when allowed.
  const anchors = anchorKind === RW ? RW | (mask & RW_REALTIME) : anchorKind;
  if ((l.present & anchors) === 0) return null;
  if (spec.needWr && (l.present & WR) === 0) return null;
  const sub = subComponents(l, mask);
  const { start, to, kind } = l;
  // Reused across anchors; `seen` holds 64 state bits per vertex as two 32-bit halves.
  const seenLo = new Uint32Array(l.n);
  const seenHi = new Uint32Array(l.n);
  const touched: number[] = [];
  const qKey: number[] = [];
  const qParent: number[] = [];
  const qKind: number[] = [];
  for (let u = 0; u < l.n; u++) {
    if (sub[u] < 0) continue;
    for (let e = start[u]; e < start[u + 1]; e++) {
      const ak = kind[e];
      if ((ak & anchors) === 0) continue;
      const w = to[e];
      if (sub[w] !== sub[u]) continue;
      const s0 = step(spec, 0, ak);
      for (const t of touched) {
        seenLo[t] = 0;
        seenHi[t] = 0;
      }
      touched.length = 0;
      qKey.length = 0;
      qParent.length = 0;
      qKind.length = 0;
      qKey.push(w * STATES + s0);
      qParent.push(-1);
      qKind.push(ak);
      touched.push(w);
      let found = -1;
      let lastKind = 0;
      let repeated = false;
      for (let head = 0; head < qKey.length && found < 0; head++) {
        const key = qKey[head];
        const x = Math.floor(key / STATES);
        const s = key % STATES;
        for (let f = start[x]; f < start[x + 1]; f++) {
          if (!budget.spend()) return "timeout";
          const k = kind[f];
          if ((k & mask) === 0) continue;
          const y = to[f];
          if (y === w || sub[y] !== sub[u]) continue;
          const s1 = step(spec, s, k);
          if (s1 === INVALID) continue;
          if (y === u) {
            if (closes(spec, s1, ak)) {
              found = head;
              lastKind = k;
              break;
            }
            continue;
          }
          const bit = s1 < 32 ? 1 << s1 : 1 << (s1 - 32);
          const arr = s1 < 32 ? seenLo : seenHi;
          if ((arr[y] & bit) !== 0) continue;
          if (seenLo[y] === 0 && seenHi[y] === 0) touched.push(y);
          else repeated = true;
          arr[y] |= bit;
          qKey.push(y * STATES + s1);
          qParent.push(head);
          qKind.push(k);
        }
      }
      if (found < 0) continue;
      const path: number[] = [];
      const kinds: number[] = [lastKind];
      for (let q = found; q >= 0; q = qParent[q]) {
        path.push(Math.floor(qKey[q] / STATES));
        kinds.push(qKind[q]);
      }
      path.push(u);
      path.reverse();
      kinds.reverse();
      // kinds now: [anchorKind(u→w), …, lastKind(x→u)] aligned with path[i] → path[i+1].
      if (repeated && new Set(path).size !== path.length) {
        const viaDfs = dfsFromAnchor(l, spec, sub, u, w, ak, budget);
        if (viaDfs === "timeout") return "timeout";
        if (viaDfs === null) continue;
        return toFound(l, spec, viaDfs.path, viaDfs.kinds);
      }
      return toFound(l, spec, path, kinds);
    }
  }
  return null;
}

function toFound(l: Local, spec: Spec, path: number[], kinds: number[]): FoundCycle {
  return { type: spec.type, vertices: path.map((v) => l.ids[v]), kinds };
}

/** Exhaustive simple-path search from one anchor, for when the state search's path repeats a vertex. */
function dfsFromAnchor(
  l: Local,
  spec: Spec,
  sub: Int32Array,
  u: number,
  w: number,
  anchorKind: number,
  budget: Budget,
): { path: number[]; kinds: number[] } | null | "timeout" {
  const { start, to, kind } = l;
  const onPath = new Uint8Array(l.n);
  const path = [u, w];
  const kinds = [anchorKind];
  onPath[u] = 1;
  onPath[w] = 1;
  let out: "timeout" | null = null;
  const go = (x: number, s: number): boolean => {
    for (let f = start[x]; f < start[x + 1]; f++) {
      if (!budget.spend()) {
        out = "timeout";
        return false;
      }
      const k = kind[f];
      if ((k & spec.allowed) === 0) continue;
      const y = to[f];
      if (sub[y] !== sub[u]) continue;
      const s1 = step(spec, s, k);
      if (s1 === INVALID) continue;
      if (y === u) {
        if (closes(spec, s1, anchorKind)) {
          kinds.push(k);
          return true;
        }
        continue;
      }
      if (onPath[y]) continue;
      onPath[y] = 1;
      path.push(y);
      kinds.push(k);
      if (go(y, s1)) return true;
      if (out === "timeout") return false;
      onPath[y] = 0;
      path.pop();
      kinds.pop();
    }
    return false;
  };
  try {
    if (go(w, step(spec, 0, anchorKind))) return { path, kinds };
  } catch (e) {
    // Very long simple paths can exhaust the call stack; treat that like running out of budget.
    if (e instanceof RangeError) return "timeout";
    throw e;
  }
  return out;
}

/**
 * Finds, per component, one cycle of each of `types` (already in search order) that is not implied
 * by a type found earlier in the same component.
 */
export function findCycles(
  g: Csr,
  sccs: number[][],
  types: readonly string[],
  budgetPerSearch: number,
): CycleSearchResult {
  const specs = types.map(cycleSpec).filter((s): s is Spec => s !== undefined);
  const cycles: FoundCycle[] = [];
  const timeouts: CycleSearchResult["timeouts"] = [];
  if (specs.length === 0) return { cycles, timeouts };
  const localOf = new Int32Array(g.n).fill(-1);
  for (const comp of sccs) {
    const l = localGraph(g, comp, localOf);
    const redundant = new Set<string>();
    for (const spec of specs) {
      if (redundant.has(spec.type)) continue;
      if ((spec.allowed & l.present & ~spec.orderEdge) === 0) continue;
      if (spec.orderEdge !== 0 && (l.present & (spec.orderEdge | (spec.allowed & RW_REALTIME))) === 0)
        continue;
      const r = searchSpec(l, spec, new Budget(budgetPerSearch));
      if (r === "timeout") {
        timeouts.push({ type: spec.type, size: comp.length, vertices: comp });
        continue;
      }
      if (r === null) continue;
      cycles.push(r);
      for (const t of allImpliedAnomalies([spec.type])) redundant.add(t);
    }
  }
  return { cycles, timeouts };
}
