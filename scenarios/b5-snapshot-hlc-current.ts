// b5-snapshot-hlc-current — docs/catalogue.md B5 (fixed by `8b4c5c72`): standalone commands read at
// max(LastCommitTS, HLC.Current). Right after the leader allocates commitTS c for a write that is
// still in flight, HLC.Current is c, so a second writer reads at c — a snapshot that lacks the
// first write — yet at apply the first write's version (c) is not newer than the second's startTS
// (c): equality is not a conflict (docs/model.md). Two RPUSHes pick the same item position and the
// later one silently overwrites the earlier, acknowledged one: the spec's schedule, a lost update.
// Expected (docs/catalogue.md): lost-update / G2-item-realtime, the names elastickv's Jepsen run gave it.
// In a list-append history the overwritten RPUSH shows as `lost-append` (with G0-realtime and
// G-single-item-realtime), which is what the checker reports here: Elle's `lost-update` needs two
// transactions that read a list and then append to it, and only MULTI/EXEC does that, whose
// startTS this knob does not touch (in the historical build EXEC used HLC.Next(), i.e. B4).
// Needs a write in flight between commitTS allocation and apply: several clients push to one list
// back to back.
import { generate, scenario } from "../src/workload/scenario.ts";

export default scenario({
  description:
    "concurrent standalone RPUSHes and reads on one list: can a snapshot equal an in-flight commitTS?",
  bug: {
    id: "B5",
    expect: ["lost-update", "G2-item-realtime", "lost-append"],
  },
  cluster: { nodes: 3, delayUs: [500, 3_000] },
  clients: [
    generate(
      "p0..p3",
      { mix: { rpush: 3, lrange: 1 }, keys: ["k"], thinkUs: [0, 500] },
      { startAt: "300ms" },
    ),
  ],
  runFor: "1s",
  expect: "strict-serializable",
});
