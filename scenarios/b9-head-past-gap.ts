// b9-head-past-gap — B9 (docs/catalogue.md): before fb1eba2f, LPOP claimed only the items it found. Two LPOPs
// at the same snapshot of a list whose Head is a hole ([hole@H, x@H+1]) both scan [H, H+1), find
// nothing, claim nothing, and so share no key: both commit (+1,−1), Head jumps to H+2 and the live
// x is skipped for good, while both pops reply nil on a non-empty list. The holes come from B10(b)
// (this variant also has no list fence and no push boundary read keys): an LPUSH racing an LPOP
// at the head, or an RPUSH racing an RPOP on a one-element list. Expected from the history:
// lost-element (x never popped nor read again) and len-mismatch (LLEN counts holes that LRANGE
// skips: LLEN drift). The race that makes a hole already loses its pushed element, with the same
// anomaly classes, so a shrunk failure of this variant may keep only that half; the probes
// `pop-over-hole` count the pops that then run over the holes.
//
// Producers push at both ends of two short lists; three consumers LPOP them at once, so pops often
// share a snapshot; readers run LLEN and LRANGE in one MULTI/EXEC.
import { generate, llen, lrange, scenario, script, sleep, txn } from "../src/workload/scenario.ts";

/** LLEN and LRANGE of one key in one MULTI/EXEC, every few milliseconds. */
const snapshots = (key: string, n: number) =>
  Array.from({ length: n }, () => [txn(llen(key), lrange(key)), sleep("8ms")]).flat();

export default scenario({
  description: "concurrent LPOPs over a hole at Head, with holes made by pushes racing pops",
  bug: { id: "B9", expect: ["lost-element", "len-mismatch"] },
  cluster: { nodes: 3 },
  clients: [
    generate("p0..p1", { mix: { lpush: 1, rpush: 1 }, keys: ["q1", "q2"], thinkUs: [0, 3_000] }),
    generate("p2..p4", { mix: { lpop: 3, rpop: 1 }, keys: ["q1", "q2"], thinkUs: [0, 3_000] }),
    script("r1", snapshots("q1", 60)),
    script("r2", snapshots("q2", 60)),
  ],
  runFor: "600ms",
  expect: "strict-serializable",
});
