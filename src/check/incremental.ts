/**
 * Checking while a run goes on: ops are fed as they happen, and the checker says as soon as the
 * ops so far *prove* an anomaly, one that no later op can explain away, so that a run (or a shrink
 * attempt) can stop there. `finish` gives the batch verdict on everything fed, the same object
 * `checkHistory` returns.
 *
 * A proof uses only what later ops cannot undo:
 * - keys the caller declares append-only (only RPUSH `append` and LRANGE `r` ever touch them, over
 *   the whole run): there every read is a prefix of one append order, and list-append inference
 *   on a prefix of the history (AnalysisContext.prefix) keeps only edges between elements some
 *   read has shown, whose order later reads can extend but not change;
 * - real-time and process order between completed and invoked ops, which only grows;
 * - anomaly types whose evidence stays evidence: cycles (more edges only keep a cycle a cycle,
 *   and can only turn a pair's kind into a more severe one), and G1a, G1b, incompatible-order,
 *   duplicate-elements, internal, future-read and lost-update. Ops still pending count as
 *   indeterminate, as in the batch check; if one later fails after being read, that is G1a.
 * Keys of other datatypes wait for `finish`: a queue's or a hash's inference needs the whole run
 * (a later pop or DEL can explain an element missing so far). Proofs assume, as list-append
 * analysis does, that no element is appended twice to one key.
 *
 * The ops so far are re-checked after each growth of the completed count by `growth` (default a
 * quarter), so the work stays within a small factor of one batch check, and a proof is found at
 * most that fraction of the run after the ops that make it.
 */
import type { Anomaly, Datatype } from "./datatype.ts";
import type { History, Key, MicroOp, Op } from "./history.ts";
import { type CheckOptions, type CheckResult, checkHistory } from "./index.ts";
import { listAppend } from "./list-append.ts";

/** Anomaly types that a prefix of the history proves for every continuation. */
const PROVABLE = new Set([
  "G1a",
  "G1b",
  "incompatible-order",
  "duplicate-elements",
  "internal",
  "future-read",
  "lost-update",
]);
const CYCLE = /^(G0|G1c|G-single|G-nonadjacent|G2)(-item)?(-realtime|-process)?$/;

export function isProvable(type: string): boolean {
  return PROVABLE.has(type) || CYCLE.test(type);
}

/** List-append inference that keeps only the edges later ops cannot undo. */
const prefixListAppend: Datatype = {
  ...listAppend,
  analyze: (ctx) => listAppend.analyze({ ...ctx, prefix: true }),
};

export interface IncrementalOptions extends CheckOptions {
  /** Keys only `append` and `r` ever touch in this run; the only keys proofs may use. */
  appendOnlyKeys: (key: Key) => boolean;
  /** Re-check when the completed ops grow by this fraction (default 0.25). */
  growth?: number;
  /** Do not re-check before this many completed ops (default 32). */
  minOps?: number;
}

export interface Proof {
  /** Ops fed when the proof was found (the prefix that proves it). */
  ops: number;
  anomalies: Anomaly[];
}

export class IncrementalChecker {
  private readonly ops: Op[] = [];
  private completed = 0;
  private nextCheck: number;
  private proof: Proof | null = null;

  constructor(private readonly opts: IncrementalOptions) {
    this.nextCheck = opts.minOps ?? 32;
  }

  /** Feeds the next op (in history order); returns the proof when this op completes one. */
  add(op: Op): Proof | null {
    this.ops.push(op);
    if (op.type === "invoke" || typeof op.process !== "number") return null;
    this.completed++;
    if (this.proof !== null || this.completed < this.nextCheck) return null;
    this.nextCheck = Math.max(
      this.completed + 1,
      Math.ceil(this.completed * (1 + (this.opts.growth ?? 0.25))),
    );
    return this.checkNow();
  }

  /** Checks the ops so far at once (the schedule of `add` aside). */
  checkNow(): Proof | null {
    if (this.proof !== null) return this.proof;
    const prefix = this.provableView();
    if (prefix === null) return null;
    const res = checkHistory(prefix, { ...this.opts, datatypes: [prefixListAppend] });
    const proved = res.anomalies.filter((a) => isProvable(a.type));
    if (res.valid !== false || proved.length === 0) return null;
    this.proof = { ops: this.ops.length, anomalies: proved };
    return this.proof;
  }

  /** The first proof found, if any. */
  get proved(): Proof | null {
    return this.proof;
  }

  /** The batch verdict on every op fed. */
  finish(): CheckResult {
    return checkHistory(this.ops, this.opts);
  }

  /** The ops so far, with micro-ops on keys that are not append-only left out (null: none left). */
  private provableView(): History | null {
    const keep = this.opts.appendOnlyKeys;
    const cache = new Map<Key, boolean>();
    const ok = (k: Key): boolean => {
      let v = cache.get(k);
      if (v === undefined) {
        v = keep(k);
        cache.set(k, v);
      }
      return v;
    };
    let any = false;
    const out: Op[] = [];
    for (const op of this.ops) {
      if (typeof op.process !== "number" || !Array.isArray(op.value)) {
        out.push(op);
        continue;
      }
      const mops = op.value as MicroOp[];
      let all = true;
      for (const m of mops)
        if (!ok(m[1])) {
          all = false;
          break;
        }
      if (all) {
        if (mops.length > 0) any = true;
        out.push(op);
        continue;
      }
      const kept = mops.filter((m) => ok(m[1]));
      if (kept.length > 0) any = true;
      // A txn with nothing left still orders others in real time; keep it, empty.
      out.push({ ...op, value: kept });
    }
    return any ? out : null;
  }
}
