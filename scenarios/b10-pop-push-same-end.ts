// b10-pop-push-same-end — B10(b) (docs/catalogue.md): with no list fence and no push boundary read keys (the
// state at 2cb1fc85), an RPUSH and an RPOP of the same list at the same snapshot share no key: the
// push writes item(T) and a delta (0,+1), the pop claims and deletes item(T−1) and writes (0,−1).
// Both commit, Tail stays T: the pushed element lies past Tail (never readable, overwritten by the
// next push) and a hole sits at T−1, which LLEN still counts. The same happens with LPUSH and LPOP
// at the head. Expected from the history: lost-element and len-mismatch (LLEN above the length
// of LRANGE in one MULTI/EXEC, or in a quiet window).
//
// Producers and consumers work both ends of two short lists at once; a reader runs LLEN and LRANGE
// together in one MULTI/EXEC.
import { generate, llen, lrange, scenario, script, sleep, txn } from "../src/workload/scenario.ts";

/** LLEN and LRANGE of one key in one MULTI/EXEC, every few milliseconds. */
const snapshots = (key: string, n: number) =>
  Array.from({ length: n }, () => [txn(llen(key), lrange(key)), sleep("8ms")]).flat();

export default scenario({
  description: "RPUSH races RPOP (and LPUSH races LPOP) at the same end of a short list",
  bug: { id: "B10(b)", expect: ["lost-element", "len-mismatch"] },
  cluster: { nodes: 3 },
  clients: [
    generate("p0..p1", { mix: { rpush: 2, lpush: 1 }, keys: ["q1", "q2"], thinkUs: [0, 3_000] }),
    generate("p2..p3", { mix: { rpop: 2, lpop: 1 }, keys: ["q1", "q2"], thinkUs: [0, 3_000] }),
    script("r1", snapshots("q1", 60)),
    script("r2", snapshots("q2", 60)),
  ],
  runFor: "600ms",
  expect: "strict-serializable",
});
