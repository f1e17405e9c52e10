import fc from "fast-check";
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { Arc4, RandomSource, type Stream } from "./rng.ts";

const seedArb = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

function draw(s: Stream, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < k; i++) out.push(s.int(1000));
  return out;
}

describe("RandomSource timed streams", () => {
  it("draw at an instant what that instant gives, whatever was drawn at other instants", () => {
    fc.assert(
      fc.property(seedArb, fc.array(fc.nat(5), { minLength: 1, maxLength: 8 }), (seed, extra) => {
        let now = 0;
        const a = new RandomSource({ seed }).timedStream("net", () => now);
        const b = new RandomSource({ seed }).timedStream("net", () => now);
        const seen: number[][] = [];
        for (let t = 0; t < extra.length; t++) {
          now = t * 1000;
          seen.push(draw(a, 3));
          // b draws some extra values at t + 1 µs: the next instant's draws stay the same.
          draw(b, 3);
          now = t * 1000 + 1;
          draw(b, extra[t]!);
        }
        now = 0;
        const c = new RandomSource({ seed }).timedStream("net", () => now);
        for (let t = extra.length - 1; t >= 0; t--) {
          now = t * 1000;
          expect(draw(c, 3)).toEqual(seen[t]);
        }
      }),
      { numRuns: 50 },
    );
  });

  it("differ by name and by seed, and read the shared tape when replaying one", () => {
    const now = () => 42;
    const x = draw(new RandomSource({ seed: 1 }).timedStream("a", now), 5);
    expect(draw(new RandomSource({ seed: 1 }).timedStream("b", now), 5)).not.toEqual(x);
    expect(draw(new RandomSource({ seed: 2 }).timedStream("a", now), 5)).not.toEqual(x);
    const src = new RandomSource({ tape: [3, 1, 4] });
    expect(draw(src.timedStream("a", now), 4)).toEqual([3, 1, 4, 0]);
  });
});

describe("RandomSource keyed timed streams", () => {
  it("draw at an instant what the key and instant give, whatever other keys drew there", () => {
    fc.assert(
      fc.property(seedArb, fc.array(fc.nat(4), { minLength: 1, maxLength: 6 }), (seed, others) => {
        let now = 0;
        const clock = () => now;
        const alone = new RandomSource({ seed }).keyedTimedStream("sched", clock, "p1/o7");
        const src = new RandomSource({ seed });
        const mine = src.keyedTimedStream("sched", clock, "p1/o7");
        const shared = src.timedStream("sched", clock);
        for (let t = 0; t < others.length; t++) {
          now = t * 500;
          // Other tasks (and the stream without a key) draw before this one at the same instant.
          for (let k = 0; k < others[t]!; k++) draw(src.keyedTimedStream("sched", clock, `p0/o${k}`), 2);
          draw(shared, others[t]!);
          expect(draw(mine, 3)).toEqual(draw(alone, 3));
        }
      }),
      { numRuns: 50 },
    );
  });

  it("differ by key, and read the shared tape when replaying one", () => {
    const now = () => 42;
    const src = new RandomSource({ seed: 3 });
    const a = draw(src.keyedTimedStream("s", now, "a"), 5);
    expect(draw(src.keyedTimedStream("s", now, "b"), 5)).not.toEqual(a);
    expect(draw(src.timedStream("s", now), 5)).not.toEqual(a);
    expect(draw(new RandomSource({ seed: 3 }).keyedTimedStream("s", now, "a"), 5)).toEqual(a);
    const tape = new RandomSource({ tape: [3, 1, 4] });
    expect(draw(tape.keyedTimedStream("s", now, "a"), 2)).toEqual([3, 1]);
    expect(draw(tape.keyedTimedStream("s", now, "b"), 2)).toEqual([4, 0]);
    expect(tape.tape).toEqual([3, 1, 4, 0]);
  });
});

describe("RandomSource streams", () => {
  it('a seeded stream draws exactly what seedrandom("<seed>/<name>") gives', () => {
    fc.assert(
      fc.property(seedArb, fc.string(), fc.integer({ min: 1, max: 2 ** 32 }), (seed, name, n) => {
        const ref = seedrandom(`${seed}/${name}`);
        const arc = new Arc4(`${seed}/${name}`);
        const s = new RandomSource({ seed }).stream(name);
        for (let i = 0; i < 20; i++) {
          const u = ref.int32() >>> 0;
          expect(arc.u32()).toBe(u);
          expect(s.int(n)).toBe(Math.floor((u * n) / 2 ** 32));
        }
      }),
      { numRuns: 100 },
    );
  });

  it("same seed and name give the same draws; different names differ", () => {
    const a = new RandomSource({ seed: 7 }).stream("net");
    const b = new RandomSource({ seed: 7 }).stream("net");
    const c = new RandomSource({ seed: 7 }).stream("faults");
    const xa = draw(a, 50);
    expect(draw(b, 50)).toEqual(xa);
    expect(draw(c, 50)).not.toEqual(xa);
  });

  it("stream(name) returns the same stream object for the same name", () => {
    const rs = new RandomSource({ seed: 1 });
    expect(rs.stream("x")).toBe(rs.stream("x"));
  });

  it("streams are independent: drawing from new streams never changes another stream's values", () => {
    fc.assert(
      fc.property(
        seedArb,
        fc.array(fc.tuple(fc.constantFrom("a", "b", "client-3", "faults"), fc.integer({ min: 1, max: 20 })), {
          maxLength: 12,
        }),
        (seed, interleave) => {
          const alone = draw(new RandomSource({ seed }).stream("net"), 60);
          const rs = new RandomSource({ seed });
          const net = rs.stream("net");
          const mixed: number[] = [];
          // Interleave draws from other streams (created lazily) between draws from "net".
          for (const [name, k] of interleave) {
            mixed.push(...draw(net, 5));
            const other = rs.stream(name);
            for (let i = 0; i < k; i++) other.float();
          }
          mixed.push(...draw(net, 60 - mixed.length));
          expect(mixed.slice(0, 60)).toEqual(alone);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("values are in range and roughly uniform", () => {
    const s = new RandomSource({ seed: 3 }).stream("u");
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const v = s.int(10);
      expect(Number.isInteger(v) && v >= 0 && v < 10).toBe(true);
      counts[v]++;
    }
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(250);
    for (let i = 0; i < 1000; i++) {
      const f = s.float();
      expect(f >= 0 && f < 1).toBe(true);
      const r = s.range(-3, 4);
      expect(r >= -3 && r <= 4).toBe(true);
    }
    let hits = 0;
    for (let i = 0; i < 20_000; i++) if (s.chance(0.3)) hits++;
    expect(Math.abs(hits / 20_000 - 0.3)).toBeLessThan(0.02);
    expect(s.int(2 ** 40)).toBeLessThan(2 ** 40);
  });

  it("shuffle is a permutation", () => {
    fc.assert(
      fc.property(seedArb, fc.array(fc.integer(), { maxLength: 30 }), (seed, xs) => {
        const s = new RandomSource({ seed }).stream("sh");
        const ys = s.shuffle(xs.slice());
        expect([...ys].sort((a, b) => a - b)).toEqual([...xs].sort((a, b) => a - b));
      }),
      { numRuns: 100 },
    );
  });

  it("rejects bad arguments", () => {
    const s = new RandomSource({ seed: 1 }).stream("bad");
    expect(() => s.int(0)).toThrow(RangeError);
    expect(() => s.int(1.5)).toThrow(RangeError);
    expect(() => s.range(5, 4)).toThrow(RangeError);
    expect(() => s.pick([])).toThrow(RangeError);
    expect(() => new RandomSource({ seed: Number.NaN })).toThrow(TypeError);
  });
});

describe("choice tape", () => {
  it("records every choice in global call order in seed mode", () => {
    const rs = new RandomSource({ seed: 11 });
    const a = rs.stream("a");
    const b = rs.stream("b");
    const got = [a.int(5), b.int(7), a.chance(0.5) ? 1 : 0, b.range(10, 12) - 10];
    expect(rs.tape).toEqual(got);
    expect(rs.choices).toBe(4);
  });

  it("replaying a recorded tape reproduces every draw, across streams", () => {
    fc.assert(
      fc.property(seedArb, fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 80 }), (seed, ops) => {
        const run = (rs: RandomSource) => {
          const s = [rs.stream("x"), rs.stream("y"), rs.stream("z")];
          const out: unknown[] = [];
          ops.forEach((op, i) => {
            const st = s[i % 3];
            if (op === 0) out.push(st.int(17));
            else if (op === 1) out.push(st.range(-5, 5));
            else if (op === 2) out.push(st.chance(0.4));
            else if (op === 3) out.push(st.float());
            else if (op === 4) out.push(st.pick(["p", "q", "r"]));
            else out.push(st.shuffle([1, 2, 3, 4]));
          });
          return out;
        };
        const rec = new RandomSource({ seed });
        const first = run(rec);
        const rep = new RandomSource({ tape: rec.tape.slice() });
        expect(run(rep)).toEqual(first);
        expect(rep.tape).toEqual(rec.tape);
      }),
      { numRuns: 200 },
    );
  });

  it("an empty tape makes every choice the least eventful one", () => {
    const s = new RandomSource({ tape: [] }).stream("z");
    expect(s.int(9)).toBe(0);
    expect(s.range(3, 8)).toBe(3);
    expect(s.chance(0.999)).toBe(false);
    expect(s.float()).toBe(0);
    expect(s.pick(["first", "second"])).toBe("first");
    expect(s.shuffle([1, 2, 3, 4, 5])).toEqual([1, 2, 3, 4, 5]);
  });

  it("clamps out-of-range tape values and records the value actually used", () => {
    const rs = new RandomSource({ tape: [7, -3, 2.7, Number.NaN, 5, 1e300] });
    const s = rs.stream("c");
    expect(s.int(3)).toBe(2);
    expect(s.int(3)).toBe(0);
    expect(s.int(3)).toBe(2);
    expect(s.int(3)).toBe(0);
    expect(s.chance(0.5)).toBe(true);
    expect(s.int(10)).toBe(9);
    expect(rs.tape).toEqual([2, 0, 2, 0, 1, 9]);
  });

  it("chance(0) is never true and chance(1) always is, whatever the tape says", () => {
    const s = new RandomSource({ tape: [1, 0] }).stream("p");
    expect(s.chance(0)).toBe(false);
    expect(s.chance(1)).toBe(true);
  });

  it("the tape view extends in place and record:false keeps nothing", () => {
    const rs = new RandomSource({ seed: 2 });
    const s = rs.stream("v");
    s.int(4);
    const view = rs.tape;
    s.int(4);
    expect(rs.tape).toBe(view);
    expect(view.length).toBe(2);
    const quiet = new RandomSource({ seed: 2, record: false });
    quiet.stream("v").int(4);
    expect(quiet.tape).toEqual([]);
    expect(quiet.choices).toBe(1);
  });
});
