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
 * anchored on edges of the rarest kind the type needs (rw, else the real-time/process edge, else wr,
 * else ww) and runs over (vertex, state) pairs, where the state tracks the constraints still open.
 * Whether any anchor closes a walk is decided exactly, by strongly connected components and
 * reachability over that product graph, so the cost grows with the component's edges, never with
 * its paths (see `searchSpec`). A work budget, growing with the component, bounds only the search
 * for the shortest simple cycle; `cycle-search-timeout` remains for the rare component where every
 * closing walk repeats a vertex and the simple-path fallback runs out of budget.
 */
import {
  type Components,
  type Csr,
  components,
  doubled,
  effectiveKind,
  PROCESS,
  REALTIME,
  RW,
  RW_REALTIME,
  WR,
  WW,
} from "./graph.ts";
import { Interner } from "./intern.ts";
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
  /** One entry per component searched, in the order of `sccs`. */
  costs: ComponentCost[];
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
  let to = new Int32Array(1024);
  let bits = new Uint8Array(1024);
  // Where each target already sits in the current vertex's row (valid when its stamp matches):
  // the kinds of parallel edges to one target are OR-ed into one pair.
  const at = new Int32Array(n);
  const stamp = new Int32Array(n).fill(-1);
  let m = 0;
  for (let i = 0; i < n; i++) {
    start[i] = m;
    const v = comp[i];
    for (let e = g.offsets[v]; e < g.offsets[v + 1]; e++) {
      const w = localOf[g.targets[e]];
      if (w < 0) continue;
      if (stamp[w] === i) {
        bits[at[w]] |= g.kinds[e];
        continue;
      }
      if (m === to.length) {
        to = doubled(to);
        bits = doubled(bits);
      }
      stamp[w] = i;
      at[w] = m;
      to[m] = w;
      bits[m++] = g.kinds[e];
    }
  }
  start[n] = m;
  for (let i = 0; i < n; i++) localOf[comp[i]] = -1;
  const kind = new Uint8Array(m);
  let present = 0;
  for (let e = 0; e < m; e++) {
    kind[e] = effectiveKind(bits[e]);
    present |= kind[e];
  }
  return { n, ids: comp, start, to: to.slice(0, m), kind, present };
}

/** Component id per local vertex over the edges whose kind is in `mask` (-1: alone). */
function subComponents(l: Local, mask: number): Int32Array {
  const { comp, count, order, start } = components(
    { n: l.n, offsets: l.start, targets: l.to, kinds: l.kind },
    mask,
  );
  for (let c = 0; c < count; c++) if (start[c + 1] - start[c] === 1) comp[order[start[c]]] = -1;
  return comp;
}

// State bits for the (vertex, state) search.
const S_ORDER_EDGE = 1;
const S_WR = 2;
const S_RW_SHIFT = 2; // two bits: rw count capped at 2
const S_RW_MASK = 3 << S_RW_SHIFT;
const S_LAST_RW = 16;
const S_ADJ = 32;
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
  /** Work done so far (edge visits), reported with the search's figures. */
  used = 0;
  constructor(public left: number) {}
  spend(n = 1): boolean {
    this.used += n;
    this.left -= n;
    return this.left >= 0;
  }
}

/** Kind bit (WW … REALTIME) → 0 … 4, the column of a transition table. */
const KIND_INDEX = new Int8Array(RW_REALTIME + 1).fill(-1);
KIND_INDEX[WW] = 0;
KIND_INDEX[WR] = 1;
KIND_INDEX[RW] = 2;
KIND_INDEX[PROCESS] = 3;
KIND_INDEX[REALTIME] = 4;
KIND_INDEX[RW_REALTIME] = 5;
const KINDS = 6;

/**
 * The states a path can be in after the anchor edge, numbered densely, with their transitions:
 * the search runs over (vertex, state) pairs, and most specs need only one or two states.
 */
interface Automaton {
  size: number;
  /** trans[s * KINDS + KIND_INDEX[k]]: the state after an edge of kind k, or -1. */
  trans: Int16Array;
  /** Whether a path in that state closes a cycle when its last edge enters the anchor's tail. */
  accepting: Uint8Array;
}

function automaton(spec: Spec, anchorKind: number, present: number): Automaton {
  const numbered = new Interner<number>();
  const states = numbered.values;
  const add = (s: number): number => numbered.id(s);
  add(step(spec, 0, anchorKind));
  const kinds = [WW, WR, RW, PROCESS, REALTIME, RW_REALTIME].filter(
    (k) => (k & spec.allowed & present) !== 0,
  );
  const edges: [number, number, number][] = [];
  for (let i = 0; i < states.length; i++)
    for (const k of kinds) {
      const t = step(spec, states[i], k);
      if (t !== INVALID) edges.push([i, KIND_INDEX[k], add(t)]);
    }
  const trans = new Int16Array(states.length * KINDS).fill(-1);
  for (const [i, ki, j] of edges) trans[i * KINDS + ki] = j;
  const accepting = Uint8Array.from(states, (s) => (closes(spec, s, anchorKind) ? 1 : 0));
  return { size: states.length, trans, accepting };
}

/** What one search cost: edge visits of the reachability pass and of the path searches. */
export interface SearchCost {
  type: string;
  /** Product-graph edges visited to decide which anchors close a walk (exact, never capped). */
  reachWork: number;
  /** Edge visits of the breadth-first (and, rarely, depth-first) path searches (capped). */
  pathWork: number;
  budget: number;
  result: "found" | "none" | "timeout";
}

/**
 * Searches one component for a cycle of this spec; null when none, "timeout" when out of budget.
 *
 * 1. Which anchor edges u → w can close a walk at all: Tarjan's algorithm over the product of the
 *    component and the spec's automaton, from every (w, start); an anchor whose closing state
 *    (u, accepting) shares w's product component closes one, and the others are decided by
 *    reachability sets over the condensation, computed as bitsets in blocks of targets. This is
 *    exact and costs edges × states × (targets / 32) at worst, never a number of paths; when no
 *    anchor closes a walk there is no cycle of the spec, proved without any budget.
 * 2. A breadth-first search from the head of each closing anchor (heads shared by several anchors
 *    searched once) finds the shortest walk back; a walk that repeats a vertex is no simple cycle,
 *    so it is skipped in favour of the next. The shortest simple cycle found is kept, and later
 *    searches stop at its length. The budget bounds only this step.
 * 3. Only when every closing walk repeats a vertex does a depth-first search over simple paths run,
 *    within what is left of the budget.
 */
function searchSpec(l: Local, spec: Spec, budget: Budget, cost: SearchCost): FoundCycle | null | "timeout" {
  const anchorKind = spec.rw !== "none" ? RW : spec.orderEdge !== 0 ? spec.orderEdge : spec.needWr ? WR : WW;
  const first = searchAnchored(l, spec, budget, cost, anchorKind);
  // An rw edge that real time justifies is an rw anchor of its own kind (it starts the automaton in
  // another state): search those anchors too and keep the shorter cycle.
  if (anchorKind !== RW || (spec.allowed & RW_REALTIME) === 0 || (l.present & RW_REALTIME) === 0)
    return first;
  const second = searchAnchored(l, spec, budget, cost, RW_REALTIME);
  if (first === null || first === "timeout") return second === null ? first : second;
  if (second === null || second === "timeout") return first;
  return second.vertices.length < first.vertices.length ? second : first;
}

/** `searchSpec` over the anchor edges of one kind. */
function searchAnchored(
  l: Local,
  spec: Spec,
  budget: Budget,
  cost: SearchCost,
  anchorKind: number,
): FoundCycle | null | "timeout" {
  if ((l.present & anchorKind) === 0) return null;
  if (spec.needWr && (l.present & WR) === 0) return null;
  const sub = subComponents(l, spec.allowed);
  const A = automaton(spec, anchorKind, l.present);
  const anchors = findAnchors(l, sub, anchorKind);
  if (anchors.tail.length === 0) return null;
  const closing = closingAnchors(l, sub, A, spec.allowed, anchors, cost);
  if (closing.length === 0) return null;

  // 2. Breadth-first searches from the heads of closing anchors.
  const r = shortestClosingWalk(l, sub, A, spec.allowed, anchors, closing, anchorKind, budget);
  cost.pathWork = budget.used;
  if (r !== null && r !== "timeout") return toFound(l, spec, r.path, r.kinds);
  if (r === "timeout") return "timeout";

  // 3. Every closing walk repeats a vertex: look for a simple one, depth first.
  for (const a of closing) {
    const d = dfsFromAnchor(l, spec, sub, anchors.tail[a], anchors.head[a], anchorKind, budget);
    cost.pathWork = budget.used;
    if (d === "timeout") return "timeout";
    if (d !== null) return toFound(l, spec, d.path, d.kinds);
  }
  return null;
}

/** Anchor edges tail → head, both in one sub-component. */
interface Anchors {
  tail: number[];
  head: number[];
}

/** The anchor edges of a kind, in vertex order (tails, then heads), so that the search is deterministic. */
function findAnchors(l: Local, sub: Int32Array, anchorKind: number): Anchors {
  const { n, start, to, kind } = l;
  const tail: number[] = [];
  const head: number[] = [];
  for (let u = 0; u < n; u++) {
    if (sub[u] < 0) continue;
    for (let e = start[u]; e < start[u + 1]; e++)
      if (kind[e] === anchorKind && sub[to[e]] === sub[u]) {
        tail.push(u);
        head.push(to[e]);
      }
  }
  return { tail, head };
}

/**
 * The component and automaton as one graph over (vertex, state) nodes `v * size + s`, holding the
 * edges of an allowed kind inside one sub-component that the automaton can take; `kinds` keeps
 * each edge's kind. Every pass over the product walks these edges, so the stepping rule is here
 * alone.
 */
function productGraph(l: Local, sub: Int32Array, A: Automaton, mask: number): Csr {
  const { n, start, to, kind } = l;
  const S = A.size;
  const N = n * S;
  const offsets = new Int32Array(N + 1);
  let targets = new Int32Array(Math.max(16, start[n] * S));
  let kinds = new Uint8Array(targets.length);
  let m = 0;
  for (let v = 0; v < n; v++)
    for (let si = 0; si < S; si++) {
      offsets[v * S + si] = m;
      for (let e = start[v]; e < start[v + 1]; e++) {
        const k = kind[e];
        if ((k & mask) === 0) continue;
        const y = to[e];
        if (sub[y] !== sub[v]) continue;
        const sj = A.trans[si * KINDS + KIND_INDEX[k]];
        if (sj < 0) continue;
        if (m === targets.length) {
          targets = doubled(targets);
          kinds = doubled(kinds);
        }
        targets[m] = y * S + sj;
        kinds[m++] = k;
      }
    }
  offsets[N] = m;
  return { n: N, offsets, targets, kinds };
}

/**
 * 1. The anchors that close a walk: Tarjan's components of the product graph reached from the
 * anchors' start nodes decide most of them (an anchor whose closing node shares its head's
 * component), reachability over the condensation the rest. Adds the work to `cost.reachWork`.
 */
function closingAnchors(
  l: Local,
  sub: Int32Array,
  A: Automaton,
  mask: number,
  anchors: Anchors,
  cost: SearchCost,
): number[] {
  const S = A.size;
  const { accepting } = A;
  const product = productGraph(l, sub, A, mask);
  const pc = components(
    product,
    0xff,
    anchors.head.map((w) => w * S),
  );
  const { comp } = pc;
  // The work counted as edges of the component visited from every reached node.
  let reachWork = 0;
  for (let i = 0; i < pc.start[pc.count]; i++) {
    const v = (pc.order[i] / S) | 0;
    reachWork += l.start[v + 1] - l.start[v];
  }
  // Anchors that surely close a walk (same product component), and those still open.
  const closing: number[] = [];
  const open: number[] = [];
  for (let a = 0; a < anchors.tail.length; a++) {
    const c = comp[anchors.head[a] * S];
    const base = anchors.tail[a] * S;
    let sure = false;
    let reachable = false;
    for (let s = 0; s < S; s++) {
      if (!accepting[s] || comp[base + s] < 0) continue;
      reachable = true;
      if (comp[base + s] === c) sure = true;
    }
    if (sure) closing.push(a);
    else if (reachable) open.push(a);
  }
  if (closing.length === 0 && open.length > 0)
    reachWork += decideByReachability(l, A, product, pc, anchors, open, closing);
  cost.reachWork += reachWork;
  return closing;
}

/** A breadth-first queue: entry i reached `node[i]` from entry `parent[i]` by an edge of `kind[i]`. */
class WalkQueue {
  readonly node: Int32Array;
  readonly parent: Int32Array;
  readonly kind: Uint8Array;
  readonly depth: Int32Array;
  constructor(size: number) {
    this.node = new Int32Array(size);
    this.parent = new Int32Array(size);
    this.kind = new Uint8Array(size);
    this.depth = new Int32Array(size);
  }
}

/**
 * 2. A breadth-first search from the head of each closing anchor (heads shared by several anchors
 * searched once, in anchor order) for the shortest walk back; a walk that repeats a vertex is no
 * simple cycle and is skipped. Later searches stop at the best length found.
 */
function shortestClosingWalk(
  l: Local,
  sub: Int32Array,
  A: Automaton,
  mask: number,
  anchors: Anchors,
  closing: number[],
  anchorKind: number,
  budget: Budget,
): { path: number[]; kinds: number[] } | null | "timeout" {
  const { n, start, to, kind } = l;
  const S = A.size;
  const N = n * S;
  const { trans, accepting } = A;
  const heads: number[] = [];
  const headSlot = new Int32Array(n).fill(-1);
  const tailsOf: number[][] = [];
  for (const a of closing) {
    const w = anchors.head[a];
    if (headSlot[w] < 0) {
      headSlot[w] = heads.length;
      heads.push(w);
      tailsOf.push([]);
    }
    tailsOf[headSlot[w]].push(anchors.tail[a]);
  }
  const tailMark = new Int32Array(n).fill(-1);
  const seen = new Int32Array(N).fill(-1);
  const onPath = new Int32Array(n).fill(-1);
  const queue = new WalkQueue(N);
  const { node: qNode, parent: qParent, kind: qKind, depth: qDepth } = queue;
  let best: { path: number[]; kinds: number[] } | null = null;
  for (let round = 0; round < heads.length; round++) {
    const w = heads[round];
    for (const u of tailsOf[round]) tailMark[u] = round;
    const startNode = w * S;
    let head = 0;
    let tail = 0;
    qNode[tail] = startNode;
    qParent[tail] = -1;
    qKind[tail] = anchorKind;
    qDepth[tail++] = 0;
    seen[startNode] = round;
    const maxDepth = best === null ? N : best.path.length - 2;
    let found = -1;
    while (head < tail && found < 0) {
      const qi = head++;
      const p = qNode[qi];
      const d = qDepth[qi];
      if (d >= maxDepth) break;
      const x = (p / S) | 0;
      const si = p - x * S;
      for (let f = start[x]; f < start[x + 1]; f++) {
        if (!budget.spend()) return best ?? "timeout";
        const k = kind[f];
        if ((k & mask) === 0) continue;
        const y = to[f];
        if (y === w || sub[y] !== sub[x]) continue;
        const sj = trans[si * KINDS + KIND_INDEX[k]];
        if (sj < 0) continue;
        const q = y * S + sj;
        if (seen[q] === round) continue;
        seen[q] = round;
        qNode[tail] = q;
        qParent[tail] = qi;
        qKind[tail] = k;
        qDepth[tail++] = d + 1;
        if (tailMark[y] !== round || !accepting[sj]) continue;
        // A closing walk w ⇝ y, then y → w is the anchor: keep it if it is a simple cycle.
        const cycle = simpleCycle(queue, tail - 1, S, onPath, round);
        if (cycle === null) continue;
        best = cycle;
        found = tail - 1;
        break;
      }
    }
    if (best !== null && best.path.length <= 2) break;
  }
  return best;
}

/**
 * The cycle a breadth-first walk closes, read back from queue entry `r` to the start: null when it
 * repeats a vertex. It starts at the anchor's tail y: y → w → … → y, and kinds[0] is the anchor.
 */
function simpleCycle(
  queue: WalkQueue,
  last: number,
  S: number,
  onPath: Int32Array,
  round: number,
): { path: number[]; kinds: number[] } | null {
  const path: number[] = [];
  const kinds: number[] = [];
  for (let r = last; r >= 0; r = queue.parent[r]) {
    const v = (queue.node[r] / S) | 0;
    if (onPath[v] === round) return null;
    onPath[v] = round;
    path.push(v);
    kinds.push(queue.kind[r]);
  }
  // path: y … w (reversed); kinds[i] is the kind of the edge into path[i] (the anchor into w).
  path.reverse();
  kinds.reverse();
  return { path: [path[path.length - 1], ...path.slice(0, -1)], kinds };
}

/**
 * Decides the open anchors by reachability over the product condensation: for each block of
 * target nodes (an open anchor's tail in an accepting state), a bitset per product component of
 * the targets it reaches, filled in component order (every successor component comes first).
 * Anchors found to close a walk are appended to `closing`. Returns the work done.
 *
 * Hand-written bitsets: the sets are dense words OR-ed along every condensation edge, which no
 * general-purpose set structure in package.json does at this speed.
 */
function decideByReachability(
  l: Local,
  A: Automaton,
  product: Csr,
  pc: Components,
  anchors: Anchors,
  open: number[],
  closing: number[],
): number {
  const S = A.size;
  const { accepting } = A;
  const { comp, count: comps, order, start: cStart } = pc;
  const { offsets, targets } = product;
  // Distinct target components: the components of the open anchors' accepting tail nodes.
  const targetOf = new Int32Array(comps).fill(-1);
  const targetList: number[] = [];
  for (const a of open) {
    const base = anchors.tail[a] * S;
    for (let s = 0; s < S; s++) {
      const c = comp[base + s];
      if (!accepting[s] || c < 0 || targetOf[c] >= 0) continue;
      targetOf[c] = targetList.length;
      targetList.push(c);
    }
  }
  // Up to 2048 targets per block, fewer when there are few targets or very many components (the
  // bitsets stay within 64 MiB; more blocks then cost time, not memory).
  const WORDS = Math.max(1, Math.min(64, Math.ceil(targetList.length / 32), Math.floor((16 << 20) / comps)));
  const BLOCK = WORDS * 32;
  const reach = new Uint32Array(comps * WORDS);
  const decided = new Uint8Array(open.length);
  let work = 0;
  for (let b0 = 0; b0 < targetList.length; b0 += BLOCK) {
    reach.fill(0);
    for (let c = 0; c < comps; c++) {
      const t = targetOf[c];
      const row = c * WORDS;
      if (t >= b0 && t < b0 + BLOCK) reach[row + ((t - b0) >>> 5)] |= 1 << ((t - b0) & 31);
      for (let m = cStart[c]; m < cStart[c + 1]; m++) {
        const p = order[m];
        const v = (p / S) | 0;
        work += l.start[v + 1] - l.start[v];
        for (let e = offsets[p]; e < offsets[p + 1]; e++) {
          const d = comp[targets[e]];
          if (d === c) continue;
          const from = d * WORDS;
          for (let i = 0; i < WORDS; i++) reach[row + i] |= reach[from + i];
          work += WORDS;
        }
      }
    }
    for (let i = 0; i < open.length; i++) {
      if (decided[i]) continue;
      const a = open[i];
      const row = comp[anchors.head[a] * S] * WORDS;
      const base = anchors.tail[a] * S;
      for (let s = 0; s < S; s++) {
        const c = comp[base + s];
        if (!accepting[s] || c < 0) continue;
        const t = targetOf[c] - b0;
        if (t < 0 || t >= BLOCK) continue;
        if (reach[row + (t >>> 5)] & (1 << (t & 31))) {
          decided[i] = 1;
          break;
        }
      }
    }
  }
  for (let i = 0; i < open.length; i++) if (decided[i]) closing.push(open[i]);
  return work;
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

/** Figures of one component's searches, for `--json` and the bench. */
export interface ComponentCost {
  size: number;
  /** Distinct ordered pairs (edges of the condensed multigraph). */
  edges: number;
  searches: SearchCost[];
}

/** A fixed budget per search, or one computed from the component's size and edge count. */
export type SearchBudget = number | ((size: number, edges: number) => number);

/**
 * Finds, per component, one cycle of each of `types` (already in search order) that is not implied
 * by a type found earlier in the same component: the shortest the search meets.
 */
export function findCycles(
  g: Csr,
  sccs: number[][],
  types: readonly string[],
  budgetPerSearch: SearchBudget,
): CycleSearchResult {
  const specs = types.map(cycleSpec).filter((s): s is Spec => s !== undefined);
  const cycles: FoundCycle[] = [];
  const timeouts: CycleSearchResult["timeouts"] = [];
  const costs: ComponentCost[] = [];
  if (specs.length === 0) return { cycles, timeouts, costs };
  const localOf = new Int32Array(g.n).fill(-1);
  for (const comp of sccs) {
    const l = localGraph(g, comp, localOf);
    const edges = l.start[l.n];
    const budget = typeof budgetPerSearch === "number" ? budgetPerSearch : budgetPerSearch(l.n, edges);
    const cc: ComponentCost = { size: l.n, edges, searches: [] };
    costs.push(cc);
    const redundant = new Set<string>();
    for (const spec of specs) {
      if (redundant.has(spec.type)) continue;
      if ((spec.allowed & l.present & ~spec.orderEdge) === 0) continue;
      if (spec.orderEdge !== 0 && (l.present & (spec.orderEdge | (spec.allowed & RW_REALTIME))) === 0)
        continue;
      const cost: SearchCost = { type: spec.type, reachWork: 0, pathWork: 0, budget, result: "none" };
      const r = searchSpec(l, spec, new Budget(budget), cost);
      cc.searches.push(cost);
      if (r === "timeout") {
        cost.result = "timeout";
        timeouts.push({ type: spec.type, size: comp.length, vertices: comp });
        continue;
      }
      if (r === null) continue;
      cost.result = "found";
      cycles.push(r);
      for (const t of allImpliedAnomalies([spec.type])) redundant.add(t);
    }
  }
  return { cycles, timeouts, costs };
}

/** What the cycle search cost, over every strongly connected component. */
export interface CycleSearchStats {
  components: number;
  /** Transactions in the largest component. */
  largest: number;
  searches: number;
  /** Product-graph edge visits of the exact reachability passes. */
  reachWork: number;
  /** Edge visits of the budgeted path searches. */
  pathWork: number;
  timeouts: number;
  /** The ten largest components' figures, largest first. */
  largestComponents: ComponentCost[];
}

/** The figures of `costs` together (`[]`: a search that found no component). */
export function summariseCosts(costs: ComponentCost[]): CycleSearchStats {
  const s: CycleSearchStats = {
    components: costs.length,
    largest: 0,
    searches: 0,
    reachWork: 0,
    pathWork: 0,
    timeouts: 0,
    largestComponents: [],
  };
  for (const c of costs) {
    if (c.size > s.largest) s.largest = c.size;
    for (const x of c.searches) {
      s.searches++;
      s.reachWork += x.reachWork;
      s.pathWork += x.pathWork;
      if (x.result === "timeout") s.timeouts++;
    }
  }
  s.largestComponents = costs
    .map((c, i) => ({ c, i }))
    .sort((a, b) => b.c.size - a.c.size || a.i - b.i)
    .slice(0, 10)
    .map((x) => x.c);
  return s;
}
