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
  from = new Int32Array(1024);
  to = new Int32Array(1024);
  kind = new Uint8Array(1024);
  count = 0;
  /** Edges that were added but do not take part in cycles (real-time edges into failed txns). */
  inertCount = 0;

  add(a: number, b: number, kind: number): void {
    if (a === b) return;
    if (this.count === this.from.length) this.grow();
    const i = this.count++;
    this.from[i] = a;
    this.to[i] = b;
    this.kind[i] = kind;
  }

  private grow(): void {
    const n = this.from.length * 2;
    const f = new Int32Array(n);
    f.set(this.from);
    this.from = f;
    const t = new Int32Array(n);
    t.set(this.to);
    this.to = t;
    const k = new Uint8Array(n);
    k.set(this.kind);
    this.kind = k;
  }
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

/**
 * Strongly connected components with more than one vertex (the graph has no self-edges), by an
 * iterative Tarjan so that deep graphs do not overflow the stack. `mask` restricts the edge kinds.
 */
export function stronglyConnectedComponents(g: Csr, mask = 0xff): number[][] {
  const { n, offsets, targets, kinds } = g;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  let sp = 0;
  const callV = new Int32Array(n);
  const callE = new Int32Array(n);
  let counter = 0;
  const out: number[][] = [];
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    // Skip isolated vertices cheaply: most txns in a valid history have edges, but this is free.
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
        let w: number;
        if (stack[sp - 1] === v) {
          sp--;
          onStack[v] = 0;
        } else {
          const comp: number[] = [];
          do {
            w = stack[--sp];
            onStack[w] = 0;
            comp.push(w);
          } while (w !== v);
          out.push(comp);
        }
      }
      depth--;
      if (depth >= 0) {
        const u = callV[depth];
        if (low[v] < low[u]) low[u] = low[v];
      }
    }
  }
  return out;
}
