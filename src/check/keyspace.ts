/**
 * Routing of keys to datatypes. A key is analysed by exactly one datatype, chosen from the set of
 * micro-op functions the whole history applies to it: a list that only ever sees `append` and `r`
 * stays with list-append (Elle's analysis), one that also sees pops, LLEN or DEL is a queue, one
 * that sees hash commands is a hash. Each datatype then sees the transactions through a view that
 * holds only the micro-ops on its own keys, so no analysis has to know the others exist.
 */
import type { Datatype } from "./datatype.ts";
import type { Key } from "./history.ts";
import type { Txn } from "./txn.ts";

export interface Routing {
  /** Every micro-op function the transactions use, on any key. */
  functions: ReadonlySet<string>;
  /** Keys no datatype claims (they mix datatypes), with the functions seen on each. */
  unclaimed: Map<Key, string[]>;
  /** The transactions as `d` sees them (same ids and order); null when `d` owns no key. */
  view(d: Datatype): readonly Txn[] | null;
}

/** Whether `d` takes a key on which these functions were seen. */
export function claims(d: Datatype, key: Key, fs: ReadonlySet<string>): boolean {
  if (d.claims !== undefined) return d.claims(key, fs);
  for (const f of fs) if (!d.fs.includes(f)) return false;
  return true;
}

/** `soleOwners` markers: a transaction without micro-ops, and one whose keys several datatypes own. */
const SHARED = -2;
const MIXED = -1;

export function routeKeys(txns: readonly Txn[], datatypes: readonly Datatype[]): Routing {
  const fsByKey = new Map<Key, Set<string>>();
  let lastKey: Key | undefined;
  let lastSet: Set<string> | undefined;
  for (const t of txns) {
    const mops = t.mops;
    for (let j = 0; j < mops.length; j++) {
      const m = mops[j];
      const k = m[1];
      if (k !== lastKey || lastSet === undefined) {
        lastSet = fsByKey.get(k);
        if (lastSet === undefined) {
          lastSet = new Set();
          fsByKey.set(k, lastSet);
        }
        lastKey = k;
      }
      lastSet.add(m[0]);
    }
  }

  const functions = new Set<string>();
  for (const fs of fsByKey.values()) for (const f of fs) functions.add(f);

  const owner = new Map<Key, number>();
  const owns = new Array<number>(datatypes.length).fill(0);
  const unclaimed = new Map<Key, string[]>();
  for (const [k, fs] of fsByKey) {
    const i = datatypes.findIndex((d) => claims(d, k, fs));
    if (i < 0) unclaimed.set(k, [...fs].sort());
    else {
      owner.set(k, i);
      owns[i]++;
    }
  }

  // The one datatype owning every micro-op of each transaction (SHARED when it has none, MIXED
  // when its keys belong to several), found once for all views: most transactions touch the keys
  // of one datatype, and each view would otherwise look up every key again.
  let sole: Int32Array | undefined;
  const soleOwners = (): Int32Array => {
    const out = new Int32Array(txns.length);
    for (let t = 0; t < txns.length; t++) {
      const mops = txns[t].mops;
      let o = SHARED;
      for (let j = 0; j < mops.length; j++) {
        const w = owner.get(mops[j][1]) ?? MIXED;
        if (o === SHARED) o = w;
        else if (w !== o) o = MIXED;
        if (o === MIXED) break;
      }
      out[t] = o;
    }
    return out;
  };
  const view = (d: Datatype): readonly Txn[] | null => {
    const i = datatypes.indexOf(d);
    if (i < 0 || owns[i] === 0) return null;
    if (owns[i] === fsByKey.size) return txns;
    sole ??= soleOwners();
    const so = sole;
    const keep = (mops: Txn["mops"]) => mops.filter((m) => owner.get(m[1]) === i);
    return txns.map((t, n) => {
      const o = so[n];
      if (o === i || o === SHARED) return t;
      // Owned by another datatype alone: none of its completion's micro-ops are this one's.
      const mops = o === MIXED ? keep(t.mops) : [];
      const invokeMops = t.invokeMops === null ? null : t.invokeMops === t.mops ? mops : keep(t.invokeMops);
      return { ...t, mops, invokeMops };
    });
  };
  return { functions, unclaimed, view };
}
