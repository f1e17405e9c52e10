import { describe, expect, it } from "vitest";
import type { History, Op } from "../check/history.ts";
import { checkProgress, longestFailStreaks } from "../check/progress.ts";
import { resolveKnobs } from "../cluster/knobs.ts";
import { runAndCheck } from "./evaluate.ts";
import { loadScenario } from "./scenarios.ts";

/** A history builder: each client op is an invoke and its completion, 1 ms apart. */
function build(
  steps: Array<["w" | "r", "ok" | "fail" | "info"] | ["nemesis", string]>,
  stepNs = 1_000_000_000, // 1 s of simulated time between steps
): History {
  const h: Op[] = [];
  let t = 0;
  for (const s of steps) {
    t += stepNs;
    if (s[0] === "nemesis") {
      h.push({ index: h.length, type: "info", process: "nemesis", f: s[1], value: null, time: t });
      continue;
    }
    const mops = s[0] === "w" ? [["append", 1, h.length]] : [["r", 1, null]];
    h.push({ index: h.length, type: "invoke", process: 0, f: "txn", value: mops, time: t });
    h.push({
      index: h.length,
      type: s[1],
      process: 0,
      f: "txn",
      value: mops,
      time: t + 1_000_000,
      ...(s[1] === "ok" ? {} : { error: "ERR x" }),
    });
  }
  return h;
}

describe("progress oracle", () => {
  const bound = { maxFailStreak: 2, settleMs: 500, minSpanMs: 1_500 };

  it("flags a streak of fault-free write failures over the bound, naming the ops", () => {
    const h = build([
      ["w", "fail"],
      ["r", "ok"],
      ["w", "fail"],
      ["w", "info"],
      ["w", "fail"],
    ]);
    const f = checkProgress(h, bound);
    expect(f).toHaveLength(1);
    expect(f[0]!.kind).toBe("write");
    expect(f[0]!.ops).toEqual([1, 5, 9]);
    expect(f[0]!.message).toMatch(/3 write ops in a row/);
  });

  it("a burst of refusals shorter than the span is pushback, the same streak spread out is not", () => {
    const steps: Array<["w", "fail"]> = [
      ["w", "fail"],
      ["w", "fail"],
      ["w", "fail"],
      ["w", "fail"],
    ];
    const burst = build(steps, 100_000_000); // 0.3 s from first to last failure
    expect(checkProgress(burst, bound)).toEqual([]);
    expect(longestFailStreaks(burst, 0).write).toHaveLength(4);
    const spread = build(steps, 600_000_000); // 1.8 s
    expect(checkProgress(spread, bound).map((f) => f.ops.length)).toEqual([4]);
    expect(checkProgress(spread, bound)[0]!.message).toMatch(/over 1800 ms/);
  });

  it("a success of the same kind ends the streak", () => {
    const h = build([
      ["w", "fail"],
      ["w", "fail"],
      ["w", "ok"],
      ["w", "fail"],
      ["w", "fail"],
    ]);
    expect(checkProgress(h, bound)).toEqual([]);
  });

  it("failures while a fault is active, or just after one, do not count", () => {
    const h = build([
      ["nemesis", "partition-halves"],
      ["w", "fail"],
      ["w", "fail"],
      ["w", "fail"],
      ["nemesis", "stop-partition-halves"],
      ["w", "fail"],
      ["w", "fail"],
    ]);
    expect(longestFailStreaks(h, 500).write).toHaveLength(2);
    expect(longestFailStreaks(h, 1500).write).toHaveLength(1);
    // An instantaneous fault (never stopped) only taints the settle time after it.
    const g = build([
      ["nemesis", "transfer-leader"],
      ["w", "fail"],
      ["w", "fail"],
      ["w", "fail"],
    ]);
    expect(checkProgress(g, bound)).toHaveLength(1);
    // heal-all ends every lasting fault.
    const k = build([
      ["nemesis", "crash"],
      ["nemesis", "stop-crash"],
      ["nemesis", "crash"],
      ["nemesis", "heal-all"],
      ["w", "fail"],
      ["w", "fail"],
      ["w", "fail"],
    ]);
    expect(checkProgress(k, bound)).toHaveLength(1);
  });
});

describe("progress oracle on runs", () => {
  it("catches an adapter that refuses every write within 10 seeds, and fixed passes the same seeds", async () => {
    const { scenario } = await loadScenario("mixed");
    const broken = resolveKnobs(scenario, "fixed", { testFailWrites: true });
    const fixed = resolveKnobs(scenario, "fixed");
    let caughtAt: number | undefined;
    for (let seed = 1; seed <= 10 && caughtAt === undefined; seed++) {
      const ev = runAndCheck({ scenario, scenarioRef: "mixed", variant: "fixed", knobs: broken, seed });
      if (ev.result.anomalyTypes.includes("liveness:progress")) caughtAt = seed;
    }
    expect(caughtAt).toBeDefined();
    for (let seed = 1; seed <= caughtAt!; seed++) {
      const ev = runAndCheck({ scenario, scenarioRef: "mixed", variant: "fixed", knobs: fixed, seed });
      expect(ev.result.anomalyTypes).not.toContain("liveness:progress");
    }
  }, 120_000);
});
