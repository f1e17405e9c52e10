/**
 * Pure helpers that compute partition shapes over node indices. Group shapes feed
 * `Network.partition`; link shapes (majority ring, bridge) are not group partitions and feed
 * `Network.blockLinks(shape.pairs, shape)`.
 *
 * Every random choice goes through the given stream with the all-zero choice giving the plainest
 * shape (nodes in index order), so shrinking moves towards readable partitions.
 */
import type { Stream } from "./rng.ts";

/** Links to block: [from, to] pairs; when `directed` is false each pair blocks both directions. */
export interface LinkShape {
  pairs: Array<[number, number]>;
  directed: boolean;
}

/** [0, 1, …, n-1]. */
export function nodeRange(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Nodes a cluster of n needs for a majority. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** Shuffles the nodes and splits them into a smaller half and a larger half (Jepsen's random halves). */
export function randomHalves(nodes: readonly number[], s: Stream): number[][] {
  const xs = s.shuffle(nodes.slice());
  const k = Math.floor(xs.length / 2);
  return [xs.slice(0, k), xs.slice(k)];
}

/** The nodes in ring order: shuffled when a stream is given, else 0..n-1. */
function ring(n: number, s?: Stream): number[] {
  const xs = nodeRange(n);
  return s === undefined ? xs : s.shuffle(xs);
}

/**
 * Majority ring: every node hears from a majority (itself included), and no two nodes hear from
 * the same majority. Node at ring position i hears from the `majority(n)` consecutive positions
 * around it; for an even majority the window leans forward, which makes the shape directed (with
 * 3 nodes, 0 hears from 1, 1 from 2, 2 from 0). Returned as directed [from, to] pairs to block.
 */
export function majorityRing(n: number, s?: Stream): LinkShape & { ring: number[] } {
  const order = ring(n, s);
  const m = majority(n);
  const back = Math.floor((m - 1) / 2);
  const fwd = m - 1 - back;
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const hears = new Set<number>();
    for (let j = -back; j <= fwd; j++) hears.add(order[(((i + j) % n) + n) % n]);
    for (const from of order) if (!hears.has(from)) pairs.push([from, order[i]]);
  }
  return { pairs, directed: true, ring: order };
}

/**
 * Bridge: two halves that cannot talk to each other, and one node (the bridge) that talks to
 * both. Returned as undirected pairs to block.
 */
export function bridge(
  n: number,
  s?: Stream,
): LinkShape & { bridge: number | undefined; sides: [number[], number[]] } {
  const order = ring(n, s);
  if (n < 3) return { pairs: [], directed: false, bridge: undefined, sides: [order, []] };
  const k = Math.floor(n / 2);
  const a = order.slice(0, k);
  const b = order.slice(k + 1);
  const pairs: Array<[number, number]> = [];
  for (const x of a) for (const y of b) pairs.push([x, y]);
  return { pairs, directed: false, bridge: order[k], sides: [a, b] };
}
