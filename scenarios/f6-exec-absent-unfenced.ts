// f6-exec-absent-unfenced — finding F6 (HEAD; docs/findings.md). Inside MULTI/EXEC, EXISTS and DEL
// stage a key's type through the type probe, which read-tracks nine keys (`!lst|meta|k`,
// `!redis|str|k`, the legacy blobs, the bare key…). A standalone RPUSH or HSET that creates the key
// writes its items, its wide fence and a delta, and none of those nine. So when the probe finds the
// key absent, a creation that commits after the EXEC's startTS does not conflict with it, and the
// EXEC commits on a stale "absent".
// The shape is B6's write skew with the absence as one of the reads: EXEC[EXISTS j, RPUSH k]
// against EXEC[LRANGE k, RPUSH j]. Each misses the other's push; both commit.
// Expected from the history alone: G2-item (each misses the other's write), or G-single-item
// where a third transaction closes the cycle. `fixed` read-tracks the four wide fences of a key
// whose probe found nothing, as a standalone DEL and a creating push already do.
import { del, exists, lrange, rpush, scenario, script, sleep, txn } from "../src/workload/scenario.ts";

/** One round: read one key's absence (EXISTS or DEL), push to the other; three rounds. */
const absentThenPush = (absent: string, write: string) =>
  [1, 2, 3].flatMap((i) => [txn(i % 2 === 1 ? exists(absent) : del(absent), rpush(write, i)), sleep("20ms")]);
/** The other side: read the list the first one pushes to, push to the key it found absent. */
const readThenPush = (read: string, write: string) =>
  [1, 2, 3].flatMap((i) => [txn(lrange(read), rpush(write, 10 + i)), sleep("20ms")]);

export default scenario({
  description: "MULTI[EXISTS j, RPUSH k] against MULTI[LRANGE k, RPUSH j]: is an EXEC's 'absent' validated?",
  bug: { id: "F6", expect: ["G-single-item", "G2-item"] },
  cluster: { nodes: 3, delayUs: [500, 3_000] },
  clients: [
    // Fresh keys per pair of clients, so that each round starts from an absent key.
    script("p0", absentThenPush("j", "k"), { node: 0, startAt: "300ms" }),
    script("p1", readThenPush("k", "j"), { node: 0, startAt: "300ms" }),
    script("p2", absentThenPush("b", "a"), { node: 1, startAt: "300ms" }),
    script("p3", readThenPush("a", "b"), { node: 1, startAt: "300ms" }),
  ],
  runFor: "1s",
  expect: "strict-serializable",
});
