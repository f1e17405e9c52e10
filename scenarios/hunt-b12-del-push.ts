// hunt-b12-del-push — B12 under `head`, reduced to its core (docs/catalogue.md B12): a one-element list,
// then a standalone DEL and an RPUSH of it sent at nearly the same moment, then LLEN, LRANGE and
// EXISTS. Each round has its own key and clients and shifts the push by 500 µs against the DEL,
// so that across rounds and seeds the push lands on both sides of the DEL's read; a shrink keeps
// the one round that shows the race.
import { del, exists, llen, lrange, rpush, scenario, script, sleep } from "../src/workload/scenario.ts";

const ROUNDS = 16;

export default scenario({
  description:
    "DEL and RPUSH of a one-element list sent at nearly the same moment, then LLEN/LRANGE/EXISTS (B12 under head)",
  cluster: { nodes: 3 },
  clients: Array.from({ length: ROUNDS }, (_, i) => {
    const k = `k${i}`;
    const t = i * 50;
    return [
      script(`d${i}`, [rpush(k, 1), sleep("10ms"), del(k)], { startAt: `${t}ms` }),
      script(`p${i}`, [rpush(k, 2)], { startAt: `${t + 8 + (i % 8) * 0.5}ms` }),
      script(`r${i}`, [llen(k), lrange(k), exists(k)], { startAt: `${t + 35}ms` }),
    ];
  }).flat(),
  runFor: "1s",
  expect: "strict-serializable",
});
