/**
 * Store reads as effects (src/kv/types.ts `StoreRead`): constructors for the adapter, and how a
 * host carries one out against a store.
 */
import type { SchedPoint, StoreRead, StoreView } from "./types.ts";

/** What `NodeContext.readNow` returns when a read must be yielded to the host. */
export const NOT_NOW: unique symbol = Symbol("not-now");

/** A store read that could not be served (not leader and no leader known, a failed fence). */
export class ReadFailed extends Error {
  /** Makes it a replyable error for the adapter (an error reply, not a simulator bug). */
  readonly code = "READ_FAILED";
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = "ReadFailed";
  }
}

export const readGet = (key: string, ts: number): StoreRead => ({
  kind: "read",
  op: "get",
  key,
  end: "",
  limit: 0,
  ts,
  reverse: false,
  pauseUs: -1,
});

export const readScan = (
  start: string,
  end: string,
  limit: number,
  ts: number,
  reverse = false,
): StoreRead => ({
  kind: "read",
  op: "scan",
  key: start,
  end,
  limit,
  ts,
  reverse,
  pauseUs: -1,
});

/** `CommittedVersionAt`: whether key has a version (tombstones included) at exactly ts. */
export const readVersion = (key: string, ts: number): StoreRead => ({
  kind: "read",
  op: "version",
  key,
  end: "",
  limit: 0,
  ts,
  reverse: false,
  pauseUs: -1,
});

/** `LatestCommitTS(key)`. */
export const readLatest = (key: string): StoreRead => ({
  kind: "read",
  op: "latest",
  key,
  end: "",
  limit: 0,
  ts: 0,
  reverse: false,
  pauseUs: -1,
});

const schedEffects = new Map<SchedPoint, { kind: "sched"; point: SchedPoint }>();
/** The (shared, immutable) effect of a scheduling point. */
export function schedAt(point: SchedPoint): { kind: "sched"; point: SchedPoint } {
  let e = schedEffects.get(point);
  if (e === undefined) {
    e = Object.freeze({ kind: "sched", point }) as { kind: "sched"; point: SchedPoint };
    schedEffects.set(point, e);
  }
  return e;
}

/** Carries a read out against a store. */
export function performRead(store: StoreView, r: StoreRead): unknown {
  switch (r.op) {
    case "get":
      return store.getAt(r.key, r.ts);
    case "scan":
      // Flat rows (key, value, key, value, …): see `MvccStore.scanRows`.
      return store.scanRows(r.key, r.end, r.limit, r.ts, r.reverse);
    case "version":
      return store.committedVersionAt(r.key, r.ts);
    case "latest":
      return store.latestCommitTS(r.key);
  }
}
