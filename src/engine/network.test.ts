import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type NetConfig, Network } from "./network.ts";
import { RandomSource } from "./rng.ts";
import { Simulation } from "./sim.ts";

const base: NetConfig = { minDelayUs: 100, maxDelayUs: 1_000, dropRate: 0, dupRate: 0, reorder: false };

function setup<M>(nodes: number, cfg: Partial<NetConfig> = {}, seed = 1) {
  const sim = new Simulation();
  const rs = new RandomSource({ seed });
  const net = new Network<M>(sim, rs.stream("network"), nodes, { ...base, ...cfg });
  return { sim, rs, net };
}

describe("Network basics", () => {
  it("delivers after a delay in [min, max]; self-sends arrive after minDelay", () => {
    const { sim, net } = setup<string>(2, { minDelayUs: 200, maxDelayUs: 900 });
    const got: Array<[number, number, string]> = [];
    net.register(0, (from, m) => got.push([sim.now, from, m]));
    net.register(1, (from, m) => got.push([sim.now, from, m]));
    net.send(0, 1, "x");
    net.send(1, 1, "self");
    sim.run();
    expect(got).toContainEqual([200, 1, "self"]);
    const x = got.find((g) => g[2] === "x")!;
    expect(x[0]).toBeGreaterThanOrEqual(200);
    expect(x[0]).toBeLessThanOrEqual(900);
    expect(net.stats).toMatchObject({ sent: 2, delivered: 2, dropped: 0 });
    expect(() => net.send(0, 2, "nope")).toThrow(RangeError);
  });

  it("a message in flight when a partition starts does not cross it", () => {
    const { sim, net } = setup<string>(3, { minDelayUs: 1_000, maxDelayUs: 1_000 });
    const got: string[] = [];
    for (let i = 0; i < 3; i++) net.register(i, (_f, m) => got.push(m));
    net.send(0, 1, "crosses");
    net.send(1, 2, "same-side");
    sim.schedule(500, () => net.partition([[0], [1, 2]]));
    sim.run();
    expect(got).toEqual(["same-side"]);
    expect(net.stats.partitionDrops).toBe(1);
    expect(net.canDeliver(0, 1)).toBe(false);
    expect(net.canDeliver(1, 2)).toBe(true);
    expect(net.canDeliver(0, 0)).toBe(true);
    net.heal();
    expect(net.canDeliver(0, 1)).toBe(true);
  });

  it("unlisted nodes form singleton groups; isolate cuts one node from the rest", () => {
    const { net } = setup<string>(4);
    net.partition([[0, 1]]);
    expect(net.canDeliver(0, 1)).toBe(true);
    expect(net.canDeliver(2, 3)).toBe(false);
    expect(net.canDeliver(1, 2)).toBe(false);
    net.isolate(3);
    expect(net.canDeliver(0, 2)).toBe(true);
    expect(net.canDeliver(2, 3)).toBe(false);
    expect(() => net.partition([[0], [0, 1]])).toThrow(RangeError);
  });

  it("blockLinks blocks links both ways, or one way when directed; heal clears them", () => {
    const { net } = setup<string>(3);
    net.blockLinks([[0, 1]]);
    expect(net.canDeliver(0, 1)).toBe(false);
    expect(net.canDeliver(1, 0)).toBe(false);
    expect(net.canDeliver(0, 2)).toBe(true);
    net.blockLinks([[1, 2]], { directed: true });
    expect(net.canDeliver(1, 2)).toBe(false);
    expect(net.canDeliver(2, 1)).toBe(true);
    net.heal();
    expect(net.canDeliver(0, 1) && net.canDeliver(1, 2)).toBe(true);
  });

  it("clogs hold messages (not drop them) and release them in order when the clog ends", () => {
    const { sim, net } = setup<number>(3, { minDelayUs: 10, maxDelayUs: 500 });
    const got: Array<[number, number]> = [];
    net.register(1, (_f, m) => got.push([sim.now, m]));
    net.register(2, (_f, m) => got.push([sim.now, m]));
    net.clogNode(1, 10_000);
    for (let i = 0; i < 20; i++) sim.schedule(i * 100, () => net.send(0, 1, i));
    sim.schedule(50, () => net.send(0, 2, 99));
    sim.run();
    const to1 = got.filter(([, m]) => m !== 99);
    expect(to1.map(([, m]) => m)).toEqual([...Array(20).keys()]);
    for (const [t] of to1) expect(t).toBe(10_000);
    expect(got.find(([, m]) => m === 99)![0]).toBeLessThan(10_000);
    expect(net.stats.dropped).toBe(0);
    expect(net.heldMessages).toBe(0);
  });

  it("a message arriving exactly when a clog ends does not overtake the held ones", () => {
    const { sim, net } = setup<string>(2, { minDelayUs: 500, maxDelayUs: 500 });
    const got: string[] = [];
    net.register(1, (_f, m) => got.push(m));
    net.clogNode(1, 1_000);
    sim.schedule(0, () => net.send(0, 1, "held"));
    // Runs before "held" arrives at 500, so its arrival event at 1000 precedes the release event.
    sim.at(500, () => net.send(0, 1, "later"));
    sim.run();
    expect(got).toEqual(["held", "later"]);
  });

  it("clogLink holds one link both ways; unclog releases at once; extended clogs hold longer", () => {
    const { sim, net } = setup<string>(3, { minDelayUs: 10, maxDelayUs: 10 });
    const got: Array<[number, string]> = [];
    for (let i = 0; i < 3; i++) net.register(i, (_f, m) => got.push([sim.now, m]));
    net.clogLink(0, 1, 1_000);
    net.send(0, 1, "a");
    net.send(1, 0, "b");
    net.send(0, 2, "c");
    sim.schedule(500, () => net.clogLink(1, 0, 2_000)); // now until 2500
    sim.run();
    expect(got).toEqual([
      [10, "c"],
      [2_500, "a"],
      [2_500, "b"],
    ]);
    got.length = 0;
    net.clogNode(2, 1_000_000);
    net.send(0, 2, "d");
    sim.schedule(50, () => net.unclog());
    sim.run();
    expect(got).toEqual([[2_550, "d"]]);
  });

  it("a down node receives nothing, and messages to a node that restarted meanwhile are lost", () => {
    const { sim, net } = setup<string>(2, { minDelayUs: 100, maxDelayUs: 100 });
    const got: string[] = [];
    net.register(1, (_f, m) => got.push(m));
    net.register(0, (_f, m) => got.push(m));
    net.send(0, 1, "before-crash");
    sim.schedule(50, () => net.crash(1));
    sim.schedule(60, () => net.send(0, 1, "while-down"));
    sim.schedule(70, () => net.send(1, 0, "from-down"));
    sim.schedule(80, () => net.restart(1));
    sim.schedule(90, () => net.send(0, 1, "after-restart"));
    sim.run();
    expect(got).toEqual(["after-restart"]);
    expect(net.stats.downDrops).toBe(3);
    expect(net.isDown(1)).toBe(false);
  });

  it("validates its configuration", () => {
    expect(() => setup(2, { minDelayUs: 5, maxDelayUs: 4 })).toThrow(RangeError);
    expect(() => setup(2, { dropRate: 1.5 })).toThrow(RangeError);
    const { net } = setup(2);
    net.setConfig({ dropRate: 0.5 });
    expect(net.config.dropRate).toBe(0.5);
  });
});

describe("Network properties", () => {
  it("a partition never delivers a message across it, including messages in flight when it started", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 2, max: 6 }),
        fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
        fc.array(
          fc.record({ at: fc.integer({ min: 0, max: 40_000 }), len: fc.integer({ min: 0, max: 20_000 }) }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.boolean(),
        (seed, nodes, groupPick, windows, reorder) => {
          const { sim, rs, net } = setup<number>(nodes, { minDelayUs: 0, maxDelayUs: 5_000, reorder }, seed);
          const traffic = rs.stream("traffic");
          let groupOf: number[] | null = null;
          let violations = 0;
          let delivered = 0;
          for (let i = 0; i < nodes; i++) {
            const self = i;
            net.register(i, (from) => {
              delivered++;
              if (groupOf !== null && from !== self && groupOf[from] !== groupOf[self]) violations++;
            });
            const tick = () => {
              if (sim.now > 60_000) return;
              net.send(self, traffic.int(nodes), sim.now);
              sim.schedule(traffic.range(10, 300), tick);
            };
            sim.schedule(traffic.int(300), tick);
          }
          for (const w of windows) {
            const groups = Array.from({ length: nodes }, (_, i) => groupPick[i] % 3);
            sim.at(w.at, () => {
              groupOf = groups;
              net.partition([0, 1, 2].map((g) => groups.flatMap((x, i) => (x === g ? [i] : []))));
            });
            sim.at(w.at + w.len, () => {
              groupOf = null;
              net.heal();
            });
            // A clog across the partition start exercises messages released while partitioned.
            sim.at(Math.max(0, w.at - 1_000), () => net.clogNode(0, 2_000));
          }
          sim.run();
          expect(violations).toBe(0);
          expect(delivered).toBeGreaterThan(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("drop and duplicate rates converge to their settings", () => {
    for (const [dropRate, dupRate] of [
      [0.1, 0.05],
      [0.3, 0.2],
      [0.02, 0.5],
    ]) {
      const { sim, net } = setup<number>(2, { dropRate, dupRate, minDelayUs: 0, maxDelayUs: 100 }, 1234);
      let delivered = 0;
      net.register(1, () => delivered++);
      const N = 20_000;
      for (let i = 0; i < N; i++) net.send(0, 1, i);
      sim.run();
      const { sent, dropped, duplicated } = net.stats;
      expect(sent).toBe(N);
      const sd = (p: number, n: number) => Math.sqrt((p * (1 - p)) / n);
      // Five standard deviations: a false alarm here would be a one-in-millions event.
      expect(Math.abs(dropped / N - dropRate)).toBeLessThan(5 * sd(dropRate, N));
      const kept = N - dropped;
      expect(Math.abs(duplicated / kept - dupRate)).toBeLessThan(5 * sd(dupRate, kept));
      expect(delivered).toBe(kept + duplicated);
      expect(net.stats.delivered).toBe(delivered);
    }
  });

  it("links are FIFO when reorder is off (with clogs and duplicates too)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.boolean(), (seed, clogs) => {
        const nodes = 3;
        const { sim, rs, net } = setup<number>(
          nodes,
          { minDelayUs: 0, maxDelayUs: 10_000, dupRate: 0.1, reorder: false },
          seed,
        );
        const s = rs.stream("traffic");
        const nextSeq = new Array(nodes * nodes).fill(0);
        const lastSeen = new Array(nodes * nodes).fill(-1);
        let inversions = 0;
        for (let i = 0; i < nodes; i++) {
          const self = i;
          net.register(i, (from, m) => {
            const k = from * nodes + self;
            if (m < lastSeen[k]) inversions++;
            lastSeen[k] = m;
          });
        }
        for (let i = 0; i < 600; i++) {
          sim.at(s.int(50_000), () => {
            const from = s.int(nodes);
            const to = s.int(nodes);
            net.send(from, to, nextSeq[from * nodes + to]++);
            if (clogs && s.chance(0.02)) net.clogNode(s.int(nodes), s.range(0, 8_000));
            if (clogs && s.chance(0.02)) net.clogLink(s.int(nodes), s.int(nodes), s.range(0, 8_000));
          });
        }
        sim.run();
        expect(inversions).toBe(0);
        expect(net.stats.delivered).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });

  it("reordering happens when enabled", () => {
    const { sim, net } = setup<number>(2, { minDelayUs: 0, maxDelayUs: 10_000, reorder: true }, 5);
    const got: number[] = [];
    net.register(1, (_f, m) => got.push(m));
    for (let i = 0; i < 200; i++) sim.at(i * 10, () => net.send(0, 1, i));
    sim.run();
    expect(got.length).toBe(200);
    let inversions = 0;
    for (let i = 1; i < got.length; i++) if (got[i] < got[i - 1]) inversions++;
    expect(inversions).toBeGreaterThan(10);
  });
});

describe("Network observers and routes", () => {
  it("observers see each send (with whether it was dropped at once) and each delivery", () => {
    const { sim, net } = setup<string>(3, { minDelayUs: 100, maxDelayUs: 100 });
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) net.register(i, () => {});
    net.observe({
      sent: (from, to, m, dropped) => seen.push(`send ${from}>${to} ${m}${dropped ? " dropped" : ""}`),
      delivered: (from, to, m) => seen.push(`deliver ${from}>${to} ${m}`),
    });
    net.partition([[0], [1, 2]]);
    net.send(0, 1, "cut");
    net.send(1, 2, "a");
    sim.run();
    expect(seen).toEqual(["send 0>1 cut dropped", "send 1>2 a", "deliver 1>2 a"]);
  });

  it("a route takes the messages it accepts; the others reach the registered handler", () => {
    const { sim, net } = setup<{ rpc: boolean; v: number }>(2);
    const raft: number[] = [];
    const rpc: Array<[number, number, number]> = [];
    net.register(1, (_from, m) => raft.push(m.v));
    net.route(
      (m) => m.rpc,
      (to, from, m) => rpc.push([to, from, m.v]),
    );
    net.send(0, 1, { rpc: false, v: 1 });
    net.send(0, 1, { rpc: true, v: 2 });
    // Node 0 has no handler: a route does not revive a message nobody can receive.
    net.send(1, 0, { rpc: true, v: 3 });
    sim.run();
    expect(raft).toEqual([1]);
    expect(rpc).toEqual([[1, 0, 2]]);
    expect(net.stats).toMatchObject({ sent: 3, delivered: 2 });
  });
});
