/**
 * Knobs of the scheduling points inside a node (src/engine/schedule.ts) and of how a command's
 * store reads are served (each read its own step; fenced per call; proxied to the leader from a
 * node that no longer leads). See docs/model.md for where each point sits.
 */

import type { Stream } from "../engine/rng.ts";
import type { ScheduleParams, ScheduleStrategy } from "../engine/schedule.ts";

export interface ScheduleKnobs {
  /**
   * `mixed` = each seed draws one of random / pct / pos in swarm mode (random without swarm);
   * `off` = the coarse model: no scheduling points, a batch of read waiters released in order.
   */
  schedStrategy: "mixed" | ScheduleStrategy;
  schedPauseChance: number;
  schedPreemptMinUs: number;
  schedPreemptMaxUs: number;
  schedLongPauseChance: number;
  schedLongPauseMinMs: number;
  schedLongPauseMaxMs: number;
  schedPctDepth: number;
  schedPctSteps: number;
  schedPctQuantumUs: number;
  schedPosSlots: number;
  schedPosQuantumUs: number;
  /** Each store read of a leader is fenced on its own: lease hit, else ReadIndex (demo: always ReadIndex). */
  readCallFence: boolean;
  /** A node that no longer leads sends its command's reads to the leader it knows, at the same ts. */
  readProxyToLeader: boolean;
}

export const defaultScheduleKnobs: Readonly<ScheduleKnobs> = Object.freeze({
  schedStrategy: "mixed",
  // A goroutine is preempted at one point in twenty for up to a fifth of a millisecond; one pause
  // in a hundred is a stop of milliseconds (a GC pause, a descheduled thread on a loaded host).
  schedPauseChance: 0.05,
  schedPreemptMinUs: 1,
  schedPreemptMaxUs: 200,
  schedLongPauseChance: 0.01,
  schedLongPauseMinMs: 1,
  schedLongPauseMaxMs: 20,
  schedPctDepth: 3,
  schedPctSteps: 20_000,
  schedPctQuantumUs: 50,
  schedPosSlots: 4,
  schedPosQuantumUs: 50,
  readCallFence: true,
  readProxyToLeader: true,
});

export const scheduleKnobDescriptions: Record<keyof ScheduleKnobs, string> = {
  schedStrategy:
    "scheduling of the tasks inside a node: random | pct | pos | off (the coarse model: no scheduling points) | mixed (in swarm mode each seed draws random (3 in 4), pct or pos (1 in 8 each); random otherwise)",
  schedPauseChance: "random strategy: chance that a scheduling point pauses the task",
  schedPreemptMinUs: "random strategy: shortest ordinary preemption (µs)",
  schedPreemptMaxUs: "random strategy: longest ordinary preemption (µs)",
  schedLongPauseChance: "random strategy: share of pauses that are long stops (GC pause, descheduled thread)",
  schedLongPauseMinMs: "random strategy: shortest long stop (ms)",
  schedLongPauseMaxMs: "random strategy: longest long stop (ms)",
  schedPctDepth: "pct strategy: bug depth d (d − 1 priority-change points per node and run)",
  schedPctSteps:
    "pct strategy: expected scheduling points per node and run, over which change points are drawn",
  schedPctQuantumUs: "pct strategy: stall per live task of higher priority at a scheduling point (µs)",
  schedPosSlots: "pos strategy: number of fresh priority slots a scheduling point draws from",
  schedPosQuantumUs: "pos strategy: stall per priority slot (µs)",
  readCallFence:
    "each store read of a command on the leader is fenced on its own: lease hit, else ReadIndex and wait (demo coordinator: a ReadIndex per read)",
  readProxyToLeader:
    "a store read on a node that no longer leads is served by the leader it knows, over the network, at the caller's timestamp",
};

/**
 * Values for a run recorded before these knobs existed (a repro file without them): the coarse
 * model, which replays such a run exactly as it was recorded.
 */
export const legacyScheduleKnobs: Readonly<Partial<ScheduleKnobs>> = Object.freeze({
  schedStrategy: "off",
  readCallFence: false,
  readProxyToLeader: false,
});

/**
 * The scheduling parameters of one run. In swarm mode (and unless the strategy is off) a seed
 * draws the strategy (for `mixed`) and scales the pause rate and PCT depth, on `rng`, after every
 * other swarm draw, so runs with scheduling off draw exactly what they drew before.
 */
const STRATEGIES: ReadonlyArray<ScheduleKnobs["schedStrategy"]> = ["mixed", "random", "pct", "pos", "off"];

/** Throws when a scheduling knob has a value no run can use. */
export function checkScheduleKnobs(k: Pick<ScheduleKnobs, "schedStrategy">): void {
  if (!STRATEGIES.includes(k.schedStrategy)) {
    throw new Error(
      `knob 'schedStrategy': expected one of ${STRATEGIES.join(", ")}, found '${k.schedStrategy}'`,
    );
  }
}

export function drawScheduleParams(k: ScheduleKnobs, rng: Stream, swarm: boolean): ScheduleParams {
  checkScheduleKnobs(k);
  let strategy: ScheduleStrategy = k.schedStrategy === "mixed" ? "random" : k.schedStrategy;
  let pauseChance = k.schedPauseChance;
  let pctDepth = k.schedPctDepth;
  if (swarm && strategy !== "off") {
    // Three seeds in four run random pauses (preemption and long stops; cheap, as most points go
    // on at once). PCT and POS stall at most points, so commands overlap more, conflict and retry
    // more: a run costs about twice the CPU per op, and each gets one seed in eight.
    if (k.schedStrategy === "mixed")
      strategy = rng.pick([
        "random",
        "random",
        "random",
        "pct",
        "random",
        "random",
        "random",
        "pos",
      ] as const);
    pauseChance = Math.min(1, pauseChance * [1, 0.2, 4][rng.int(3)]!);
    pctDepth = [pctDepth, 1, pctDepth + 2][rng.int(3)]!;
  }
  return {
    strategy,
    pauseChance,
    preemptMinUs: k.schedPreemptMinUs,
    preemptMaxUs: k.schedPreemptMaxUs,
    longPauseChance: k.schedLongPauseChance,
    longPauseMinMs: k.schedLongPauseMinMs,
    longPauseMaxMs: k.schedLongPauseMaxMs,
    pctDepth,
    pctSteps: k.schedPctSteps,
    pctQuantumUs: k.schedPctQuantumUs,
    posSlots: k.schedPosSlots,
    posQuantumUs: k.schedPosQuantumUs,
  };
}
