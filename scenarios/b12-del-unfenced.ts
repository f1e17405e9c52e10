// b12-del-unfenced — docs/catalogue.md B12 [derived, HEAD]: standalone DEL (`delLocal`) carries no read
// keys and writes no wide fence. It tombstones the base meta and the items and deltas it saw at
// its readTS. A push that commits after that readTS but before DEL applies touches none of DEL's
// write keys, and its own read keys (fence, item(Head), item(Tail-1)) are unchanged, so both
// commit: the push's item sits at the old Tail while its delta, with the base meta gone, now
// resolves to Head 0. The list reads LLEN 1 but LRANGE [], the pushed element is unreachable, and
// the key exists after an acknowledged DEL though no later push explains it (resurrected-key;
// lost-element when the orphan is never read again). On an empty list (deltas only, after pops)
// both commit orders fail. MULTI DEL is fenced; the fix fences standalone DEL the same way.
import { generate, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description: "RPUSH/LPUSH/LPOP racing standalone DEL on one list, with EXISTS/LLEN/LRANGE readers",
  bug: { id: "B12", expect: ["lost-element", "resurrected-key"] },
  cluster: { nodes: 3 },
  clients: [
    generate("p0..p1", { mix: { rpush: 3, lpush: 1, lpop: 2 }, keys: ["k"], thinkUs: [0, 3000] }),
    generate("p2", { mix: { del: 1, exists: 1, llen: 1, lrange: 1 }, keys: ["k"], thinkUs: [0, 3000] }),
    generate("p3", { mix: { llen: 1, lrange: 1, exists: 1 }, keys: ["k"], thinkUs: [0, 3000] }),
  ],
  runFor: "2s",
  expect: "strict-serializable",
});
