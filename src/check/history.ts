/**
 * The history model shared by the recorder (src/workload) and the checker (src/check).
 * It mirrors Jepsen's op maps (README): one op per invoke or completion, micro-ops as
 * `[f, key, value]` triples. The checker reads only this; it never sees the simulator.
 */

export type OpType = "invoke" | "ok" | "fail" | "info";

/** Micro-op function names (README). */
export type MicroF =
  | "append" // RPUSH of one element
  | "lpush"
  | "r" // LRANGE 0 -1, value = elements (or null in an invoke)
  | "pop" // LPOP, value = element or null (empty list)
  | "rpop"
  | "len" // LLEN
  | "hset" // value [field, value, new?]
  | "hdel" // value [field, removed?]
  | "hget" // value [field, value|null]
  | "hgetall" // value {field: value}
  | "hlen"
  | "del" // value = DEL's integer reply for that key
  | "exists";

export type Key = number | string;

/** A micro-op value: numbers, null, arrays of those, or a field→value record (hgetall). */
export type MopValue = null | number | boolean | string | MopValue[] | { [field: string]: MopValue };

export type MicroOp = [f: MicroF | string, key: Key, value: MopValue];

export interface Op {
  /** Position in the history; real-time order is this order, never `time`. */
  index: number;
  type: OpType;
  /** Client process number, or "nemesis" for fault ops. */
  process: number | "nemesis";
  /** "txn" for client transactions; the fault name for nemesis ops. */
  f: string;
  /** Micro-ops for txns; anything for nemesis ops. */
  value: MicroOp[] | unknown;
  /** Simulated (or real) nanoseconds; informational only. */
  time?: number;
  /** Error text for fail/info completions. */
  error?: string;
}

/**
 * Ops in history order. Parsed histories share micro-op arrays between an invocation and its
 * completion (src/check/share.ts), so treat a history as immutable: copy an op before editing it.
 */
export type History = Op[];
