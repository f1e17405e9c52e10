/**
 * The store's own contracts: a write of one key, and the read-only view of one replica's MVCC
 * store. They live here, below the transaction layer, so that the store imports nothing above it;
 * src/kv/types.ts re-exports them for the layers that speak of requests and effects.
 */

/** One key's write in a committed transaction: a new version, or a tombstone. */
export type Mutation = { op: "put"; key: string; value: string } | { op: "del"; key: string };

/** Read-only view of one replica's MVCC store (see docs/model.md). */
export interface StoreView {
  getAt(key: string, ts: number): string | undefined;
  /** Keys in [start, end) visible at ts, ascending (or descending when reverse), at most `limit`. */
  scanAt(start: string, end: string, limit: number, ts: number, reverse?: boolean): Array<[string, string]>;
  /** `scanAt` as one flat array, each key followed by its value (no array per row). */
  scanRows(start: string, end: string, limit: number, ts: number, reverse?: boolean): string[];
  latestCommitTS(key: string): number;
  committedVersionAt(key: string, ts: number): boolean;
  lastCommitTS(): number;
}
