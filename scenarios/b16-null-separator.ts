// b16-null-separator — docs/catalogue.md B16 (key ordering: docs/model.md): the PR #485 design draft laid out delta, claim and
// hash-field keys as `prefix ‖ userKey ‖ 0x00 ‖ suffix`. When user keys may contain NUL, the scan
// prefix of `foo` (`…foo\0`) also covers every key of `foo\0<anything>`: LLEN foo sums the other
// key's deltas (LLEN ≠ len(LRANGE) while nothing writes foo: len-mismatch), and HGETALL h returns
// the fields of `h\0bar` under names h never had (a value never written to that field of h:
// phantom-element). HEAD's 4-byte length prefix makes the two scans disjoint.
// The keys are plain strings with a NUL byte; nothing else about them is special.
import { generate, scenario } from "../src/workload/scenario.ts";

const LIST = "foo";
const LIST_NUL = "foo\u0000bar";
const HASH = "h";
const HASH_NUL = "h\u0000bar";

export default scenario({
  description: "lists foo / foo\\0bar and hashes h / h\\0bar written and read side by side",
  bug: { id: "B16", expect: ["phantom-element", "len-mismatch"] },
  cluster: { nodes: 3 },
  clients: [
    generate("p0..p1", { mix: { rpush: 3, lpush: 1, lpop: 1 }, keys: [LIST, LIST_NUL], maxOps: 40 }),
    generate("p2", { mix: { llen: 2, lrange: 2, exists: 1 }, keys: [LIST, LIST_NUL], maxOps: 40 }),
    generate("p3", { mix: { hset: 3, hdel: 1 }, keys: [HASH, HASH_NUL], fields: ["a", "b"], maxOps: 30 }),
    generate("p4", {
      mix: { hgetall: 2, hlen: 1, hget: 1 },
      keys: [HASH, HASH_NUL],
      fields: ["a", "b"],
      maxOps: 30,
    }),
  ],
  runFor: "1s",
  expect: "strict-serializable",
});
