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
  /** Streams of the tasks begun with a key (only when the host gave `taskRng`). */
  private readonly taskStreams = new Map<TaskId, Stream>();
  /**
   * pct: the priority being compared and the count of live tasks above it, for `countHigher`,
   * which `delay` hands to the map's forEach: one function for every call, where a for-of over
   * the map's values made an iterator object at every scheduling point.
   */
  private mine = 0;
  private higher = 0;
  private readonly countHigher = (q: number): void => {
    if (q > this.mine) this.higher++;
  };

  /**
   * `taskRng`, when given, makes the stream a task begun with a key draws from: its own, so its
   * pauses, priority and place in a released batch do not depend on the draws of other tasks
   * (a task removed from a run leaves the others' scheduling as it was). Tasks begun without a
   * key, and the PCT change points, draw on `rng`.
   */
  constructor(
    private readonly p: ScheduleParams,
    private readonly rng: Stream,
    private readonly taskRng?: (key: string) => Stream,
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

  /**
   * A new task starts (pct draws its priority). `key` is the host's stable, opaque name for it
   * (see the constructor); the scheduler only derives the task's stream from it.
   */
  begin(key?: string): TaskId {
    const id = this.nextTask++;
    let rng = this.rng;
    if (this.taskRng !== undefined && key !== undefined) {
      rng = this.taskRng(key);
      this.taskStreams.set(id, rng);
    }
    if (this.p.strategy === "pct") this.priority.set(id, rng.int(1 << 20));
    return id;
  }

  /** The task finished or was abandoned. */
  end(task: TaskId): void {
    if (this.p.strategy === "pct") this.priority.delete(task);
    this.taskStreams.delete(task);
  }

  /** Every task ended at once (the process they ran in crashed or restarted). */
  endAll(): void {
    this.priority.clear();
    this.taskStreams.clear();
  }

  /** The stream `task` draws on (no lookup at all while no task has a stream of its own). */
  private streamOf(task: TaskId): Stream {
    if (this.taskStreams.size === 0) return this.rng;
    return this.taskStreams.get(task) ?? this.rng;
  }

  /** Stall of `task` at its next scheduling point, in simulated µs (0 = go on at once). */
  delay(task: TaskId): number {
    const p = this.p;
    switch (p.strategy) {
      case "off":
        return 0;
      case "random": {
        const rng = this.streamOf(task);
        if (!rng.chance(p.pauseChance)) return 0;
        if (rng.chance(p.longPauseChance)) return rng.range(p.longPauseMinMs, p.longPauseMaxMs) * 1000;
        return rng.range(p.preemptMinUs, p.preemptMaxUs);
      }
      case "pos":
        return this.streamOf(task).int(Math.max(1, Math.floor(p.posSlots))) * p.posQuantumUs;
      case "pct": {
        this.steps++;
        let mine = this.priority.get(task);
        if (mine === undefined) {
          // A task the host did not announce: give it a priority now.
          mine = this.streamOf(task).int(1 << 20);
          this.priority.set(task, mine);
        }
        if (this.changePoints.has(this.steps)) {
          mine = --this.lowest;
          this.priority.set(task, mine);
        }
        this.mine = mine;
        this.higher = 0;
        this.priority.forEach(this.countHigher);
        return this.higher * p.pctQuantumUs;
      }
    }
  }

  /**
   * Orders tasks that become ready together (the waiters of one batch): a seeded shuffle, except
   * under `off`, which keeps the order they arrived in and draws nothing. Reorders in place.
   *
   * With `taskOf` naming each element's task, and every one of those tasks drawing on its own
   * stream, each element instead draws a rank on its task's stream and the batch is sorted by rank
   * (ties keep the arrival order): an element's rank then does not depend on the others in the
   * batch, so removing one leaves the relative order of the rest unchanged. All-zero ranks keep
   * the arrival order, as an all-zero shuffle does.
   */
  order<T>(xs: T[], taskOf?: (x: T) => TaskId | undefined): T[] {
    if (!this.active || xs.length < 2) return xs;
    if (taskOf !== undefined && this.taskStreams.size > 0) {
      const streams: Stream[] = [];
      for (const x of xs) {
        const t = taskOf(x);
        const s = t === undefined ? undefined : this.taskStreams.get(t);
        if (s === undefined) return this.rng.shuffle(xs);
        streams.push(s);
      }
      const ranked = xs.map((x, i) => ({ x, i, rank: streams[i]!.int(ORDER_RANKS) }));
      ranked.sort((a, b) => a.rank - b.rank || a.i - b.i);
      for (let i = 0; i < xs.length; i++) xs[i] = ranked[i]!.x;
      return xs;
    }
    return this.rng.shuffle(xs);
  }
}

/** Ranks a task of a released batch draws from (see `Scheduler.order`); ties are rare. */
const ORDER_RANKS = 1 << 16;

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
