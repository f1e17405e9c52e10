/**
 * Ordering edges that do not come from data: real-time (a committed txn precedes every txn invoked
 * after it completed) and process (a process's committed txns, in order).
 *
 * Real-time precedence is quadratic if drawn in full, but cycle search needs only its transitive
 * reduction, as Elle computes it: keep a frontier of committed txns none of which is known to
 * precede another; each invocation links the whole frontier to the new txn; when a txn commits,
 * the frontier members that preceded it leave (they now precede it) and it joins. The frontier stays
 * about as large as the number of concurrent clients, so the graph stays small.
 */
import * as columns from "./columns.ts";
import { type EdgeList, PROCESS, REALTIME } from "./graph.ts";
import type { Txns } from "./txn.ts";

// Txn outcomes as columns.ts codes them, the column-based callers' codes; module-local copies for
// the loops below (see columnar-check.ts).
const { FAIL, INFO, OK } = columns;

function typeCodes(pairs: Txns): Uint8Array {
  const codes = new Uint8Array(pairs.txns.length);
  for (let i = 0; i < codes.length; i++) {
    const t = pairs.txns[i].type;
    codes[i] = t === "ok" ? OK : t === "fail" ? FAIL : INFO;
  }
  return codes;
}

export function addRealtimeEdges(pairs: Txns, edges: EdgeList): void {
  addRealtimeEdgesOf(typeCodes(pairs), pairs.events, edges);
}

/** `addRealtimeEdges` over columns: each txn's outcome code, and the client events in history order. */
export function addRealtimeEdgesOf(types: Uint8Array, events: Int32Array, edges: EdgeList): void {
  const txnCount = types.length;
  // Frontier members with the event sequence number at which each joined (compacted in place).
  // Typed arrays with a separate size: shrinking a JS array by setting its length reallocates its
  // storage, once per completion on a large history. The frontier never exceeds the txn count.
  const frontier = new Int32Array(txnCount);
  const joinedAt = new Int32Array(txnCount);
  let size = 0;
  const invokedAt = new Int32Array(txnCount).fill(-1);
  for (let seq = 0; seq < events.length; seq++) {
    const ev = events[seq];
    const id = ev >> 1;
    const type = types[id];
    if ((ev & 1) === 0) {
      invokedAt[id] = seq;
      if (type === FAIL) {
        // A failed txn never took effect; it cannot be on a cycle, but Elle's graph still holds
        // these edges, which matters for telling an empty graph from a non-empty one.
        edges.inertCount += size;
        continue;
      }
      for (let i = 0; i < size; i++) edges.add(frontier[i], id, REALTIME);
      continue;
    }
    if (type !== OK) continue;
    const inv = invokedAt[id];
    if (inv >= 0) {
      // Members that joined before this txn was invoked were linked to it: they leave.
      let n = 0;
      for (let i = 0; i < size; i++)
        if (joinedAt[i] > inv) {
          frontier[n] = frontier[i];
          joinedAt[n] = joinedAt[i];
          n++;
        }
      size = n;
    }
    frontier[size] = id;
    joinedAt[size] = seq;
    size++;
  }
}

export function addProcessEdges(pairs: Txns, edges: EdgeList): void {
  addProcessEdgesOf(
    typeCodes(pairs),
    Float64Array.from(pairs.txns, (t) => t.process),
    pairs.events,
    edges,
  );
}

/** `addProcessEdges` over columns: each txn's outcome code and process, and the client events. */
export function addProcessEdgesOf(
  types: Uint8Array,
  processes: ArrayLike<number>,
  events: Int32Array,
  edges: EdgeList,
): void {
  const last = new Map<number, number>();
  for (let seq = 0; seq < events.length; seq++) {
    const ev = events[seq];
    if ((ev & 1) === 0) continue;
    const id = ev >> 1;
    if (types[id] !== OK) continue;
    const prev = last.get(processes[id]);
    if (prev !== undefined) edges.add(prev, id, PROCESS);
    last.set(processes[id], id);
  }
}
