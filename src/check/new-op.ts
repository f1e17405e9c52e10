/**
 * Builds a parsed op with all its fields in one object literal. Adding `time` or `error` to an
 * object after it is made moves them to a separate property store (one more object per op, about
 * 40 bytes and a pointer for the garbage collector to follow); a literal per field combination
 * keeps every field inside the op. Measured on a 1M-op history, see docs/performance.md. The field
 * order is the one every writer of ops uses (index, type, process, f, value, time, error).
 */
import type { Op, OpType } from "./history.ts";

export function newOp(
  index: number,
  type: OpType,
  process: number | "nemesis",
  f: string,
  value: unknown,
  time: number | undefined,
  error: string | undefined,
): Op {
  if (error === undefined)
    return time === undefined ? { index, type, process, f, value } : { index, type, process, f, value, time };
  return time === undefined
    ? { index, type, process, f, value, error }
    : { index, type, process, f, value, time, error };
}
