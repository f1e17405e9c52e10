import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Clocks } from "./clock.ts";
import { type Fault, Nemesis, registerNetworkFaults } from "./nemesis.ts";
import { Network } from "./network.ts";
import { RandomSource } from "./rng.ts";
import { bridge, majority, majorityRing, nodeRange, randomHalves } from "./shapes.ts";
import { Simulation } from "./sim.ts";

function world(nodes: number, opts: { seed: number } | { tape: number[] } = { seed: 1 }) {
  const sim = new Simulation();
  const rs = new RandomSource(opts);
  const net = new Network<string>(sim, rs.stream("network"), nodes, {
    minDelayUs: 10,
    maxDelayUs: 10,
    dropRate: 0,
    dupRate: 0,
    reorder: false,
  });
  const clocks = new Clocks(sim, nodes);
  const seen: Array<[string, number, string]> = [];
  const nemesis = new Nemesis(sim, rs.stream("nemesis"), {
    onFault: (f, at, phase) => seen.push([f.kind, at, phase]),
  });
  registerNetworkFaults(nemesis, net, clocks, rs.stream("faults"));
  return { sim, rs, net, clocks, nemesis, seen };
}

describe("Nemesis", () => {
  it("runs scripted faults and their stops, logging both phases", () => {
    const { sim, net, nemesis, seen } = world(3);
    nemesis.at(1_000, { kind: "isolate", args: { node: 2 }, durationUs: 500 });
    nemesis.at(3_000, { kind: "partition", args: { groups: [[0], [1, 2]] } });
    const checks: boolean[] = [];
    sim.at(1_200, () => checks.push(net.canDeliver(0, 2), net.canDeliver(0, 1)));
    sim.at(1_600, () => checks.push(net.canDeliver(0, 2)));
    sim.run();
    expect(checks).toEqual([false, true, true]);
    expect(seen).toEqual([
      ["isolate", 1_000, "start"],
      ["isolate", 1_500, "stop"],
      ["partition", 3_000, "start"],
    ]);
    expect(nemesis.log.map((l) => [l.atUs, l.phase])).toEqual([
      [1_000, "start"],
      [1_500, "stop"],
      [3_000, "start"],
    ]);
    expect(net.canDeliver(0, 1)).toBe(false);
  });

  it("custom kinds get their handlers; an unknown kind fails when it fires", () => {
    const { sim, nemesis } = world(3);
    const calls: string[] = [];
    nemesis.register(
      "crash",
      (f) => calls.push(`crash ${f.args?.node}`),
      (f) => calls.push(`restart ${f.args?.node}`),
    );
    nemesis.at(10, { kind: "crash", args: { node: 1 }, durationUs: 5 });
    sim.run();
    expect(calls).toEqual(["crash 1", "restart 1"]);
    nemesis.at(100, { kind: "no-such-fault" });
    expect(() => sim.run()).toThrow(/no handler/);
  });

  it("random faults record what they resolved, and clock faults move clocks", () => {
    const { sim, net, clocks, nemesis } = world(5, { seed: 9 });
    nemesis.at(10, { kind: "partition-halves", durationUs: 100 });
    nemesis.at(20, { kind: "clock-skew", args: { node: 1, skewUs: -5_000 }, durationUs: 50 });
    nemesis.at(30, { kind: "clock-jump", args: { node: 2, deltaUs: 7_000 } });
    nemesis.at(40, { kind: "majority-ring", durationUs: 10 });
    nemesis.at(200, { kind: "bridge" });
    const during: number[] = [];
    sim.at(25, () => during.push(clocks.skew(1)));
    sim.run();
    const halves = nemesis.log[0].fault.args!.groups as number[][];
    expect(halves.flat().sort()).toEqual([0, 1, 2, 3, 4]);
    expect(halves[0].length).toBe(2);
    expect(during).toEqual([-5_000]);
    expect(clocks.skew(1)).toBe(0);
    expect(clocks.skew(2)).toBe(7_000);
    const b = nemesis.log.find((l) => l.fault.kind === "bridge")!.fault.args!;
    expect(typeof b.bridge).toBe("number");
    expect(net.canDeliver(b.bridge as number, 0) || b.bridge === 0).toBe(true);
  });

  it("clog-node holds messages for the fault's duration", () => {
    const { sim, net, nemesis } = world(2);
    const got: number[] = [];
    net.register(1, () => got.push(sim.now));
    nemesis.at(0, { kind: "clog-node", args: { node: 1 }, durationUs: 5_000 });
    sim.at(1, () => net.send(0, 1, "m"));
    sim.run();
    expect(got).toEqual([5_000]);
  });

  it("randomPlan stays in its window, never overlaps one kind, and schedules what it returns", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.dictionary(
          fc.constantFrom("partition-halves", "clog-node", "clock-jump", "isolate"),
          fc.double({ min: 0, max: 20, noNaN: true }),
        ),
        fc.integer({ min: 0, max: 5_000_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        (seed, rates, from, len) => {
          const { sim, nemesis } = world(3, { seed });
          const plan = nemesis.randomPlan(rates, from, from + len, { minDurUs: 1_000, maxDurUs: 400_000 });
          const lastEnd = new Map<string, number>();
          for (let i = 0; i < plan.length; i++) {
            const { atUs, fault } = plan[i];
            expect(atUs).toBeGreaterThanOrEqual(from);
            expect(atUs + fault.durationUs!).toBeLessThanOrEqual(from + len);
            if (i > 0) expect(atUs).toBeGreaterThanOrEqual(plan[i - 1].atUs);
            expect(atUs).toBeGreaterThanOrEqual(lastEnd.get(fault.kind) ?? 0);
            lastEnd.set(fault.kind, atUs + fault.durationUs!);
            expect(rates[fault.kind]).toBeGreaterThan(0);
          }
          sim.run();
          expect(nemesis.log.filter((l) => l.phase === "start").map((l) => l.atUs)).toEqual(
            plan.map((p) => p.atUs),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it("randomPlan's fault count tracks the rate; an all-zero tape plans nothing", () => {
    let total = 0;
    const runs = 200;
    for (let seed = 0; seed < runs; seed++) {
      const { nemesis } = world(3, { seed });
      // Short faults, so pushing overlaps later rarely drops one.
      total += nemesis.randomPlan({ "clock-jump": 2 }, 0, 10_000_000, { minDurUs: 1, maxDurUs: 10 }).length;
    }
    // Mean 20 per run; the total is Poisson(4000), sd about 63.
    expect(Math.abs(total - 20 * runs)).toBeLessThan(5 * 63);
    const { nemesis } = world(3, { tape: [] });
    expect(nemesis.randomPlan({ "partition-halves": 5, "clog-node": 100 }, 0, 60_000_000)).toEqual([]);
  });

  it("argsFor draws args at plan time", () => {
    const { nemesis } = world(3, { seed: 4 });
    const plan = nemesis.randomPlan({ isolate: 5 }, 0, 10_000_000, {
      argsFor: (_k, s) => ({ node: s.int(3) }),
    });
    expect(plan.length).toBeGreaterThan(0);
    for (const p of plan) expect([0, 1, 2]).toContain((p.fault as Fault).args!.node);
  });
});

describe("shapes", () => {
  it("randomHalves splits every node into a smaller and a larger half", () => {
    const s = new RandomSource({ seed: 3 }).stream("s");
    const [a, b] = randomHalves(nodeRange(5), s);
    expect(a.length).toBe(2);
    expect([...a, ...b].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(randomHalves(nodeRange(4), new RandomSource({ tape: [] }).stream("z"))).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it("majorityRing: every node hears a majority, no two nodes the same one", () => {
    for (let n = 3; n <= 9; n++) {
      const s = new RandomSource({ seed: n }).stream("ring");
      const shape = majorityRing(n, s);
      expect(shape.directed).toBe(true);
      const views = new Set<string>();
      for (let to = 0; to < n; to++) {
        const blocked = new Set(shape.pairs.filter(([, t]) => t === to).map(([f]) => f));
        const hears = nodeRange(n).filter((f) => !blocked.has(f));
        expect(hears).toContain(to);
        expect(hears.length).toBe(majority(n));
        views.add(hears.join(","));
      }
      expect(views.size).toBe(n);
    }
  });

  it("bridge: two sides cut from each other, the bridge node talks to both", () => {
    const shape = bridge(5);
    expect(shape.bridge).toBe(2);
    expect(shape.sides).toEqual([
      [0, 1],
      [3, 4],
    ]);
    expect(shape.pairs.length).toBe(4);
    expect(shape.pairs.some(([a, b]) => a === 2 || b === 2)).toBe(false);
    expect(bridge(2).pairs).toEqual([]);
  });
});
