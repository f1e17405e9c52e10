import { describe, expect, it } from "vitest";
import { RandomSource } from "../engine/rng.ts";
import { type ClientAction, ClientProgram, KeyRotation, ValueAllocator } from "./client.ts";
import type { ClientSpec, GeneratorSpec, Step } from "./scenario.ts";

function actions(spec: ClientSpec, rotation = new KeyRotation()): ClientAction[] {
  const p = new ClientProgram(
    spec,
    new RandomSource({ seed: 7 }).stream("client"),
    new ValueAllocator(),
    rotation,
  );
  const out: ClientAction[] = [];
  for (;;) {
    const a = p.next();
    out.push(a);
    if (a.kind === "done") return out;
    if (a.kind === "step") p.thinkUs();
  }
}

/** Every action client p0 takes under generator `g` (seed 7), thinking after each step, up to done. */
function stepsOfP0(g: GeneratorSpec): ClientAction[] {
  const p = new ClientProgram(
    { names: ["p0"], generator: g },
    new RandomSource({ seed: 7 }).stream("client"),
    new ValueAllocator(),
    new KeyRotation(),
    "p0",
  );
  const out: ClientAction[] = [];
  for (let a = p.next(); ; a = p.next()) {
    out.push(a);
    if (a.kind === "done") return out;
    if (a.kind === "step") p.thinkUs();
  }
}

describe("ClientProgram", () => {
  it("skipOps draws the leading ops without issuing them, leaving the rest unchanged", () => {
    const gen = {
      mix: { append: 1, r: 1, pop: 1 },
      keys: ["a", "b"],
      thinkUs: [100, 900] as [number, number],
    };
    const all = actions({ names: ["p0"], generator: { ...gen, maxOps: 8 } });
    const cut = actions({ names: ["p0"], generator: { ...gen, maxOps: 8, skipOps: 5 } });
    expect(all.filter((a) => a.kind === "step")).toHaveLength(8);
    expect(cut[0]).toMatchObject({ kind: "pause" });
    expect(cut.slice(1)).toEqual(all.slice(5));
  });

  it("dropOps draws middle ops without issuing them, waiting out their think times", () => {
    const gen = {
      mix: { append: 1, r: 1, pop: 1 },
      keys: ["a", "b"],
      thinkUs: [100, 900] as [number, number],
    };
    const all = actions({ names: ["p0"], generator: { ...gen, maxOps: 8 } });
    const cut = actions({
      names: ["p0"],
      generator: { ...gen, maxOps: 8, skipOps: 1, dropOps: [3, 4, 6, 7] },
    });
    // Skip op 0; issue 1, 2; drop 3, 4; issue 5; drop 6, 7 (the last ones: then done).
    expect(cut.map((a) => a.kind)).toEqual(["pause", "step", "step", "pause", "step", "pause", "done"]);
    expect(cut[1]).toEqual(all[1]);
    expect(cut[2]).toEqual(all[2]);
    expect(cut[4]).toEqual(all[5]);
    const p = cut[3];
    expect(p?.kind === "pause" && p.us >= 200 && p.us <= 1800).toBe(true);
  });

  it("onlyKeys waits out ops on other keys, and holdUs adds a stand-in latency to every op not issued", () => {
    const gen = {
      mix: { append: 1, r: 1 },
      keys: ["a", "b"],
      thinkUs: [100, 900] as [number, number],
      maxOps: 12,
    };
    const all = actions({ names: ["p0"], generator: gen });
    const only = actions({ names: ["p0"], generator: { ...gen, onlyKeys: ["a"] } });
    const held = actions({ names: ["p0"], generator: { ...gen, onlyKeys: ["a"], holdUs: 5000 } });
    // The same draws: the ops on "a" are exactly those of the full sequence, in order.
    const onA = all.filter((a) => a.kind === "step" && a.mops[0]![1] === "a");
    expect(only.filter((a) => a.kind === "step")).toEqual(onA);
    expect(held.filter((a) => a.kind === "step")).toEqual(onA);
    const pauses = (xs: ClientAction[]) => xs.flatMap((a) => (a.kind === "pause" ? [a.us] : []));
    expect(pauses(held)).toEqual(pauses(only).map((us) => us + 5000));
  });

  it("holdOpsUs waits a dropped op out for its own recorded time instead of holdUs", () => {
    const gen = {
      mix: { append: 1, r: 1 },
      keys: ["a"],
      thinkUs: [100, 900] as [number, number],
      maxOps: 6,
      dropOps: [2, 3],
      holdUs: 5000,
    };
    const median = stepsOfP0(gen);
    const exact = stepsOfP0({ ...gen, holdOpsUs: { p0: { "2": 7000 }, p1: { "3": 1 } } });
    // Op 2 is held 7,000 µs instead of 5,000; op 3 keeps holdUs (the other process's hold is not p0's).
    const pause = (xs: ClientAction[]) => xs.find((a) => a.kind === "pause") as { us: number };
    expect(pause(exact).us).toBe(pause(median).us + 2000);
    expect(exact.filter((a) => a.kind === "step")).toEqual(median.filter((a) => a.kind === "step"));
    expect(median.filter((a) => a.kind === "step").map((a) => (a.kind === "step" ? a.op : -1))).toEqual([
      0, 1, 4, 5,
    ]);
  });

  it("holds skipped ops only for the holds recorded for them, never for holdUs", () => {
    const gen: GeneratorSpec = {
      mix: { append: 1, r: 1 },
      keys: ["a"],
      thinkUs: [100, 900],
      maxOps: 5,
      skipOps: 2,
      holdUs: 5000,
    };
    const plain = stepsOfP0(gen);
    const held = stepsOfP0({ ...gen, holdOpsUs: { p0: { "0": 3000, "1": 4000, "3": 10 } } });
    const first = (xs: ClientAction[]) => xs[0] as { kind: string; us: number };
    // The two skipped ops' think times, plus exactly their recorded holds (holdUs not at all).
    expect(first(plain).kind).toBe("pause");
    expect(first(held).us).toBe(first(plain).us + 7000);
    expect(held.filter((a) => a.kind === "step")).toEqual(plain.filter((a) => a.kind === "step"));
  });

  it("a held pause draws a think time as the step it stands for did, so later steps draw the same", () => {
    const program = (script: ClientSpec["script"]) =>
      new ClientProgram(
        { names: ["r0"], script },
        new RandomSource({ seed: 7 }).stream("client"),
        new ValueAllocator(),
      );
    const r: Step = [["r", "k", null]];
    const full = program([r, r, r]);
    full.next();
    const t0 = full.thinkUs();
    full.next();
    const t1 = full.thinkUs();
    full.next();
    const t2 = full.thinkUs();
    const held = program([r, { pauseUs: 40, think: true }, r]);
    held.next();
    expect(held.thinkUs()).toBe(t0);
    // The held pause: 40 µs and the think time the removed step drew; the step after draws as before.
    expect(held.next()).toEqual({ kind: "pause", us: 40 + t1 });
    expect(held.next()).toMatchObject({ kind: "step" });
    expect(held.thinkUs()).toBe(t2);
  });

  it("reads a mix by the Redis command names and by the older spellings alike, drawing the same ops", () => {
    const gen = (mix: Record<string, number>) => ({
      names: ["p0"],
      generator: { mix, keys: ["a", "b"], thinkUs: [100, 900] as [number, number], maxOps: 200 },
    });
    const redis = actions(gen({ rpush: 3, lpush: 1, lrange: 2, lpop: 2, rpop: 1, llen: 1, txn: 2 }));
    const older = actions(gen({ append: 3, lpush: 1, r: 2, pop: 2, rpop: 1, len: 1, txn: 2 }));
    expect(redis).toEqual(older);
    const fs = new Set(redis.flatMap((a) => (a.kind === "step" ? a.mops.map((m) => m[0]) : [])));
    // The history keeps its micro-op names (src/check/history.ts).
    expect([...fs].sort()).toEqual(["append", "len", "lpush", "pop", "r", "rpop"]);
    const txnOf = (txnKinds: string[]) =>
      actions({
        names: ["p0"],
        generator: { mix: { txn: 1 }, keys: ["a"], maxOps: 10, txnKinds: txnKinds as ["rpush"] },
      });
    expect(txnOf(["rpush", "lpop", "llen"])).toEqual(txnOf(["append", "pop", "len"]));
  });

  it("rotateAfterWrites moves a slot to a fresh key after that many pushes, and draws as without it otherwise", () => {
    const gen = {
      mix: { rpush: 2, lrange: 1, exists: 1, txn: 2 },
      keys: ["a", "b"],
      txnKinds: ["rpush", "exists", "del"] as GeneratorSpec["txnKinds"],
      thinkUs: [100, 900] as [number, number],
      maxOps: 200,
    };
    const plain = actions({ names: ["p0"], generator: gen });
    const rotated = actions({ names: ["p0"], generator: { ...gen, rotateAfterWrites: 3 } });
    // The same draws: only the key names differ, each slot's key standing for its generation.
    const slotOf = (k: unknown) => String(k).split("~")[0];
    const shape = (xs: ClientAction[]) =>
      xs.map((a) => (a.kind === "step" ? a.mops.map(([f, k]) => [f, slotOf(k)]) : a.kind));
    expect(shape(rotated)).toEqual(shape(plain));
    // Every key takes at most 3 pushes, and some key is read or checked before anything is pushed to it.
    const pushes = new Map<unknown, number>();
    let unwrittenChecked = false;
    for (const a of rotated)
      if (a.kind === "step")
        for (const [f, k] of a.mops) {
          if (f === "append") pushes.set(k, (pushes.get(k) ?? 0) + 1);
          else if (String(k).includes("~") && !pushes.has(k)) unwrittenChecked = true;
        }
    expect(Math.max(...pushes.values())).toBe(3);
    expect(pushes.size).toBeGreaterThan(10);
    expect(unwrittenChecked).toBe(true);
    expect([...pushes.keys()]).toContain("a~1");
  });

  it("shares one rotation between the clients of a run", () => {
    const rotation = new KeyRotation();
    const spec = (name: string): ClientSpec => ({
      names: [name],
      generator: { mix: { rpush: 1 }, keys: ["a"], rotateAfterWrites: 2, maxOps: 3 },
    });
    const keys = (xs: ClientAction[]) => xs.flatMap((a) => (a.kind === "step" ? [a.mops[0]![1]] : []));
    expect(keys(actions(spec("p0"), rotation))).toEqual(["a", "a", "a~1"]);
    // The second client starts where the first left the slot.
    expect(keys(actions(spec("p1"), rotation))).toEqual(["a~1", "a~2", "a~2"]);
  });
});
