// b14-lazy-reap — B14 (docs/catalogue.md): the design doc (D3) keeps a Len-0 base meta and reaps it lazily
// once no deltas and no items are left, "protected" by a delta-prefix scan inside the reaper's
// transaction. elastickv's OCC validates point keys only, so that scan is never re-checked: a push
// that read the kept meta (Head = H, Len 0; it read-tracks only the list fence, which the reaper
// does not write) and commits after the reaper's readTS adds item(H) and a delta (0,+1) that the
// reaper never saw, and the reaper then deletes the meta. The list resolves to Head 0, Len 1:
// LLEN 1, LRANGE reads the tombstoned item(0) and returns [], and the pushed element is lost —
// the same outcome as B13. Expected from the history: lost-element and len-mismatch.
//
// The reaper only deletes a meta left idle after a fold, so each client works its own list once:
// RPUSH and LPOP (two deltas, Len back to 0; the threshold is lowered to 2), a pause while the
// compactor (every 10 ms) folds the deltas into a kept Len-0 meta and the next pass reaps it, then
// one more RPUSH and LLEN + LRANGE in one MULTI/EXEC. The pauses step through 20–40 ms, so some
// of the pushes land inside a reaper's commit.
import { llen, lpop, lrange, rpush, scenario, script, sleep, txn } from "../src/workload/scenario.ts";

const LISTS = 40;

const clients = Array.from({ length: LISTS }, (_, i) => {
  const k = `k${i}`;
  return script(`p${i}`, [
    rpush(k, 1),
    lpop(k),
    sleep(`${20 + i * 0.5}ms`),
    rpush(k, 2),
    txn(llen(k), lrange(k)),
  ]);
});

export default scenario({
  description: "a push onto an idle emptied list races the lazy reaper of its Len-0 base meta",
  bug: { id: "B14", expect: ["lost-element", "len-mismatch"] },
  cluster: {
    nodes: 3,
    knobs: { compactionThreshold: 2, compactorIntervalUs: 10_000, compactorPollUs: 2_000 },
  },
  clients,
  runFor: "200ms",
  expect: "strict-serializable",
});
