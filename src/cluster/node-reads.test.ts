/**
 * How a node serves a command's store reads (docs/model.md): a node that no longer leads sends them
 * to the leader it knows, at the caller's timestamp (S5); a leader fences each read on its own —
 * a lease hit costs nothing, a miss waits for a ReadIndex; the demo coordinator does a ReadIndex
 * per read (S3).
 */
import { describe, expect, it } from "vitest";
import { Network } from "../engine/network.ts";
import { RandomSource } from "../engine/rng.ts";
import { offScheduler } from "../engine/schedule.ts";
import { Simulation } from "../engine/sim.ts";
import { ReadFailed, readGet } from "../kv/reads.ts";
import type { ApplyResult, Co, Effect, FsmRequest } from "../kv/types.ts";
import { RaftCluster } from "../raft/host.ts";
import { type AllKnobs, defaultKnobs } from "./knobs.ts";
import { type AppMessage, type ClusterWire, raftWire, SimNode } from "./node.ts";

function cluster(over: Partial<AllKnobs> = {}) {
  // No compactor: its passes would read too.
  const knobs = { ...defaultKnobs, schedStrategy: "off", compactorEnabled: false, ...over } as AllKnobs;
  const sim = new Simulation();
  const rs = new RandomSource({ seed: 1 });
  const network = new Network<ClusterWire>(sim, rs.stream("network"), 3, {
    minDelayUs: 500,
    maxDelayUs: 500,
    dropRate: 0,
    dupRate: 0,
    reorder: false,
  });
  const nodes: SimNode[] = [];
  const probes: Record<string, number> = {};
  const register = network.register.bind(network);
  network.register = (node, raftHandler) => {
    register(node, (from, m) => {
      if ((m as AppMessage).app === true) nodes[node]!.onAppMessage(from, m as AppMessage);
      else raftHandler(from, m);
    });
  };
  const raft: RaftCluster<FsmRequest, ApplyResult> = new RaftCluster<FsmRequest, ApplyResult>({
    sim,
    rng: rs,
    nodes: 3,
    network: raftWire(network),
    timing: {
      tickUs: knobs.raftTickUs,
      heartbeatTicks: knobs.heartbeatTicks,
      electionTicks: knobs.electionTicks,
      leaseMarginUs: knobs.leaseMarginMs * 1000,
    },
    onApply: (node, index, data) => nodes[node]!.apply(index, data),
    onRestart: (node) => nodes[node]!.restart(),
    onRoleChange: (node, role) => nodes[node]?.onRoleChange(role === "leader", role),
  });
  for (let i = 0; i < 3; i++) {
    nodes.push(
      new SimNode(i, {
        sim,
        raft,
        clocks: raft.clocks,
        network,
        knobs,
        rng: rs.stream(`node${i}`),
        sched: offScheduler(rs.stream(`sched/n${i}`)),
        probe: (name) => {
          probes[name] = (probes[name] ?? 0) + 1;
        },
        emit: () => {},
        tracing: false,
        reuseLog: new Set(),
        onInvariant: () => {},
      }),
    );
  }
  sim.run({ untilUs: 30_000_000, until: () => raft.leader() !== undefined });
  sim.run({ untilUs: sim.now + 500_000 });
  const leader = raft.leader()!;
  /** Runs a coroutine on a node (its private host entry point) and reports when it ends. */
  const start = <R>(node: number, co: Co<R>) => {
    const box: { done?: { ok: true; value: R } | { ok: false; error: unknown }; at?: number } = {};
    (nodes[node] as unknown as { run: (co: Co<R>, done: (r: typeof box.done) => void) => void }).run(
      co,
      (r) => {
        box.done = r;
        box.at = sim.now;
      },
    );
    return box;
  };
  return { sim, raft, nodes, probes, leader, start, knobs };
}

/** A coroutine that reads one key at ts and returns the value (or the failure). */
function* readOne(key: string, ts: number): Co<unknown> {
  try {
    return yield readGet(key, ts) as Effect;
  } catch (e) {
    if (e instanceof ReadFailed) return e;
    throw e;
  }
}

describe("store reads on a node", () => {
  it("a node that no longer leads reads from the leader's store at its own timestamp (S5)", () => {
    for (const proxy of [true, false]) {
      const t = cluster({ readProxyToLeader: proxy });
      const old = t.leader;
      const next = (old + 1) % 3;
      t.raft.transferLeader(next);
      t.sim.run({ untilUs: t.sim.now + 2_000_000, until: () => t.raft.leader() === next });
      t.sim.run({ untilUs: t.sim.now + 200_000 });
      expect(t.raft.isLeader(old)).toBe(false);
      expect(t.raft.leaderOf(old)).toBe(next);
      // Only the new leader's store holds this version (written straight into it for the test).
      t.nodes[next]!.store.applyMutations([{ op: "put", key: "k", value: "leader's" }], [], 0, 5);
      const r = t.start(old, readOne("k", 7));
      // Proxied, the answer comes over the network; read locally, at once.
      expect(r.done === undefined).toBe(proxy);
      t.sim.run({ untilUs: t.sim.now + 100_000 });
      if (proxy) {
        expect(r.done).toEqual({ ok: true, value: "leader's" });
        expect(t.probes["cluster.read-proxy"]).toBe(1);
        // At the caller's timestamp: below the version, nothing.
        const below = t.start(old, readOne("k", 4));
        t.sim.run({ untilUs: t.sim.now + 100_000 });
        expect(below.done).toEqual({ ok: true, value: undefined });
      } else {
        expect(r.done).toEqual({ ok: true, value: undefined });
      }
    }
  });

  it("a leader's read is served at once while its lease holds (production, S3)", () => {
    const t = cluster();
    expect(t.raft.leaseRemainingUs(t.leader)).toBeGreaterThan(0);
    t.nodes[t.leader]!.store.applyMutations([{ op: "put", key: "k", value: "v" }], [], 0, 5);
    const r = t.start(t.leader, readOne("k", 9));
    expect(r.done).toEqual({ ok: true, value: "v" });
    expect(t.probes["cluster.read-fence"]).toBeUndefined();
  });

  it("a leader whose lease lapsed waits for a ReadIndex per read, and fails it when cut off (S3)", () => {
    const t = cluster();
    t.raft.network.isolate(t.leader);
    t.sim.run({ untilUs: t.sim.now + 1_900_000 });
    // Still leader (CheckQuorum has not stepped it down yet), but the lease has run out.
    expect(t.raft.isLeader(t.leader)).toBe(true);
    expect(t.raft.leaseRemainingUs(t.leader)).toBe(0);
    const r = t.start(t.leader, readOne("k", 9));
    expect(r.done).toBeUndefined();
    t.sim.run({ untilUs: t.sim.now + 10_000_000 });
    expect(t.probes["cluster.read-fence"]).toBe(1);
    expect(r.done?.ok).toBe(true);
    expect((r.done as { value: unknown }).value).toBeInstanceOf(ReadFailed);
  });

  it("the demo coordinator does a ReadIndex for every read; the knob turns it off", () => {
    for (const fence of [true, false]) {
      const t = cluster({ coordinator: "demo", readCallFence: fence });
      t.nodes[t.leader]!.store.applyMutations([{ op: "put", key: "k", value: "v" }], [], 0, 5);
      const r = t.start(t.leader, readOne("k", 9));
      if (fence) expect(r.done).toBeUndefined();
      t.sim.run({ untilUs: t.sim.now + 100_000 });
      expect(r.done).toEqual({ ok: true, value: "v" });
      expect(t.probes["cluster.read-fence"]).toBe(fence ? 1 : undefined);
    }
  });
});
