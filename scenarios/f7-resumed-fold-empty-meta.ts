// f7-resumed-fold-empty-meta — finding F7 (HEAD and `fixed` before `resumedFoldKeepsMeta`;
// docs/findings.md). The compactor reads at most a page of delta keys per pass and resumes the next
// pass one byte past a cursor. When a truncated page ends in a list with fewer deltas than the
// threshold, the split guard drops that list and backs the cursor up to the last delta of the list
// before it, which was not folded either. That list's later deltas sort after the cursor (a delta
// key ends in its commitTS), so the next pass sees only them: if they reach the threshold and sum
// with the base meta to Len 0 (an LPOP then an RPUSH: Head +1, Len 0), the fold deletes the base
// meta, and the delta before the cursor now resolves against Head 0. The list reads LLEN 1 and
// LRANGE [] and the element of the second push is lost. Expected from the history: lost-element
// and len-mismatch.
//
// Each client works its own list: RPUSH 1 (one delta, so the guard can back up to it), a pause
// that steps through 4–24 ms so that some list's first delta is the one a cursor lands on, LPOP
// and RPUSH 2 (two more deltas), then LLEN + LRANGE in one MULTI/EXEC. The page is cut to 4 delta
// keys and the threshold to 2.
import { llen, lpop, lrange, rpush, scenario, script, sleep, txn } from "../src/workload/scenario.ts";

const LISTS = 40;

const clients = Array.from({ length: LISTS }, (_, i) => {
  const k = `k${i}`;
  return script(`p${i}`, [
    rpush(k, 1),
    sleep(`${4 + i * 0.5}ms`),
    lpop(k),
    rpush(k, 2),
    sleep("30ms"),
    txn(llen(k), lrange(k)),
  ]);
});

export default scenario({
  description: "a compactor pass resumed inside a list folds its later deltas to Len 0",
  bug: { id: "F7", expect: ["lost-element", "len-mismatch"] },
  cluster: {
    nodes: 3,
    knobs: {
      compactionThreshold: 2,
      compactorTickScanLimit: 4,
      compactorIntervalUs: 10_000,
      compactorPollUs: 2_000,
    },
  },
  clients,
  runFor: "200ms",
  expect: "strict-serializable",
});
