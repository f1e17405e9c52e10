// f5-partial-fold-empty-meta — finding F5 (HEAD and `fixed` before `partialFoldKeepsMeta`;
// docs/findings.md). The compactor reads at most a page of delta keys per pass. When the page is
// truncated and its last list has at least the threshold of deltas in it, the split guard keeps
// that list and folds the deltas the page holds — a prefix of the list's deltas at the pass's
// readTS. If that prefix sums to Len 0 the fold deletes the base meta (Len 0 means "no list"), but
// the deltas beyond the page stay, and they are relative to the Head the fold threw away: the list
// now resolves against Head 0, its live items lie at sequences above the resolved window, and an
// acknowledged element is never popped or read again. Expected from the history: lost-element
// (with G-single-item-realtime when a later pop finds the list empty).
//
// The page is cut to 4 delta keys and the threshold to 2, and two busy queues share it: q1's deltas
// come first in the key order, so q2 is the list cut by the page end. Consumers outpace producers,
// so each queue drains to Len 0 over and over, and a prefix of q2's deltas often sums to Len 0
// while an element pushed after that prefix is still in the list.
import { generate, llen, lrange, scenario, script, sleep, txn } from "../src/workload/scenario.ts";

/** LLEN and LRANGE of one key in one MULTI/EXEC, every few milliseconds. */
const snapshots = (key: string, n: number) =>
  Array.from({ length: n }, () => [txn(llen(key), lrange(key)), sleep("15ms")]).flat();

export default scenario({
  description: "a compactor page that cuts a drained list folds part of its deltas to Len 0",
  bug: {
    id: "F5",
    expect: ["lost-element", "G-single-item-realtime", "len-mismatch"],
  },
  cluster: {
    nodes: 3,
    knobs: {
      compactionThreshold: 2,
      compactorTickScanLimit: 4,
      compactorIntervalUs: 20_000,
      compactorPollUs: 2_000,
    },
  },
  clients: [
    generate("p0..p1", { mix: { append: 3, lpush: 1 }, keys: ["q1", "q2"], thinkUs: [0, 4_000] }),
    generate("c0..c2", { mix: { pop: 3, rpop: 1 }, keys: ["q1", "q2"], thinkUs: [0, 3_000] }),
    script("r1", snapshots("q2", 70)),
  ],
  runFor: "1.2s",
  expect: "strict-serializable",
});
