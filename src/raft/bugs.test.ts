/**
 * The checks have teeth: each deliberately broken switch is caught, by the invariant checks or by
 * stale-read detection, within 200 seeds of a fault mix that reaches its mechanism; the same mix
 * without the switch stays clean.
 */
import { describe, expect, it } from "vitest";
import {
  LEASE_TEST_TIMING,
  type RegisterRunConfig,
  type RegisterRunResult,
  runRegister,
  swarmConfig,
} from "./harness.ts";
import { DEMO_TIMING, type RaftHostBugs } from "./host.ts";

const MAX_SEEDS = 200;

function failure(r: RegisterRunResult): string | undefined {
  if (r.violation !== undefined) return r.violation.name;
  if (r.staleRead !== undefined) return "stale-read";
  return undefined;
}

/** Runs seeds 1..MAX_SEEDS until one fails; returns the first failing seed and what failed. */
function hunt(
  config: (seed: number) => RegisterRunConfig,
): { seed: number; kind: string; detail: string } | undefined {
  for (let seed = 1; seed <= MAX_SEEDS; seed++) {
    const r = runRegister(config(seed));
    const kind = failure(r);
    if (kind !== undefined) return { seed, kind, detail: r.violation?.message ?? r.staleRead ?? "" };
  }
  return undefined;
}

function clean(config: (seed: number) => RegisterRunConfig, seeds: number): string[] {
  const bad: string[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const r = runRegister(config(seed));
    const kind = failure(r);
    if (kind !== undefined) bad.push(`seed ${seed}: ${kind}: ${r.violation?.message ?? r.staleRead}`);
  }
  return bad;
}

const withBugs = (c: RegisterRunConfig, bugs: RaftHostBugs): RegisterRunConfig => ({
  ...c,
  cluster: { ...c.cluster, bugs },
});

/**
 * Figure 8 needs a leader whose entries stay on a minority (cut off right after its election),
 * then a leader of an older log that commits old entries by count while catching a follower up
 * one entry at a time, cut off before its own entry arrives. Leader-aimed faults, many clients
 * (so an isolated leader holds many unreplicated entries) and a one-entry window reach it.
 */
function figure8(seed: number): RegisterRunConfig {
  return {
    seed,
    nodes: 3,
    timing: DEMO_TIMING,
    net: { minDelayUs: 2_000, maxDelayUs: 20_000 },
    clients: 16,
    thinkUs: [1_000, 10_000],
    readRatio: 0.1,
    readMode: "read-index",
    faultUs: 10_000_000,
    faults: { "isolate-new-leader": 2, "crash-new-leader": 2, "crash-leader": 1 },
    faultDurUs: [100_000, 1_000_000],
    settleUs: 3_000_000,
    cluster: { maxEntriesPerMsg: 1, maxInflightMsgs: 1 },
  };
}

/**
 * An old leader cut off keeps serving lease reads; clock skew on it and on the voters (within the
 * drift bound of the configured margin) moves the instants the lease and the election timers see.
 */
function leaseSkew(seed: number, maxSkewUs?: number): RegisterRunConfig {
  return {
    seed,
    nodes: 3,
    timing: LEASE_TEST_TIMING,
    net: { minDelayUs: 200, maxDelayUs: 1_000 },
    clients: 6,
    thinkUs: [1_000, 5_000],
    readRatio: 0.7,
    readMode: "lease",
    opTimeoutUs: 30_000,
    faultUs: 4_000_000,
    faults: { "isolate-leader": 3, "skew-leader": 5, "clock-skew": 5 },
    faultDurUs: [100_000, 600_000],
    maxSkewUs,
    settleUs: 3_000_000,
  };
}

describe("broken switches are caught", () => {
  it("commitPreviousTermByCount (Figure 8) breaks leader completeness", () => {
    const found = hunt((seed) => withBugs(figure8(seed), { commitPreviousTermByCount: true }));
    expect(found, "not caught within 200 seeds").toBeDefined();
    expect(found!.kind).toMatch(/^invariant:(leader-completeness|state-machine-safety|log-matching)$/);
  });

  it("voteWithoutLogCheck elects leaders without committed entries", () => {
    const found = hunt((seed) => withBugs(swarmConfig(seed), { voteWithoutLogCheck: true }));
    expect(found, "not caught within 200 seeds").toBeDefined();
    expect(found!.kind).toMatch(/^invariant:/);
  });

  it("leaseWithoutDriftBound serves stale reads under clock skew the margin would absorb", () => {
    const found = hunt((seed) => withBugs(leaseSkew(seed), { leaseWithoutDriftBound: true }));
    expect(found, "not caught within 200 seeds").toBeDefined();
    expect(found!.kind).toBe("stale-read");
  });

  it("even with the margin, clock skew beyond the drift bound makes lease reads stale", () => {
    const bound = Math.floor((LEASE_TEST_TIMING.leaseMarginUs - LEASE_TEST_TIMING.tickUs) / 4);
    const found = hunt((seed) => leaseSkew(seed, 8 * bound));
    expect(found, "not caught within 200 seeds").toBeDefined();
    expect(found!.kind).toBe("stale-read");
  });
});

describe("the same fault mixes without the switches stay clean", () => {
  it("Figure 8 mix", () => {
    expect(clean(figure8, 30)).toEqual([]);
  });

  it("lease and skew mix", () => {
    expect(clean((seed) => leaseSkew(seed), 100)).toEqual([]);
  });
});
