import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Clocks } from "./clock.ts";
import { Simulation } from "./sim.ts";

describe("Simulation", () => {
  it("runs events in (time, insertion) order and advances now", () => {
    const sim = new Simulation();
    const seen: string[] = [];
    sim.schedule(10, () => seen.push(`a@${sim.now}`));
    sim.schedule(5, () => seen.push(`b@${sim.now}`));
    sim.at(10, () => seen.push(`c@${sim.now}`));
    sim.schedule(0, () => {
      seen.push(`d@${sim.now}`);
      sim.schedule(0, () => seen.push(`e@${sim.now}`));
    });
    expect(sim.run()).toBe("idle");
    expect(seen).toEqual(["d@0", "e@0", "b@5", "a@10", "c@10"]);
    expect(sim.now).toBe(10);
    expect(sim.eventCount).toBe(5);
  });

  it("rounds delays and rejects negative delays and times in the past", () => {
    const sim = new Simulation();
    sim.schedule(2.6, () => {});
    sim.run();
    expect(sim.now).toBe(3);
    expect(() => sim.schedule(-1, () => {})).toThrow(RangeError);
    expect(() => sim.schedule(Number.NaN, () => {})).toThrow(RangeError);
    expect(() => sim.at(2, () => {})).toThrow(RangeError);
  });

  it("cancel skips an event; cancelling twice or after it ran is harmless", () => {
    const sim = new Simulation();
    const seen: number[] = [];
    const a = sim.schedule(1, () => seen.push(1));
    const b = sim.schedule(2, () => seen.push(2));
    sim.schedule(3, () => seen.push(3));
    sim.cancel(b);
    sim.cancel(b);
    sim.run({ untilUs: 1 });
    sim.cancel(a);
    sim.run();
    expect(seen).toEqual([1, 3]);
    expect(sim.eventCount).toBe(2);
  });

  it("stops on each limit with the right reason", () => {
    const sim = new Simulation();
    let n = 0;
    const tick = () => {
      n++;
      sim.schedule(100, tick);
    };
    sim.schedule(0, tick);
    expect(sim.run({ untilUs: 1_050 })).toBe("time");
    expect(n).toBe(11);
    expect(sim.now).toBe(1_050);
    expect(sim.run({ maxEvents: 5 })).toBe("events");
    expect(n).toBe(16);
    expect(sim.run({ until: () => n >= 20 })).toBe("predicate");
    expect(n).toBe(20);
    expect(sim.run({ until: () => true })).toBe("predicate");
    expect(n).toBe(20);
  });

  it("refuses to run from inside an event", () => {
    const sim = new Simulation();
    let err: unknown;
    sim.schedule(1, () => {
      try {
        sim.run();
      } catch (e) {
        err = e;
      }
    });
    sim.run();
    expect(err).toBeInstanceOf(Error);
  });

  it("matches a sorted-list model under random schedules and cancels", () => {
    type Op = { kind: "add"; delay: number; nested: number } | { kind: "cancel"; which: number };
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("add" as const),
        delay: fc.integer({ min: 0, max: 50 }),
        nested: fc.integer({ min: -1, max: 20 }),
      }),
      fc.record({ kind: fc.constant("cancel" as const), which: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000, size: "max" }), (ops: Op[]) => {
        const sim = new Simulation();
        const got: Array<[number, number]> = [];
        const model: Array<{ t: number; seq: number; label: number; live: boolean }> = [];
        const ids: number[] = [];
        let label = 0;
        for (const o of ops) {
          if (o.kind === "add") {
            const me = label++;
            const nested = o.nested;
            const id = sim.schedule(o.delay, () => {
              got.push([sim.now, me]);
              // An event scheduled from inside an event at the same time runs after every queued one.
              if (nested >= 0) sim.schedule(nested, () => got.push([sim.now, -1]));
            });
            ids.push(id);
            model.push({ t: o.delay, seq: id, label: me, live: true });
          } else if (ids.length > 0) {
            const i = o.which % ids.length;
            sim.cancel(ids[i]);
            model[i].live = false;
          }
        }
        sim.run();
        const expected = model
          .filter((m) => m.live)
          .sort((a, b) => a.t - b.t || a.seq - b.seq)
          .map((m) => [m.t, m.label]);
        expect(got.filter(([, l]) => l >= 0)).toEqual(expected);
        for (let i = 1; i < got.length; i++) expect(got[i][0]).toBeGreaterThanOrEqual(got[i - 1][0]);
      }),
      { numRuns: 60 },
    );
  });

  it("cancels from inside events (timeouts that a reply beat) keep the order exact", () => {
    // Most events cancel others still queued, so the queue is rebuilt without them mid-run.
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            delay: fc.integer({ min: 0, max: 200 }),
            cancels: fc.array(fc.nat(), { maxLength: 3 }),
          }),
          { minLength: 1, maxLength: 2000 },
        ),
        (specs) => {
          const sim = new Simulation();
          const got: number[] = [];
          const ids: number[] = [];
          specs.forEach((sp, me) => {
            ids.push(
              sim.schedule(sp.delay, () => {
                got.push(me);
                for (const c of sp.cancels) sim.cancel(ids[c % ids.length]!);
              }),
            );
          });
          sim.run();
          const order = specs.map((sp, i) => ({ t: sp.delay, i })).sort((a, b) => a.t - b.t || a.i - b.i);
          const cancelled = new Set<number>();
          const expected: number[] = [];
          for (const { i } of order) {
            if (cancelled.has(i)) continue;
            expected.push(i);
            for (const c of specs[i]!.cancels) cancelled.add(c % specs.length);
          }
          expect(got).toEqual(expected);
          expect(sim.queued).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("trace hash depends on labels and times", () => {
    const h = (labels: string[], gap: number) => {
      const sim = new Simulation();
      labels.forEach((l, i) => {
        sim.schedule(i * gap, () => sim.trace(l));
      });
      sim.run();
      return sim.traceHash();
    };
    expect(h(["a", "b"], 1)).toBe(h(["a", "b"], 1));
    expect(h(["a", "b"], 1)).not.toBe(h(["b", "a"], 1));
    expect(h(["a", "b"], 1)).not.toBe(h(["a", "b"], 2));
    expect(h([], 1)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("Clocks", () => {
  it("adds skew to simulated time, never goes negative, and can go backwards", () => {
    const sim = new Simulation();
    const clocks = new Clocks(sim, 3);
    sim.schedule(5_000, () => {});
    sim.run();
    expect(clocks.wallUs(0)).toBe(5_000);
    clocks.setSkew(1, -10_000);
    expect(clocks.wallUs(1)).toBe(0);
    clocks.setSkew(2, 1_500);
    expect(clocks.wallMs(2)).toBe(6);
    const before = clocks.wallUs(2);
    clocks.jump(2, -3_000);
    expect(clocks.wallUs(2)).toBe(before - 3_000);
    expect(clocks.skew(2)).toBe(-1_500);
    clocks.reset();
    expect(clocks.skew(2)).toBe(0);
    expect(() => clocks.wallUs(3)).toThrow(RangeError);
  });
});

describe("Simulation event kinds", () => {
  /** A small self-scheduling workload with cancellations; returns what ran and the trace hash. */
  function workload(): { ran: string[]; hash: string; events: number } {
    const sim = new Simulation();
    const ran: string[] = [];
    const tick = (n: number) => {
      ran.push(`tick${n}@${sim.now}`);
      if (n < 20) sim.scheduleWith((n * 7) % 5, tick, n + 1, "tick");
    };
    sim.scheduleWith(0, tick, 0, "tick");
    for (let i = 0; i < 10; i++) {
      const id = sim.schedule(i * 3, () => ran.push(`plain${i}@${sim.now}`));
      if (i % 3 === 0) sim.cancel(id);
    }
    sim.atWith(
      4,
      (m: { t: string }) => ran.push(m.t),
      { t: "msg" },
      (m) => `net:${m.t}`,
    );
    sim.run();
    return { ran, hash: sim.traceHash(), events: sim.eventCount };
  }

  it("counting by kind changes neither the order, the times nor the trace hash", () => {
    const plain = workload();
    const counts = new Map<string, number>();
    Simulation.countKindsInto = counts;
    let counted: ReturnType<typeof workload>;
    try {
      counted = workload();
    } finally {
      Simulation.countKindsInto = undefined;
    }
    expect(counted).toEqual(plain);
    expect(counts.get("tick")).toBe(21);
    expect(counts.get("net:msg")).toBe(1);
    expect(counts.get("anonymous")).toBe(6);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(plain.events);
  });
});
