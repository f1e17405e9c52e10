/**
 * Property: across 500 seeds, each drawing its own configuration (swarm testing: cluster size,
 * timing, which fault kinds are on and how often, message loss, flow control, persistence), every
 * Raft invariant holds, no read is stale, and once the faults end and everything is healed the
 * cluster elects a leader and converges within a bounded simulated time. Safety and liveness are
 * reported separately.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type RegisterRunResult, runRegister, swarmConfig } from "./harness.ts";

const SEEDS = 500;

describe(`Raft under random faults (${SEEDS} seeds)`, () => {
  const results: Array<{ seed: number; r: RegisterRunResult }> = [];

  beforeAll(() => {
    for (let seed = 1; seed <= SEEDS; seed++) results.push({ seed, r: runRegister(swarmConfig(seed)) });
  });

  it("safety: every invariant holds and no read is stale", () => {
    const bad = results
      .filter(({ r }) => r.violation !== undefined || r.staleRead !== undefined)
      .map(
        ({ seed, r }) =>
          `seed ${seed}: ${r.violation ? `${r.violation.name}: ${r.violation.message}` : r.staleRead}`,
      );
    expect(bad).toEqual([]);
  });

  it("liveness: after healing, a leader is elected and all nodes converge", () => {
    const stuck = results
      .filter(({ r }) => r.liveness !== undefined)
      .map(({ seed, r }) => `seed ${seed}: ${r.liveness}`);
    expect(stuck).toEqual([]);
  });

  it("the runs exercised what they claim to", () => {
    const sum = (f: (r: RegisterRunResult) => number) => results.reduce((a, { r }) => a + f(r), 0);
    expect(sum((r) => r.faults)).toBeGreaterThan(SEEDS * 2);
    expect(sum((r) => r.writes.acked)).toBeGreaterThan(SEEDS * 50);
    expect(sum((r) => r.writes.unknown)).toBeGreaterThan(0);
    expect(sum((r) => r.reads.leaseFast)).toBeGreaterThan(SEEDS * 10);
    expect(sum((r) => (r.leaderChanges > 0 ? 1 : 0))).toBeGreaterThan(SEEDS / 4);
  });
});
