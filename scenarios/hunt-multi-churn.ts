// hunt-multi-churn — a hunting workload, not a catalogue entry: MULTI/EXEC transactions that mix
// the commands HEAD's EXEC accepts (RPUSH, LRANGE, DEL, EXISTS, HSET) over lists and a hash, racing
// standalone pushes, pops, DELs and HSETs, under the demo cluster's Raft timing and every fault
// kind. elastickv's Jepsen test runs MULTI with RPUSH and LRANGE only.
//
// The EXECs are scripted (the generator's `txn` draws appends and reads only); the script is the
// same for every seed, the seed varies timing, faults and the standalone traffic.
import {
  DEMO_HUNT_KNOBS,
  del,
  everyFaultWithChurn,
  exists,
  generate,
  hgetall,
  hset,
  lrange,
  rpush,
  type ScriptItem,
  scenario,
  script,
  sleep,
  txn,
} from "../src/workload/scenario.ts";

const LISTS = ["m1", "m2"];
let nextValue = 100_000;
/** Script values sit far above the generated ones, and are unique across all scripts. */
const v = () => nextValue++;

/** A fixed, varied cycle of EXEC shapes for one scripted client. */
function execScript(offset: number, n: number): ScriptItem[] {
  const out: ScriptItem[] = [];
  for (let i = 0; i < n; i++) {
    const k = LISTS[(i + offset) % 2]!;
    const j = LISTS[(i + offset + 1) % 2]!;
    switch ((i * 7 + offset * 3) % 8) {
      case 0:
        out.push(txn(del(k), rpush(k, v())));
        break;
      case 1:
        out.push(txn(rpush(k, v()), lrange(k)));
        break;
      case 2:
        out.push(txn(lrange(k), rpush(j, v())));
        break;
      case 3:
        out.push(txn(exists(k), rpush(k, v()), rpush(k, v())));
        break;
      case 4:
        out.push(txn(hset("mh", `f${i % 3}`, v()), rpush(k, v())));
        break;
      case 5:
        out.push(txn(del("mh"), hset("mh", `f${(i + 1) % 3}`, v())));
        break;
      case 6:
        out.push(txn(lrange(k), del(k)));
        break;
      default:
        out.push(txn(lrange(k), lrange(j)));
    }
    out.push(sleep(`${1 + ((i * 5 + offset) % 3)}ms`));
  }
  return out;
}

export default scenario({
  description: "MULTI/EXEC with RPUSH/LRANGE/DEL/EXISTS/HSET racing standalone writers under churn (hunting)",
  cluster: {
    nodes: 3,
    knobs: { ...DEMO_HUNT_KNOBS },
  },
  clients: [
    script("x0", execScript(0, 400)),
    script("x1", execScript(1, 400)),
    script("x2", execScript(2, 400)),
    generate("p0", { mix: { rpush: 3, lpop: 2, del: 1 }, keys: LISTS, thinkUs: [0, 3_000] }),
    generate("p1", {
      mix: { hset: 3, hdel: 1, del: 1 },
      keys: ["mh"],
      fields: ["f0", "f1", "f2"],
      thinkUs: [0, 3_000],
    }),
    generate("p2", { mix: { lrange: 2, llen: 1, exists: 1 }, keys: LISTS, thinkUs: [0, 3_000] }),
    script("h", Array.from({ length: 300 }, () => [hgetall("mh"), sleep("8ms")]).flat()),
  ],
  faults: [everyFaultWithChurn()],
  runFor: "3s",
  expect: "strict-serializable",
});
