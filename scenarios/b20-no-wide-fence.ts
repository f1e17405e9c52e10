// b20-no-wide-fence — docs/catalogue.md B20: a MULTI/EXEC that deletes (or replaces) a key computes its
// deletions and reads from its snapshot; a concurrent writer that creates keys the snapshot never
// saw (a new hash field and its delta) is a phantom to elastickv's point-key OCC. Before the wide
// collection fences (`c4b8d91a`, `d5f47e6b`, `56a5b87e`) nothing made the two meet, so both commit.
// Each round races, from two processes invoked at the same instant,
//   T1 = EXEC[HGETALL h, HGETALL h2, DEL h]   and   T2 = EXEC[HGET h o, HSET h n<r> v, HSET h2 n<r> v].
// When T2 commits between T1's snapshot and T1's apply: T1 read h2 without n<r> (T1 before T2) and
// T2 read the field o that T1 then deleted (T2 before T1): two anti-dependencies, a G2-item cycle.
// The field n<r> of h also survives T1's DEL (readers see it alive afterwards). With the fence, a
// new-field HSET Puts `!redis|txn-wide-hash|<key>`, which EXEC's hash loads and DEL read-track, so
// one of the two retries. (Lists are covered even without the fence by EXEC's boundary read keys
// item(Head+Len) and item(Head-1), exactly what a concurrent push writes; so the race is on hashes.)
import type { ClientSpec } from "../src/workload/scenario.ts";
import { del, generate, hget, hgetall, hset, scenario, script, txn } from "../src/workload/scenario.ts";

const ROUNDS = 12;
const ROUND_MS = 40;
const H = "h";
const H2 = "h2";
const rounds: ClientSpec[] = [];
let value = 0;
for (let r = 1; r <= ROUNDS; r++) {
  const t = r * ROUND_MS;
  // The field both transactions read, written fresh just before the round; then the racing pair.
  rounds.push(script(`s${r}`, [hset(H, "o", ++value)], { startAt: `${t - 25}ms` }));
  rounds.push(script(`d${r}`, [txn(hgetall(H), hgetall(H2), del(H))], { startAt: `${t}ms` }));
  const v = ++value;
  rounds.push(
    script(`c${r}`, [txn(hget(H, "o"), hset(H, `n${r}`, v), hset(H2, `n${r}`, v))], { startAt: `${t}ms` }),
  );
}

export default scenario({
  description:
    "EXEC[HGETALL h, HGETALL h2, DEL h] racing EXEC[HGET h o, HSET h/h2 <new field>], with readers",
  bug: { id: "B20", expect: ["resurrected-key", "G2-item"] },
  cluster: { nodes: 3 },
  clients: [
    ...rounds,
    generate("r0", { mix: { hgetall: 2, hlen: 1 }, keys: [H, H2], thinkUs: [2000, 6000], maxOps: 60 }),
  ],
  runFor: "1s",
  expect: "strict-serializable",
});
