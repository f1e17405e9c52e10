/**
 * Parsed histories hold every micro-op twice, once in the invocation and once in the completion,
 * and most are written identically in both (appends always; every micro-op of a failed or
 * indeterminate txn). Sharing one array between the two ops, and one `[f key nil]` array per key,
 * cuts a 1M-op history's live objects by about a third, and the garbage collector's work with them.
 * Parsed histories are therefore to be treated as immutable.
 */
import type { Key, MicroOp, Op } from "./history.ts";

export class MopSharer {
  private readonly open = new Map<number, MicroOp[]>();
  private readonly nils = new Map<string, Map<Key, MicroOp>>();

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
    for (let j = 0; j < mops.length; j++) if (mops[j][2] === null) mops[j] = this.nil(mops[j]);
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
