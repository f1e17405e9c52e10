/**
 * Forwarding as elastickv's production proxy does it (docs/model.md, "S4"), seen from the outside
 * of a run: under leadership transfers a leader whose VerifyLeader fails forwards to itself and
 * retries, and whatever path a write takes, the entry carries the timestamps the adapter drew.
 */
import { describe, expect, it } from "vitest";
import { normalizeScenario } from "../workload/normalize.ts";
import { generate, random, scenario } from "../workload/scenario.ts";
import { resolveKnobs } from "./knobs.ts";
import { runScenario } from "./run.ts";

type TraceEvent = { kind: string; startTS?: number; commitTS?: number; ok?: boolean };

const transfers = normalizeScenario(
  scenario({
    description: "test: list appends under frequent leadership transfers",
    cluster: { nodes: 3 },
    clients: [generate("p0..p5", { mix: { append: 3, r: 1 }, keys: [1, 2, 3] })],
    faults: [random({ "transfer-leader": 3 })],
    runFor: "2s",
  }),
  "test-transfers",
);

function run(seed: number, knobs: Record<string, string> = {}) {
  const out = runScenario({
    scenario: transfers,
    variant: "fixed",
    // BUGGIFY off: the test counts forwards under these exact Raft timings and shapes.
    knobs: resolveKnobs(transfers, "fixed", { buggify: "false", ...knobs }),
    seed,
    trace: true,
  });
  return { out, events: (out.trace ?? []).map((l) => JSON.parse(l) as TraceEvent) };
}

describe("production forwarding under leadership transfers", () => {
  it("forwards to itself while it still leads, retries, and proposes with the adapter's timestamps", () => {
    let selfForwards = 0;
    let retries = 0;
    for (const seed of [2, 3]) {
      const { out, events } = run(seed);
      expect(out.failures).toEqual([]);
      selfForwards += out.probes["cluster.forward-self"] ?? 0;
      retries += out.probes["kv.forward-retry"] ?? 0;
      // Every entry that names a pre-allocated commitTS carries a StartTS it was drawn with (two
      // nodes' clocks can hand out the same commitTS, so a commitTS may have several).
      const drawn = new Map<number, Set<number>>();
      for (const e of events) {
        if (e.kind !== "redis.dispatch" || !e.commitTS) continue;
        const starts = drawn.get(e.commitTS) ?? new Set<number>();
        starts.add(e.startTS!);
        drawn.set(e.commitTS, starts);
      }
      let matched = 0;
      for (const e of events) {
        if (e.kind !== "apply" || !drawn.has(e.commitTS!)) continue;
        expect([...drawn.get(e.commitTS!)!]).toContain(e.startTS);
        matched++;
      }
      expect(matched).toBeGreaterThan(0);
    }
    expect(selfForwards).toBeGreaterThan(0);
    expect(retries).toBeGreaterThan(0);
  });

  it("the coarse proxy never forwards to itself", () => {
    const { out } = run(2, { leaderProxy: "coarse" });
    expect(out.probes["cluster.forward-self"]).toBeUndefined();
    expect(out.probes["kv.forward-retry"]).toBeUndefined();
  });
});
