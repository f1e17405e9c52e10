/**
 * The dependency graph over transactions (vertices are txn ids), stored compactly: a 1M-op
 * history yields millions of edges, so edges live in growable typed arrays and are turned into a
 * CSR adjacency once. Per-edge details (key, value) are not stored; explanations re-derive them
 * for the few edges that end up in a reported cycle.
 */

export const WW = 1;
export const WR = 2;
export const RW = 4;
export const PROCESS = 8;
export const REALTIME = 16;
/**
 * An rw edge that only real time (history order) justifies, such as "a read that found an item
 * absent came before its write, since every delete of it ran after that read". It is explained as
 * rw, but it binds only under strict models: a cycle through it is named `-realtime`.
 */
export const RW_REALTIME = 32;
export const DATA = WW | WR | RW;

export type EdgeKind = "ww" | "wr" | "rw" | "process" | "realtime";

export function kindName(bit: number): EdgeKind {
  switch (bit) {
    case WW:
      return "ww";
    case WR:
      return "wr";
    case RW:
    case RW_REALTIME:
      return "rw";
    case PROCESS:
      return "process";
    default:
      return "realtime";
  }
}

/**
 * The kind an edge is explained as when it carries several: data dependencies first (ww, wr, rw),
 * then process, then real-time, as Elle's combined explainer does. Cycle classification uses it.
 */
export function effectiveKind(bits: number): number {
  if (bits & WW) return WW;
  if (bits & WR) return WR;
  if (bits & RW) return RW;
  if (bits & RW_REALTIME) return RW_REALTIME;
  if (bits & PROCESS) return PROCESS;
  return REALTIME;
}

/** Receives edges from the datatype analyses and the ordering graphs. */
export class EdgeList {
  from: Int32Array;
  to: Int32Array;
  kind: Uint8Array;
  count = 0;
  /** Edges that were added but do not take part in cycles (real-time edges into failed txns). */
  inertCount = 0;

  /** `capacity`: the edges expected (a good guess spares the copies of growing). */
  constructor(capacity = 1024) {
    const n = Math.max(16, capacity);
    this.from = new Int32Array(n);
    this.to = new Int32Array(n);
    this.kind = new Uint8Array(n);
  }

  add(a: number, b: number, kind: number): void {
    if (a === b) return;
    if (this.count === this.from.length) this.grow();
    const i = this.count++;
    this.from[i] = a;
    this.to[i] = b;
    this.kind[i] = kind;
  }

  private grow(): void {
    this.from = doubled(this.from);
    this.to = doubled(this.to);
    this.kind = doubled(this.kind);
  }
}

/** A typed array twice as long, holding `a`'s elements first. */
export function doubled<T extends Int32Array | Uint8Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/** Compressed sparse rows: the out-edges of v are `targets/kinds[offsets[v] .. offsets[v+1])`. */
export interface Csr {
  n: number;
  offsets: Int32Array;
  targets: Int32Array;
  kinds: Uint8Array;
}

export function toCsr(n: number, edges: EdgeList): Csr {
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < edges.count; i++) offsets[edges.from[i] + 1]++;
  for (let v = 0; v < n; v++) offsets[v + 1] += offsets[v];
  const fill = offsets.slice(0, n);
  const targets = new Int32Array(edges.count);
  const kinds = new Uint8Array(edges.count);
  for (let i = 0; i < edges.count; i++) {
    const p = fill[edges.from[i]]++;
    targets[p] = edges.to[i];
    kinds[p] = edges.kind[i];
  }
  return { n, offsets, targets, kinds };
}

/** Strongly connected components of a graph, as `components` finds them. */
export interface Components {
  /** Component per vertex, numbered in the order found; -1 for a vertex no root reaches. */
  comp: Int32Array;
  count: number;
  /**
   * The reached vertices grouped by component, in the order found: component c is
   * `order[start[c] .. start[c + 1])`, its vertices in the order they left Tarjan's stack.
   */
  order: Int32Array;
  start: Int32Array;
}

/**
 * Tarjan's strongly connected components, iterative so that deep graphs do not overflow the stack,
 * over the edges whose kind is in `mask`, from `roots` in their order (every vertex when omitted).
 * A component is numbered only after every component it reaches, so a pass over components in
 * number order sees each one's successors first.
 */
export function components(g: Csr, mask = 0xff, roots?: ArrayLike<number>): Components {
  const { n, offsets, targets, kinds } = g;
  const comp = new Int32Array(n).fill(-1);
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const order = new Int32Array(n);
  const start = new Int32Array(n + 1);
  let count = 0;
  let sp = 0;
  let emitted = 0;
  const callV = new Int32Array(n);
  const callE = new Int32Array(n);
  let counter = 0;
  const rootCount = roots === undefined ? n : roots.length;
  for (let r = 0; r < rootCount; r++) {
    const root = roots === undefined ? r : roots[r];
    if (index[root] !== -1) continue;
    let depth = 0;
    callV[0] = root;
    callE[0] = offsets[root];
    index[root] = low[root] = counter++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callV[depth];
      const e = callE[depth];
      if (e < offsets[v + 1]) {
        callE[depth] = e + 1;
        if ((kinds[e] & mask) === 0) continue;
        const w = targets[e];
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          depth++;
          callV[depth] = w;
          callE[depth] = offsets[w];
        } else if (onStack[w] && index[w] < low[v]) low[v] = index[w];
        continue;
      }
      if (low[v] === index[v]) {
        const c = count;
        let w: number;
        do {
          w = stack[--sp];
          onStack[w] = 0;
          comp[w] = c;
          order[emitted++] = w;
        } while (w !== v);
        start[++count] = emitted;
      }
      depth--;
      if (depth >= 0) {
        const u = callV[depth];
        if (low[v] < low[u]) low[u] = low[v];
      }
    }
  }
  return { comp, count, order, start: start.subarray(0, count + 1) };
}

/**
 * Strongly connected components with more than one vertex (the graph has no self-edges), in the
 * order found, each listing its vertices in the order they left Tarjan's stack.
 */
export function stronglyConnectedComponents(g: Csr, mask = 0xff): number[][] {
  const { count, order, start } = components(g, mask);
  const out: number[][] = [];
  for (let c = 0; c < count; c++)
    if (start[c + 1] - start[c] > 1) out.push(Array.from(order.subarray(start[c], start[c + 1])));
  return out;
}
