/**
 * Parsed histories hold every micro-op twice, once in the invocation and once in the completion,
 * and most are written identically in both (appends always; every micro-op of a failed or
 * indeterminate txn). Sharing one array between the two ops, and one `[f key nil]` array per key,
 * cuts a 1M-op history's live objects by about a third, and the garbage collector's work with them.
 * Parsed histories are therefore to be treated as immutable.
 *
 * Reads repeat too: a key read again before anyone appends to it gives the same list, and on a
 * list-append history about half of all reads equal the previous read of their key. Such a read
 * reuses that earlier `[:r key list]` array whole, which on a 1M-op history keeps about a fifth
 * less in the heap after parsing (305 MB instead of 248 MB of live objects; docs/performance.md).
 */
import type { Key, MicroOp, MopValue, Op } from "./history.ts";

export class MopSharer {
  private readonly open = new Map<number, MicroOp[]>();
  private readonly nils = new Map<string, Map<Key, MicroOp>>();
  /** The latest `r` micro-op seen with a list, per key. */
  private readonly lastRead = new Map<Key, MicroOp>();

  /** `m` (an `r` with a list), or the latest read of its key when that one read the same list. */
  private read(m: MicroOp): MicroOp {
    const prev = this.lastRead.get(m[1]);
    if (prev !== undefined && sameElements(prev[2] as MopValue[], m[2] as MopValue[])) return prev;
    this.lastRead.set(m[1], m);
    return m;
  }

  private nil(m: MicroOp): MicroOp {
    let byKey = this.nils.get(m[0]);
    if (byKey === undefined) {
      byKey = new Map();
      this.nils.set(m[0], byKey);
    }
    const shared = byKey.get(m[1]);
    if (shared !== undefined) return shared;
    byKey.set(m[1], m);
    return m;
  }

  /** Rewrites `op.value` in place to reuse arrays seen before. Ops must come in history order. */
  share(op: Op): void {
    if (typeof op.process !== "number" || !Array.isArray(op.value)) return;
    const mops = op.value as MicroOp[];
    const completion = op.type !== "invoke";
    for (let j = 0; j < mops.length; j++) {
      const m = mops[j];
      if (m[2] === null) mops[j] = this.nil(m);
      // Completions only: an invocation's read shared with its own completion would make the two
      // look identical to the pairing below where they were not written so.
      else if (m[0] === "r" && completion && Array.isArray(m[2])) mops[j] = this.read(m);
    }
    if (op.type === "invoke") {
      this.open.set(op.process, mops);
      return;
    }
    const inv = this.open.get(op.process);
    if (inv === undefined) return;
    this.open.delete(op.process);
    let all = inv.length === mops.length;
    const n = Math.min(inv.length, mops.length);
    for (let j = 0; j < n; j++) {
      const a = mops[j];
      const b = inv[j];
      if (a !== b && a[0] === b[0] && a[1] === b[1] && a[2] === b[2]) mops[j] = b;
      else if (a !== b) all = false;
    }
    if (all) op.value = inv;
  }
}

/** Element by element with `===`, except that 0 and -0 differ: the shared list must hold exactly what was read. */
function sameElements(a: readonly MopValue[], b: readonly MopValue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x !== b[i] || (x === 0 && 1 / x !== 1 / (b[i] as number))) return false;
  }
  return true;
}
