/**
 * Engine throughput: the bare event loop with network delivery. Three nodes keep a fixed number
 * of messages in flight; every delivery answers with one new message to a random peer, so each
 * event is one delivery plus one send (drop, delay and peer choices from seeded streams, recorded
 * on the tape as in a real run).
 *
 *   node --import tsx bench/engine.ts
 */
import { pathToFileURL } from "node:url";
import { Network } from "../src/engine/network.ts";
import { RandomSource } from "../src/engine/rng.ts";
import { Simulation } from "../src/engine/sim.ts";

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target: number;
  ok: boolean;
  [detail: string]: unknown;
}

const TARGET = 2_000_000;

interface Msg {
  hop: number;
}

function pingPong(
  events: number,
  seed: number,
): { events: number; wallMs: number; cpuMs: number; hash: string } {
  const nodes = 3;
  const inFlightPerNode = 16;
  const sim = new Simulation();
  const rnd = new RandomSource({ seed });
  const peers = rnd.stream("peers");
  const net = new Network<Msg>(sim, rnd.stream("network"), nodes, {
    minDelayUs: 100,
    maxDelayUs: 2_000,
    dropRate: 0.001,
    dupRate: 0.001,
    reorder: false,
  });
  for (let i = 0; i < nodes; i++) {
    const self = i;
    net.register(i, (_from, msg) => {
      const to = (self + 1 + peers.int(nodes - 1)) % nodes;
      net.send(self, to, { hop: msg.hop + 1 });
    });
  }
  // Drops would slowly drain the in-flight messages; a periodic refill keeps the load steady.
  const refill = () => {
    const missing =
      nodes * inFlightPerNode -
      (net.stats.sent + net.stats.duplicated - net.stats.delivered - net.stats.dropped);
    for (let k = 0; k < missing; k++) net.send(k % nodes, (k + 1) % nodes, { hop: 0 });
    sim.schedule(10_000, refill);
  };
  for (let i = 0; i < nodes; i++) {
    for (let k = 0; k < inFlightPerNode; k++) net.send(i, (i + 1) % nodes, { hop: 0 });
  }
  sim.schedule(10_000, refill);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  sim.run({ maxEvents: events });
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { events: sim.eventCount, wallMs, cpuMs: (c.user + c.system) / 1000, hash: sim.traceHash() };
}

/** Runs the benchmark and returns one result per figure. */
export function run(opts?: { events?: number; repeats?: number }): BenchResult[] {
  const events = opts?.events ?? 2_000_000;
  const repeats = opts?.repeats ?? 5;
  pingPong(200_000, 1); // warm-up: let the JIT settle before timing
  // Best of several runs: the figure is what one core can do, and on a shared machine the slower
  // runs measure the neighbours.
  let best = { events: 0, wallMs: Number.POSITIVE_INFINITY, cpuMs: Number.POSITIVE_INFINITY, hash: "" };
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const res = pingPong(events, 42);
    rates.push(Math.round((res.events / res.wallMs) * 1000));
    cpuRates.push(Math.round((res.events / res.cpuMs) * 1000));
    if (res.events / res.wallMs > best.events / best.wallMs) best = res;
  }
  const value = Math.max(...rates);
  return [
    {
      name: "engine.events_per_s",
      value,
      unit: "events/s",
      target: TARGET,
      ok: value >= TARGET,
      node: process.version,
      events: best.events,
      wallMs: Math.round(best.wallMs),
      cpuMs: Math.round(best.cpuMs),
      runs: rates,
      // Per CPU-second of the process: on a shared machine the wall rate measures the neighbours too.
      eventsPerCpuS: Math.max(...cpuRates),
      runsPerCpuS: cpuRates,
      nodes: 3,
      workload: "3-node ping-pong, 48 messages in flight, FIFO links, drop/dup 0.1%",
      traceHash: best.hash,
    },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of run()) console.log(JSON.stringify(r));
}
