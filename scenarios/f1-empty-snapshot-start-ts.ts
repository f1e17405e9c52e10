// f1-empty-snapshot-start-ts — finding F1 (HEAD; docs/findings.md). On an empty store an RPUSH
// reads at the sentinel readTS (^0), which `normalizeStartTS` turns into StartTS 0. HEAD's
// coordinator then mints StartTS itself at dispatch (`kv/coordinator.go` `dispatchOnce`, clearing
// the pre-allocated CommitTS); the unmerged fix 81a0d5ea (`ensureValidStartTS`) has the adapter
// mint a fresh clock StartTS instead. Either way the snapshot that saw the empty store is labelled
// as newer than commits it never saw: two first writers of one list both read Len 0, both write
// item(0), and the one applied second passes the OCC check (its StartTS is not below the other's
// commitTS) and overwrites the other's element. Both deltas count, so LLEN says 2 while LRANGE
// shows one element: an acknowledged RPUSH is lost. `fixed` gives the empty snapshot StartTS 1.
// Expected from the history: lost-append.
//
// The shipped servers cannot reach this: every store gets the route catalog at commitTS 1 before
// clients connect (docs/model.md, "S1"), so no command reads the empty store. The scenario runs on
// stores without that bootstrap write (`catalogBootstrap: false`), as elastickv's Go test harness
// and an empty-snapshot restore start; `fixed` is judged on the same start-up.
//
// Only the very first writes of the whole cluster read the empty store, so four clients push at
// once at the start, then push once more and read (a loss is told from a lagging read by a read
// that holds an element appended after the lost one was acknowledged).
import { lrange, rpush, scenario, script } from "../src/workload/scenario.ts";

export default scenario({
  description:
    "four first writers RPUSH one list on an empty store (no catalog bootstrap write) at once, push again and read",
  bug: { id: "F1", expect: ["lost-append"] },
  cluster: { nodes: 3, delayUs: [500, 3_000], knobs: { catalogBootstrap: false } },
  clients: [
    script("p0", [rpush("k", 1), rpush("k", 5), lrange("k")]),
    script("p1", [rpush("k", 2), rpush("k", 6), lrange("k")]),
    script("p2", [rpush("k", 3), rpush("k", 7), lrange("k")]),
    script("p3", [rpush("k", 4), rpush("k", 8), lrange("k")]),
  ],
  runFor: "500ms",
  expect: "strict-serializable",
});
