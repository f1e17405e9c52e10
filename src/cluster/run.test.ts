import { describe, expect, it } from "vitest";
import { checkHistory } from "../check/index.ts";
import { normalizeScenario } from "../workload/normalize.ts";
import { generate, lrange, random, rpush, scenario, script, txn } from "../workload/scenario.ts";
import { resolveKnobs } from "./knobs.ts";
import { runScenario } from "./run.ts";

const listAppend = normalizeScenario(
  scenario({
    description: "test: list-append under leader churn",
    cluster: { nodes: 3 },
    clients: [generate("p0..p3", { mix: { txn: 2, append: 2, r: 1 }, keys: [1, 2, 3] })],
    faults: [random({ "isolate-leader": 0.5, "transfer-leader": 0.5, crash: 0.2 })],
    runFor: "2s",
  }),
  "test-list-append",
);

function run(seed: number, variant = "fixed", s = listAppend) {
  return runScenario({ scenario: s, variant, knobs: resolveKnobs(s, variant), seed });
}

describe("runScenario", () => {
  it("is deterministic: same seed, same history hash and tape", () => {
    const a = run(7);
    const b = run(7);
    expect(a.historyHash).toBe(b.historyHash);
    expect(a.tape).toEqual(b.tape);
    expect(a.stats.ops).toBeGreaterThan(20);
    const c = run(8);
    expect(c.historyHash).not.toBe(a.historyHash);
  });

  it("replaying the recorded tape reproduces the run", () => {
    const a = run(11);
    const b = runScenario({
      scenario: listAppend,
      variant: "fixed",
      knobs: resolveKnobs(listAppend, "fixed"),
      tape: a.tape,
    });
    expect(b.historyHash).toBe(a.historyHash);
  });

  it("taskKeyedDraws changes the scheduling draws; each setting is deterministic and replays its tape", () => {
    const knobs = resolveKnobs(listAppend, "fixed");
    const with_ = (taskKeyedDraws: boolean, seed: number) =>
      runScenario({ scenario: listAppend, variant: "fixed", knobs: { ...knobs, taskKeyedDraws }, seed });
    let differ = false;
    for (const seed of [5, 6]) {
      const on = with_(true, seed);
      const off = with_(false, seed);
      expect(with_(true, seed).historyHash).toBe(on.historyHash);
      expect(with_(false, seed).historyHash).toBe(off.historyHash);
      if (on.tape.join() !== off.tape.join()) differ = true;
      const replay = runScenario({
        scenario: listAppend,
        variant: "fixed",
        knobs: { ...knobs, taskKeyedDraws: true },
        tape: on.tape,
      });
      expect(replay.historyHash).toBe(on.historyHash);
    }
    expect(differ).toBe(true);
  });

  it("a thin end-to-end run of the correct design is valid", () => {
    for (const seed of [1, 2, 3]) {
      const out = run(seed);
      expect(out.failures).toEqual([]);
      expect(out.stats.ok).toBeGreaterThan(0);
      const verdict = checkHistory(out.history, { model: "strict-serializable" });
      expect(verdict.anomalyTypes).toEqual([]);
    }
  });

  it("a scripted push is visible to a later read", () => {
    const s = normalizeScenario(
      scenario({
        description: "scripted",
        cluster: { nodes: 3 },
        clients: [script("p0", [rpush("k", 1), rpush("k", 2), txn(lrange("k"), rpush("k", 3)), lrange("k")])],
        runFor: "1s",
        swarm: false,
      }),
      "scripted",
    );
    const out = run(1, "fixed", s);
    const oks = out.history.filter((o) => o.type === "ok" && o.process !== "nemesis");
    expect(oks.length).toBeGreaterThanOrEqual(4);
    const reads = oks.flatMap((o) => (o.value as unknown[][]).filter((m) => m[0] === "r").map((m) => m[2]));
    expect(reads).toContainEqual([1, 2]);
    expect(reads).toContainEqual([1, 2, 3]);
  });
});
