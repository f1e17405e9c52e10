/**
 * Which keys of a scenario only ever see RPUSH and LRANGE (micro-ops `append` and `r`, alone or in
 * MULTI/EXEC): the keys an incremental check may prove anomalies on before the run ends
 * (src/check/incremental.ts). Any other op a client may issue on a key, by its generator's mix or
 * its script, rules the key out; keys no client names are ruled out too.
 */
import type { Key } from "../check/history.ts";
import { microOpOf, type Scenario } from "./scenario.ts";

/** By micro-op name (a mix's operation names, old spellings included, map onto these). */
const APPEND_ONLY_KINDS = new Set(["txn", "append", "r"]);

export function appendOnlyKeys(s: Scenario): (k: Key) => boolean {
  const seen = new Set<Key>();
  const other = new Set<Key>();
  for (const c of s.clients) {
    const g = c.generator;
    if (g !== undefined) {
      const appendOnly = (kind: string) => APPEND_ONLY_KINDS.has(microOpOf(kind) ?? kind);
      // A MULTI/EXEC draws its commands from `txnKinds` when given (BUGGIFY gives pops, DEL…).
      const plainTxn = (g.txnKinds ?? []).every((kind) => microOpOf(kind) !== "txn" && appendOnly(kind));
      const plain = Object.entries(g.mix).every(
        ([kind, w]) => !(w! > 0) || (appendOnly(kind) && (microOpOf(kind) !== "txn" || plainTxn)),
      );
      for (const k of g.keys) (plain ? seen : other).add(k);
    }
    for (const item of c.script ?? []) {
      if (!Array.isArray(item)) continue;
      for (const [f, k] of item) (f === "append" || f === "r" ? seen : other).add(k);
    }
  }
  return (k) => seen.has(k) && !other.has(k);
}
