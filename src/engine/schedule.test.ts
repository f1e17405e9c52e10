import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RandomSource } from "./rng.ts";
import { type ScheduleParams, Scheduler, type ScheduleStrategy } from "./schedule.ts";

const base: ScheduleParams = {
  strategy: "random",
  pauseChance: 0.3,
  preemptMinUs: 1,
  preemptMaxUs: 200,
  longPauseChance: 0.1,
  longPauseMinMs: 1,
  longPauseMaxMs: 20,
  pctDepth: 3,
  pctSteps: 200,
  pctQuantumUs: 50,
  posSlots: 5,
  posQuantumUs: 20,
};

const strategies: ScheduleStrategy[] = ["off", "random", "pct", "pos"];

/** A fixed pattern of task starts, points and ends; returns every delay. */
function drive(s: Scheduler, steps: number): number[] {
  const out: number[] = [];
  const live: number[] = [];
  for (let i = 0; i < steps; i++) {
    if (live.length < 4 || i % 7 === 0) live.push(s.begin());
    const t = live[i % live.length]!;
    out.push(s.delay(t));
    if (i % 11 === 5) s.end(live.shift()!);
  }
  out.push(...s.order([1, 2, 3, 4, 5]));
  return out;
}

describe("Scheduler", () => {
  it("same seed gives the same decisions, for every strategy", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.constantFrom(...strategies), (seed, strategy) => {
        const a = drive(
          new Scheduler({ ...base, strategy }, new RandomSource({ seed }).stream("sched")),
          120,
        );
        const b = drive(
          new Scheduler({ ...base, strategy }, new RandomSource({ seed }).stream("sched")),
          120,
        );
        expect(b).toEqual(a);
      }),
      { numRuns: 60 },
    );
  });

  it("replaying the recorded tape gives the same decisions", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.constantFrom(...strategies), (seed, strategy) => {
        const src = new RandomSource({ seed });
        const a = drive(new Scheduler({ ...base, strategy }, src.stream("sched")), 120);
        const replay = new RandomSource({ tape: src.tape.slice() });
        const b = drive(new Scheduler({ ...base, strategy }, replay.stream("sched")), 120);
        expect(b).toEqual(a);
        expect(replay.tape).toEqual(src.tape);
      }),
      { numRuns: 60 },
    );
  });

  it("an all-zero tape pauses nothing and keeps arrival order", () => {
    for (const strategy of strategies) {
      const s = new Scheduler({ ...base, strategy }, new RandomSource({ tape: [] }).stream("sched"));
      const out = drive(s, 100);
      expect(out.slice(0, 100).every((d) => d === 0)).toBe(true);
      expect(out.slice(100)).toEqual([1, 2, 3, 4, 5]);
    }
  });

  it("off draws nothing", () => {
    const src = new RandomSource({ seed: 3 });
    const s = new Scheduler({ ...base, strategy: "off" }, src.stream("sched"));
    expect(s.active).toBe(false);
    drive(s, 200);
    expect(src.choices).toBe(0);
  });

  it("random pauses at about the configured rate, long ones in ms", () => {
    const s = new Scheduler(
      { ...base, pauseChance: 0.2, longPauseChance: 0.5 },
      new RandomSource({ seed: 9 }).stream("x"),
    );
    const t = s.begin();
    const ds = Array.from({ length: 5000 }, () => s.delay(t));
    const paused = ds.filter((d) => d > 0);
    expect(paused.length).toBeGreaterThan(800);
    expect(paused.length).toBeLessThan(1200);
    expect(paused.some((d) => d >= 1000)).toBe(true);
    expect(paused.every((d) => (d >= 1 && d <= 200) || (d >= 1000 && d <= 20_000))).toBe(true);
  });

  it("PCT draws d − 1 change points up front, within the expected steps", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 8 }), (seed, depth) => {
        const src = new RandomSource({ seed });
        const s = new Scheduler(
          { ...base, strategy: "pct", pctDepth: depth, pctSteps: 1000 },
          src.stream("s"),
        );
        expect(src.choices).toBe(depth - 1);
        expect(s.pctChangePoints.length).toBeLessThanOrEqual(depth - 1);
        expect(s.pctChangePoints.every((c) => c >= 1 && c <= 1000)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("PCT: the highest-priority task never stalls; a change point sends a task behind everyone", () => {
    // Tape: change point at step 2; priorities 30, 20, 10 for tasks a, b, c.
    const s = new Scheduler(
      { ...base, strategy: "pct", pctDepth: 2, pctSteps: 10, pctQuantumUs: 100 },
      new RandomSource({ tape: [2, 30, 20, 10] }).stream("s"),
    );
    const a = s.begin();
    const b = s.begin();
    const c = s.begin();
    expect(s.delay(a)).toBe(0); // step 1: a is highest
    expect(s.delay(a)).toBe(200); // step 2: change point, a drops below b and c
    expect(s.delay(c)).toBe(100); // b still above c
    s.end(b);
    expect(s.delay(c)).toBe(0);
  });

  it("POS draws a fresh priority at every point", () => {
    const s = new Scheduler({ ...base, strategy: "pos" }, new RandomSource({ tape: [0, 4, 2] }).stream("s"));
    const t = s.begin();
    expect([s.delay(t), s.delay(t), s.delay(t)]).toEqual([0, 80, 40]);
  });

  it("a keyed task draws the same whatever other keyed tasks begin and draw beside it", () => {
    for (const strategy of ["random", "pct", "pos"] as const) {
      const p = { ...base, strategy, pauseChance: 0.5 };
      const run = (others: number) => {
        const src = new RandomSource({ seed: 11 });
        const now = () => 7;
        const s = new Scheduler(p, src.timedStream("s", now), (k) => src.keyedTimedStream("s", now, k));
        const before = Array.from({ length: others }, (_, i) => s.begin(`other${i}`));
        for (const o of before) s.delay(o);
        const t = s.begin("mine");
        return [s.delay(t), s.delay(t), s.delay(t), s.delay(t)];
      };
      const alone = run(0);
      // PCT's stall counts the live tasks of higher priority, so only its own draws can be equal.
      if (strategy !== "pct") for (const n of [1, 3, 6]) expect(run(n)).toEqual(alone);
    }
  });

  it("order by task ranks keeps the others' relative order when one element goes", () => {
    for (let seed = 1; seed < 30; seed++) {
      const batch = (keys: string[]) => {
        const src = new RandomSource({ seed });
        const now = () => 5;
        const s = new Scheduler(base, src.timedStream("s", now), (k) => src.keyedTimedStream("s", now, k));
        const tasks = new Map(keys.map((k) => [k, s.begin(k)]));
        return s.order([...keys], (k) => tasks.get(k));
      };
      const all = batch(["a", "b", "c", "d", "e"]);
      expect([...all].sort()).toEqual(["a", "b", "c", "d", "e"]);
      expect(batch(["a", "b", "d", "e"])).toEqual(all.filter((k) => k !== "c"));
    }
  });

  it("order by task ranks: an all-zero tape keeps the arrival order; an unkeyed element shuffles", () => {
    const src = new RandomSource({ tape: [] });
    const now = () => 0;
    const s = new Scheduler(base, src.timedStream("s", now), (k) => src.keyedTimedStream("s", now, k));
    const tasks = ["a", "b", "c"].map((k) => s.begin(k));
    expect(s.order([0, 1, 2], (i) => tasks[i])).toEqual([0, 1, 2]);
    expect(src.tape).toEqual([0, 0, 0]);
    expect(s.order([0, 1, 2], () => undefined)).toEqual([0, 1, 2]);
    expect(src.tape).toEqual([0, 0, 0, 0, 0]);
  });

  it("order shuffles a batch for some seed and never loses an element", () => {
    let moved = false;
    for (let seed = 1; seed < 20; seed++) {
      const s = new Scheduler(base, new RandomSource({ seed }).stream("s"));
      const xs = s.order([1, 2, 3, 4]);
      expect([...xs].sort()).toEqual([1, 2, 3, 4]);
      if (xs.join() !== "1,2,3,4") moved = true;
    }
    expect(moved).toBe(true);
  });
});
