/**
 * Scheduling strategies for the tasks inside one simulated process.
 *
 * A task is any cooperative routine the host runs (a client command, a background loop). At each
 * of its scheduling points the host asks `delay(task)`: how many simulated µs the task stalls
 * before it goes on, as a preempted goroutine would. 0 means "continue at once": the host resumes
 * it synchronously, with no event, so the no-pause path costs a draw and nothing else.
 *
 * Every decision is a draw on one named stream (src/engine/rng.ts), so it lands on the choice tape,
 * and a choice of 0 always means "no pause" (or "no priority change"): a shrinker that lowers tape
 * entries removes pauses, and a shrunk repro keeps only those that matter. `off` draws nothing at
 * all, so a run with scheduling off has exactly the tape it had before scheduling existed.
 *
 * The module knows nothing of what the tasks do; the host names its points for its own traces.
 */
import type { Stream } from "./rng.ts";

export type ScheduleStrategy = "off" | "random" | "pct" | "pos";

export interface ScheduleParams {
  strategy: ScheduleStrategy;
  /** random: chance that a scheduling point pauses at all. */
  pauseChance: number;
  /** random: an ordinary preemption lasts [min, max] µs. */
  preemptMinUs: number;
  preemptMaxUs: number;
  /** random: share of pauses that are long stops (a GC pause, a descheduled thread). */
  longPauseChance: number;
  /** random: a long stop lasts [min, max] ms. */
  longPauseMinMs: number;
  longPauseMaxMs: number;
  /** pct: bug depth d; d − 1 priority-change points are drawn up front. */
  pctDepth: number;
  /** pct: the expected number of scheduling points of a run, over which change points are spread. */
  pctSteps: number;
  /** pct: stall per live task of higher priority, µs. */
  pctQuantumUs: number;
  /** pos: a point's fresh priority is one of this many slots. */
  posSlots: number;
  /** pos: µs per priority slot. */
  posQuantumUs: number;
}

/** Ids the host gives back to `delay` and `end`. */
export type TaskId = number;

/**
 * PCT (Burckhardt et al., ASPLOS 2010) in a discrete-event simulator. The original runs one thread
 * at a time: the enabled thread of highest priority runs; a thread that reaches one of the d − 1
 * change points (drawn up front among the k expected steps) drops below every initial priority.
 * Here tasks do not take turns, they advance in simulated time, so "a lower-priority task waits
 * while higher ones run" becomes a stall at each scheduling point proportional to the number of
 * live tasks of higher priority (`pctQuantumUs` each): the highest-priority task never stalls,
 * the lowest stalls longest, and a task that hits a change point starts stalling behind everyone.
 * A step is one scheduling point of any task, counted across the run. Priorities are drawn as
 * integers where ties are "not higher", so an all-zero tape gives equal priorities and no stalls;
 * a change point drawn as 0 is "none", so zeros also remove change points.
 *
 * POS (Yuan et al., CAV 2018) gives every event a fresh random priority and runs the ready event
 * of highest priority. Here the events are the tasks' scheduling points: each draws a fresh
 * priority slot and stalls that many quanta, so tasks that reach points close together go on in
 * an order drawn afresh at every point, with no priority carried from one point to the next (the
 * difference from PCT).
 */
export class Scheduler {
  /** False for `off`: the host can skip scheduling points entirely. */
  readonly active: boolean;
  readonly strategy: ScheduleStrategy;
  private nextTask = 1;
  private steps = 0;
  /** pct: live tasks and their priorities. */
  private readonly priority = new Map<TaskId, number>();
  /** pct: step numbers (1-based) at which the running task drops to the lowest priority. */
  private readonly changePoints = new Set<number>();
  private lowest = 0;

  constructor(
    private readonly p: ScheduleParams,
    private readonly rng: Stream,
  ) {
    this.strategy = p.strategy;
    this.active = p.strategy !== "off";
    if (p.strategy === "pct") {
      const k = Math.max(1, Math.floor(p.pctSteps));
      for (let i = 1; i < Math.max(1, Math.floor(p.pctDepth)); i++) {
        const c = rng.int(k + 1);
        if (c > 0) this.changePoints.add(c);
      }
    }
  }

  /** The distinct step numbers at which PCT changes a priority (for tests and traces). */
  get pctChangePoints(): number[] {
    return [...this.changePoints].sort((a, b) => a - b);
  }

  /** A new task starts (pct draws its priority). */
  begin(): TaskId {
    const id = this.nextTask++;
    if (this.p.strategy === "pct") this.priority.set(id, this.rng.int(1 << 20));
    return id;
  }

  /** The task finished or was abandoned. */
  end(task: TaskId): void {
    if (this.p.strategy === "pct") this.priority.delete(task);
  }

  /** Every task ended at once (the process they ran in crashed or restarted). */
  endAll(): void {
    this.priority.clear();
  }

  /** Stall of `task` at its next scheduling point, in simulated µs (0 = go on at once). */
  delay(task: TaskId): number {
    const p = this.p;
    switch (p.strategy) {
      case "off":
        return 0;
      case "random": {
        if (!this.rng.chance(p.pauseChance)) return 0;
        if (this.rng.chance(p.longPauseChance))
          return this.rng.range(p.longPauseMinMs, p.longPauseMaxMs) * 1000;
        return this.rng.range(p.preemptMinUs, p.preemptMaxUs);
      }
      case "pos":
        return this.rng.int(Math.max(1, Math.floor(p.posSlots))) * p.posQuantumUs;
      case "pct": {
        this.steps++;
        let mine = this.priority.get(task);
        if (mine === undefined) {
          // A task the host did not announce: give it a priority now.
          mine = this.rng.int(1 << 20);
          this.priority.set(task, mine);
        }
        if (this.changePoints.has(this.steps)) {
          mine = --this.lowest;
          this.priority.set(task, mine);
        }
        let higher = 0;
        for (const q of this.priority.values()) if (q > mine) higher++;
        return higher * p.pctQuantumUs;
      }
    }
  }

  /**
   * Orders tasks that become ready together (the waiters of one batch): a seeded shuffle, except
   * under `off`, which keeps the order they arrived in and draws nothing. Shuffles in place.
   */
  order<T>(xs: T[]): T[] {
    if (!this.active || xs.length < 2) return xs;
    return this.rng.shuffle(xs);
  }
}

/** Parameters that never pause: with strategy "off" the coarse model; with another, order only. */
export const NO_PAUSES: Readonly<ScheduleParams> = Object.freeze({
  strategy: "off",
  pauseChance: 0,
  preemptMinUs: 0,
  preemptMaxUs: 0,
  longPauseChance: 0,
  longPauseMinMs: 0,
  longPauseMaxMs: 0,
  pctDepth: 1,
  pctSteps: 1,
  pctQuantumUs: 0,
  posSlots: 1,
  posQuantumUs: 0,
});

/** A scheduler that never pauses and draws nothing (the coarse model). */
export function offScheduler(rng: Stream): Scheduler {
  return new Scheduler(NO_PAUSES, rng);
}
