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
  let cap = 1024;
  let to = new Int32Array(cap);
  let bits = new Uint8Array(cap);
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
      if (m === cap) {
        cap *= 2;
        const t = new Int32Array(cap);
        t.set(to);
        to = t;
        const b = new Uint8Array(cap);
        b.set(bits);
        bits = b;
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
  const index = new Map<number, number>();
  const states: number[] = [];
  const add = (s: number): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = states.length;
      index.set(s, i);
      states.push(s);
    }
    return i;
  };
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
  const mask = spec.allowed;
  if ((l.present & anchorKind) === 0) return null;
  if (spec.needWr && (l.present & WR) === 0) return null;
  const sub = subComponents(l, mask);
  const { n, start, to, kind } = l;
  const A = automaton(spec, anchorKind, l.present);
  const S = A.size;
  const { trans, accepting } = A;

  // Anchors, in vertex order (tails, then heads) so that the search is deterministic.
  const anchorTail: number[] = [];
  const anchorHead: number[] = [];
  for (let u = 0; u < n; u++) {
    if (sub[u] < 0) continue;
    for (let e = start[u]; e < start[u + 1]; e++)
      if (kind[e] === anchorKind && sub[to[e]] === sub[u]) {
        anchorTail.push(u);
        anchorHead.push(to[e]);
      }
  }
  if (anchorTail.length === 0) return null;

  // 1. Product components (iterative Tarjan) reachable from the anchors' start nodes.
  const N = n * S;
  const comp = new Int32Array(N).fill(-1);
  const index = new Int32Array(N).fill(-1);
  const low = new Int32Array(N);
  const onStack = new Uint8Array(N);
  const stack = new Int32Array(N);
  const callV = new Int32Array(N);
  const callE = new Int32Array(N);
  let sp = 0;
  let counter = 0;
  let comps = 0;
  let reachWork = 0;
  for (let a = 0; a < anchorHead.length; a++) {
    const root = anchorHead[a] * S;
    if (index[root] !== -1) continue;
    let depth = 0;
    callV[0] = root;
    callE[0] = start[anchorHead[a]];
    index[root] = low[root] = counter++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const p = callV[depth];
      const v = (p / S) | 0;
      const si = p - v * S;
      const e = callE[depth];
      if (e < start[v + 1]) {
        callE[depth] = e + 1;
        reachWork++;
        const k = kind[e];
        if ((k & mask) === 0) continue;
        const y = to[e];
        if (sub[y] !== sub[v]) continue;
        const sj = trans[si * KINDS + KIND_INDEX[k]];
        if (sj < 0) continue;
        const q = y * S + sj;
        if (index[q] === -1) {
          index[q] = low[q] = counter++;
          stack[sp++] = q;
          onStack[q] = 1;
          depth++;
          callV[depth] = q;
          callE[depth] = start[y];
        } else if (onStack[q] && index[q] < low[p]) low[p] = index[q];
        continue;
      }
      if (low[p] === index[p]) {
        let q: number;
        do {
          q = stack[--sp];
          onStack[q] = 0;
          comp[q] = comps;
        } while (q !== p);
        comps++;
      }
      depth--;
      if (depth >= 0) {
        const parent = callV[depth];
        if (low[p] < low[parent]) low[parent] = low[p];
      }
    }
  }

  // Anchors that surely close a walk (same product component), and those still open.
  const closing: number[] = [];
  const open: number[] = [];
  for (let a = 0; a < anchorTail.length; a++) {
    const c = comp[anchorHead[a] * S];
    const base = anchorTail[a] * S;
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
    reachWork += decideByReachability(l, sub, A, mask, comp, comps, anchorTail, anchorHead, open, closing);
  cost.reachWork += reachWork;
  if (closing.length === 0) return null;

  // 2. Breadth-first searches from the heads of closing anchors, each head once, in anchor order.
  const heads: number[] = [];
  const headSlot = new Int32Array(n).fill(-1);
  const tailsOf: number[][] = [];
  for (const a of closing) {
    const w = anchorHead[a];
    if (headSlot[w] < 0) {
      headSlot[w] = heads.length;
      heads.push(w);
      tailsOf.push([]);
    }
    tailsOf[headSlot[w]].push(anchorTail[a]);
  }
  const tailMark = new Int32Array(n).fill(-1);
  const seen = new Int32Array(N).fill(-1);
  const onPath = new Int32Array(n).fill(-1);
  const qNode = new Int32Array(N);
  const qParent = new Int32Array(N);
  const qKind = new Uint8Array(N);
  const qDepth = new Int32Array(N);
  let best: { path: number[]; kinds: number[] } | null = null;
  let exhausted = false;
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
    let done = false;
    while (head < tail && !done) {
      const qi = head++;
      const p = qNode[qi];
      const d = qDepth[qi];
      if (d >= maxDepth) break;
      const x = (p / S) | 0;
      const si = p - x * S;
      for (let f = start[x]; f < start[x + 1]; f++) {
        if (!budget.spend()) {
          exhausted = true;
          done = true;
          break;
        }
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
        const path: number[] = [];
        const kinds: number[] = [];
        let simple = true;
        for (let r = tail - 1; r >= 0; r = qParent[r]) {
          const v = (qNode[r] / S) | 0;
          if (onPath[v] === round) simple = false;
          onPath[v] = round;
          path.push(v);
          kinds.push(qKind[r]);
        }
        if (!simple) continue;
        // path: y … w (reversed); kinds[i] is the kind of the edge into path[i] (anchor into w).
        path.reverse();
        kinds.reverse();
        // Rotate so the cycle starts at the anchor's tail y: y → w → … → y.
        const vs = [path[path.length - 1], ...path.slice(0, -1)];
        const ks = kinds;
        // ks[0] is the anchor (y → w), ks[i] the edge path[i-1] → path[i].
        best = { path: vs, kinds: ks };
        done = true;
        break;
      }
    }
    if (exhausted || (best !== null && best.path.length <= 2)) break;
  }
  cost.pathWork = budget.used;
  if (best !== null) return toFound(l, spec, best.path, best.kinds);
  if (exhausted) return "timeout";

  // 3. Every closing walk repeats a vertex: look for a simple one, depth first.
  for (const a of closing) {
    const r = dfsFromAnchor(l, spec, sub, anchorTail[a], anchorHead[a], anchorKind, budget);
    cost.pathWork = budget.used;
    if (r === "timeout") return "timeout";
    if (r !== null) return toFound(l, spec, r.path, r.kinds);
  }
  return null;
}

/**
 * Decides the open anchors by reachability over the product condensation: for each block of
 * target nodes (an open anchor's tail in an accepting state), a bitset per product component of
 * the targets it reaches, filled in Tarjan's emission order (every successor component comes
 * first). Anchors found to close a walk are appended to `closing`. Returns the work done.
 *
 * Hand-written bitsets: the sets are dense words OR-ed along every condensation edge, which no
 * general-purpose set structure in package.json does at this speed.
 */
function decideByReachability(
  l: Local,
  sub: Int32Array,
  A: Automaton,
  mask: number,
  comp: Int32Array,
  comps: number,
  anchorTail: number[],
  anchorHead: number[],
  open: number[],
  closing: number[],
): number {
  const { n, start, to, kind } = l;
  const S = A.size;
  const { trans, accepting } = A;
  // Members of each product component, grouped by a counting sort.
  const N = n * S;
  const cStart = new Int32Array(comps + 1);
  for (let p = 0; p < N; p++) if (comp[p] >= 0) cStart[comp[p] + 1]++;
  for (let c = 0; c < comps; c++) cStart[c + 1] += cStart[c];
  const fill = cStart.slice(0, comps);
  const members = new Int32Array(cStart[comps]);
  for (let p = 0; p < N; p++) if (comp[p] >= 0) members[fill[comp[p]]++] = p;

  // Distinct target components: the components of the open anchors' accepting tail nodes.
  const targetOf = new Int32Array(comps).fill(-1);
  const targets: number[] = [];
  for (const a of open) {
    const base = anchorTail[a] * S;
    for (let s = 0; s < S; s++) {
      const c = comp[base + s];
      if (!accepting[s] || c < 0 || targetOf[c] >= 0) continue;
      targetOf[c] = targets.length;
      targets.push(c);
    }
  }
  // Up to 2048 targets per block, fewer when there are few targets or very many components (the
  // bitsets stay within 64 MiB; more blocks then cost time, not memory).
  const WORDS = Math.max(1, Math.min(64, Math.ceil(targets.length / 32), Math.floor((16 << 20) / comps)));
  const BLOCK = WORDS * 32;
  const reach = new Uint32Array(comps * WORDS);
  const decided = new Uint8Array(open.length);
  let work = 0;
  for (let b0 = 0; b0 < targets.length; b0 += BLOCK) {
    reach.fill(0);
    for (let c = 0; c < comps; c++) {
      const t = targetOf[c];
      const row = c * WORDS;
      if (t >= b0 && t < b0 + BLOCK) reach[row + ((t - b0) >>> 5)] |= 1 << ((t - b0) & 31);
      for (let m = cStart[c]; m < cStart[c + 1]; m++) {
        const p = members[m];
        const v = (p / S) | 0;
        const si = p - v * S;
        for (let e = start[v]; e < start[v + 1]; e++) {
          work++;
          const k = kind[e];
          if ((k & mask) === 0) continue;
          const y = to[e];
          if (sub[y] !== sub[v]) continue;
          const sj = trans[si * KINDS + KIND_INDEX[k]];
          if (sj < 0) continue;
          const d = comp[y * S + sj];
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
      const row = comp[anchorHead[a] * S] * WORDS;
      const base = anchorTail[a] * S;
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
