/**
 * Start-up as elastickv's servers start (docs/model.md, "S1"): every store holds the catalog write
 * at commitTS 1 before the first client command, in both coordinator shapes and after a restart,
 * unless `catalogBootstrap` is off. Observed from the outside only: the trace and the probes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeScenario } from "../workload/normalize.ts";
import { generate, random, rpush, scenario, script } from "../workload/scenario.ts";
import { resolveKnobs } from "./knobs.ts";
import { runScenario } from "./run.ts";

type TraceEvent = { t: number; kind: string; node?: number; startTS?: number; commitTS?: number };

const firstWriter = normalizeScenario(
  scenario({
    description: "test: a write is the first command of the run, then a mixed workload",
    cluster: { nodes: 3 },
    clients: [
      script("w", [rpush("k", 1)]),
      generate("p0..p2", { mix: { append: 2, r: 1 }, keys: [1, 2] }, { startAt: "50ms" }),
    ],
    runFor: "300ms",
  }),
  "test-first-writer",
);

function traced(seed: number, knobs: Record<string, string | boolean>) {
  const out = runScenario({
    scenario: firstWriter,
    variant: "fixed",
    knobs: resolveKnobs(firstWriter, "fixed", knobs),
    seed,
    trace: true,
  });
  const events = (out.trace ?? []).map((l) => JSON.parse(l) as TraceEvent);
  return { out, events };
}

describe("catalog bootstrap at start-up", () => {
  it("the first client command reads at a timestamp >= 1, in both coordinator shapes (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom("production", "demo"),
        (seed, shape) => {
          const { out, events } = traced(seed, { coordinator: shape });
          const boots = events.filter((e) => e.kind === "store.bootstrap");
          expect(boots.map((e) => [e.node, e.commitTS])).toEqual([
            [0, 1],
            [1, 1],
            [2, 1],
          ]);
          const dispatches = events.filter((e) => e.kind === "redis.dispatch");
          expect(dispatches.length).toBeGreaterThan(0);
          // The first write read the store at LastCommitTS 1: its StartTS is that snapshot.
          expect(dispatches[0]!.startTS).toBe(1);
          for (const d of dispatches) expect(d.startTS).toBeGreaterThanOrEqual(1);
          expect(out.probes["cluster.command-on-empty-store"]).toBeUndefined();
        },
      ),
      { numRuns: 6 },
    );
  });

  it("with catalogBootstrap off the first write reads the empty store (StartTS 0, the sentinel's)", () => {
    for (const shape of ["production", "demo"]) {
      const { out, events } = traced(3, { coordinator: shape, catalogBootstrap: false });
      expect(events.some((e) => e.kind === "store.bootstrap")).toBe(false);
      const first = events.find((e) => e.kind === "redis.dispatch");
      expect(first?.startTS).toBe(0);
      expect(out.probes["cluster.command-on-empty-store"]).toBeGreaterThan(0);
    }
  });

  it("a restarted node writes the catalog again before it re-applies its log", () => {
    const s = normalizeScenario(
      scenario({
        description: "test: crashes and restarts under a mixed workload",
        cluster: { nodes: 3 },
        clients: [generate("p0..p2", { mix: { append: 2, r: 1 }, keys: [1, 2] })],
        faults: [random({ crash: 4 })],
        runFor: "1s",
      }),
      "test-restarts",
    );
    let restarts = 0;
    for (const seed of [1, 2, 3]) {
      const out = runScenario({
        scenario: s,
        variant: "fixed",
        knobs: resolveKnobs(s, "fixed"),
        seed,
        trace: true,
      });
      const events = (out.trace ?? []).map((l) => JSON.parse(l) as TraceEvent);
      for (let i = 0; i < events.length; i++) {
        const e = events[i]!;
        if (e.kind !== "raft.restart") continue;
        restarts++;
        // The next event about this node's store is its bootstrap, before any apply on it.
        const next = events
          .slice(i + 1)
          .find((x) => x.node === e.node && (x.kind === "store.bootstrap" || x.kind === "apply"));
        expect(next?.kind).toBe("store.bootstrap");
        expect(next?.commitTS).toBe(1);
      }
      expect(out.probes["cluster.command-on-empty-store"]).toBeUndefined();
    }
    expect(restarts).toBeGreaterThan(0);
  });
});
