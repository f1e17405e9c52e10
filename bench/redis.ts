/**
 * Redis adapter model throughput on a DirectNode (one replica, no Raft, every effect carried out
 * at once): a mixed list/hash command stream with a compaction pass every 500 commands, under the
 * `fixed` and `head` variants. This measures the adapter's own cost per command (type probes,
 * meta resolution, write-set building, OCC apply), not a cluster run.
 *
 *   node --import tsx bench/redis.ts
 */
import { pathToFileURL } from "node:url";
import { resolveKnobs } from "../src/cluster/knobs.ts";
import { runScenario } from "../src/cluster/run.ts";
import { DeltaCompactor } from "../src/redis/compactor.ts";
import { execute } from "../src/redis/execute.ts";
import { directNode } from "../src/redis/interleave.ts";
import type { RedisCommand } from "../src/redis/types.ts";
import { variantByName } from "../src/redis/variants.ts";
import { normalizeScenario } from "../src/workload/normalize.ts";
import { generate, scenario } from "../src/workload/scenario.ts";

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target: number | null;
  ok: boolean;
  [detail: string]: unknown;
}

/** Deterministic command stream (LCG), so runs are comparable. */
function commands(count: number, keys: number, seed: number): RedisCommand[] {
  let s = seed >>> 0;
  const next = (n: number) => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s % n;
  };
  const out: RedisCommand[] = [];
  for (let i = 0; i < count; i++) {
    const key = `k${next(keys)}`;
    const hkey = `h${next(keys)}`;
    const r = next(20);
    if (r < 6) out.push({ name: "RPUSH", key, values: [String(i)] });
    else if (r < 8) out.push({ name: "LPOP", key });
    else if (r < 9) out.push({ name: "RPOP", key });
    else if (r < 11) out.push({ name: "LRANGE", key, start: 0, stop: -1 });
    else if (r < 12) out.push({ name: "LLEN", key });
    else if (r < 15) out.push({ name: "HSET", key: hkey, pairs: [[`f${next(8)}`, String(i)]] });
    else if (r < 16) out.push({ name: "HDEL", key: hkey, fields: [`f${next(8)}`] });
    else if (r < 17) out.push({ name: "HGETALL", key: hkey });
    else if (r < 18) out.push({ name: "DEL", keys: [key] });
    else
      out.push({
        name: "EXEC",
        commands: [
          { name: "RPUSH", key, values: [String(i)] },
          { name: "LRANGE", key, start: 0, stop: -1 },
        ],
      });
  }
  return out;
}

function measure(variant: string, cmds: RedisCommand[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 3; pass++) {
    const { node, ctx } = directNode(variantByName(variant)!.knobs);
    const compactor = new DeltaCompactor(ctx);
    const t0 = performance.now();
    for (let i = 0; i < cmds.length; i++) {
      node.run(execute(ctx, cmds[i]));
      if (i % 500 === 499) node.run(compactor.passOnce(true));
    }
    best = Math.min(best, performance.now() - t0);
  }
  return Math.round((cmds.length / best) * 1000);
}

/**
 * The same commands in a real simulated cluster (3 nodes, Raft, no faults): simulated commands per
 * wall-second for RPUSH, LPOP and HSET on one hot key and spread over 100 keys. Hot-key numbers are
 * bound by the list/hash fence, which serialises every writer of one key (docs/model.md).
 */
export function runCluster(opts: { runFor?: "1s" | "2s" | "4s"; seeds?: number } = {}): BenchResult[] {
  const out: BenchResult[] = [];
  const keysOf = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);
  const mixes: Array<[string, Record<string, number>]> = [
    ["rpush", { append: 1 }],
    ["lpop", { append: 1, pop: 1 }],
    ["hset", { hset: 1 }],
  ];
  for (const [name, mix] of mixes) {
    for (const nkeys of [1, 100]) {
      const spec = scenario({
        description: `bench: ${name} on ${nkeys} key(s)`,
        cluster: { nodes: 3 },
        clients: [generate("p0..p7", { mix, keys: keysOf(nkeys), thinkUs: [0, 200] })],
        runFor: opts.runFor ?? "2s",
        swarm: false,
        finalReads: false,
      });
      const s = normalizeScenario(spec, `bench-${name}-${nkeys}`);
      const knobs = resolveKnobs(s, "fixed");
      let ops = 0;
      const t0 = performance.now();
      for (let seed = 1; seed <= (opts.seeds ?? 3); seed++)
        ops += runScenario({ scenario: s, variant: "fixed", knobs, seed }).stats.ops;
      const wall = (performance.now() - t0) / 1000;
      out.push({
        name: `redis.cluster.${name}.keys${nkeys}`,
        value: Math.round(ops / wall),
        unit: "commands/s",
        target: null,
        ok: true,
        nodes: 3,
        faults: false,
        keys: nkeys,
        ops,
        node: process.version,
      });
    }
  }
  return out;
}

export function run(): BenchResult[] {
  const cmds = commands(20_000, 16, 1);
  return ["fixed", "head"].map((variant) => ({
    name: `redis-directnode-${variant}`,
    value: measure(variant, cmds),
    unit: "commands/s",
    target: null,
    ok: true,
    variant,
    commands: cmds.length,
    host: "DirectNode (single replica, no Raft)",
    node: process.version,
  }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of run()) console.log(JSON.stringify(r));
  for (const r of runCluster()) console.log(JSON.stringify(r));
}
