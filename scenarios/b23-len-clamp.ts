// b23-len-clamp — B23 (docs/catalogue.md, with B9): resolveListMeta and the compactor clamp a negative Len to
// 0 (with a warning) instead of failing. B9's pops do not claim holes, so two LPOPs at one snapshot
// of a one-element list whose only slot is a hole ([hole@H], left by B10(b): a push racing a pop at
// the same end) both commit (+1,−1): Len −1, which reads as 0. The double decrement is hidden: LLEN
// says 0, and the next push only brings the raw Len back to 0, so that acknowledged element is
// never visible (the push after it overwrites its slot). Without the clamp (head-past-gap) every
// read of the key fails instead.
//
// docs/catalogue.md names "more pops than pushes while LLEN reads 0" (duplicate-pop), kept in `expect`.
// In this model a pop tombstones and claims every item it returns, so no element comes back twice;
// the hidden debt shows as acknowledged pushes that never appear: lost-element, and len-mismatch
// where holes are counted. The hole-making race loses an element by itself too, so a shrunk
// failure may keep only that half; the probe `len-clamped` counts the reads that clamped.
//
// Tiny lists: two producers push at either end, four consumers pop as fast as they can (mostly
// LPOP), so pushes race pops at the same end and several LPOPs often share one snapshot.
import { generate, llen, lrange, scenario, script, sleep, txn } from "../src/workload/scenario.ts";

/** LLEN and LRANGE of one key in one MULTI/EXEC, every few milliseconds. */
const snapshots = (key: string, n: number) =>
  Array.from({ length: n }, () => [txn(llen(key), lrange(key)), sleep("8ms")]).flat();

export default scenario({
  description: "LPOPs racing over a one-slot hole drive Len negative, and the clamp hides it",
  bug: { id: "B23", expect: ["duplicate-pop", "lost-element", "len-mismatch"] },
  cluster: { nodes: 3 },
  clients: [
    generate("p0..p1", { mix: { rpush: 1, lpush: 1 }, keys: ["q1", "q2"], thinkUs: [2_000, 10_000] }),
    generate("p2..p5", { mix: { lpop: 3, rpop: 1 }, keys: ["q1", "q2"], thinkUs: [1_000, 4_000] }),
    script("r1", snapshots("q1", 60)),
    script("r2", snapshots("q2", 60)),
  ],
  runFor: "600ms",
  expect: "strict-serializable",
});
