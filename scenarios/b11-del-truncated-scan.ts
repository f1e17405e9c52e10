// b11-del-truncated-scan — docs/catalogue.md B11: DEL deletes only the deltas that one bounded scan returns
// (PR #485 before `4cf3a8e6`; the PR #504 branch before `451eb1cd`). With the compactor lagging, a
// list can hold more deltas than the scan limit; DEL then tombstones the items, the base meta and
// the first page of deltas, and the deltas beyond it survive. `resolveListMeta` sums them into a
// list that exists again: EXISTS 1 and LLEN > 0 after an acknowledged DEL with no later write
// (resurrected-key), while LRANGE finds no item at the positions they claim (len-mismatch).
// The delta scan limit is lowered to 8 so that 9 pushes are enough; the compactor's threshold (64)
// stays far above that, so nothing folds the deltas before DEL runs.
import {
  del,
  exists,
  generate,
  llen,
  lpush,
  lrange,
  rpush,
  scenario,
  script,
  sleep,
} from "../src/workload/scenario.ts";

const LIMIT = 8;
/** limit + 1 pushes: one delta more than a single page of the DEL scan. */
const pushes = Array.from({ length: LIMIT + 1 }, (_, i) =>
  i % 3 === 2 ? lpush("k", i + 1) : rpush("k", i + 1),
);

export default scenario({
  description: "DEL of a list holding more deltas than one scan page, then EXISTS/LLEN/LRANGE",
  bug: { id: "B11", expect: ["resurrected-key", "len-mismatch"] },
  cluster: { nodes: 3, knobs: { maxDeltaScanLimit: LIMIT, compactionThreshold: 64 } },
  clients: [
    script("p0", [...pushes, del("k"), sleep("2ms"), exists("k"), llen("k"), lrange("k"), llen("k")]),
    // Unrelated traffic on another list, so the deleted key is not the only thing going on.
    generate("p1", { mix: { rpush: 3, lpop: 1, lrange: 1, llen: 1 }, keys: ["j"], maxOps: 30 }),
  ],
  runFor: "1s",
  expect: "strict-serializable",
});
