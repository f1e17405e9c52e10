/**
 * What one client process does next: scripted steps first, then generated ones drawn from the
 * client's own seeded stream (so adding a client never changes another client's choices).
 */
import type { Key, MicroF, MicroOp } from "../check/history.ts";
import type { Stream } from "../engine/rng.ts";
import { type ClientSpec, type GeneratorSpec, microOpOf, type ScriptItem } from "./scenario.ts";

/** Hands out element/field values unique per key, as list-append checkers require. */
export class ValueAllocator {
  private readonly next = new Map<Key, number>();
  take(key: Key): number {
    const v = (this.next.get(key) ?? 0) + 1;
    this.next.set(key, v);
    return v;
  }
  /** Scripted values are reserved so that generated ones never repeat them. */
  reserve(key: Key, v: number): void {
    if (v >= (this.next.get(key) ?? 0)) this.next.set(key, v);
  }
}

/**
 * The key each active slot stands for now, shared by every client of a run: a generator with
 * `rotateAfterWrites` moves a slot on to a fresh key once its key has taken that many writes.
 * Writes count when they are drawn, so an op drawn but not issued (a shrink's cut) moves the
 * rotation exactly as it did in the run it was cut from.
 */
export class KeyRotation {
  private readonly slots = new Map<Key, { generation: number; writes: number }>();
  current(slot: Key): Key {
    const g = this.slots.get(slot)?.generation ?? 0;
    return g === 0 ? slot : `${slot}~${g}`;
  }
  /** Counts one write to the slot's current key; the next draw may then get a fresh one. */
  wrote(slot: Key, limit: number): void {
    const s = this.slots.get(slot) ?? { generation: 0, writes: 0 };
    s.writes++;
    if (s.writes >= limit) {
      s.generation++;
      s.writes = 0;
    }
    this.slots.set(slot, s);
  }
}

export type ClientAction =
  /**
   * `op`: the generated op's index in the generator's sequence (absent for a script step);
   * `item`: a script step's index in the script (absent for a generated op).
   */
  | { kind: "step"; mops: MicroOp[]; op?: number; item?: number }
  | { kind: "pause"; us: number }
  | { kind: "done" };

const DEFAULT_FIELDS = ["f0", "f1", "f2", "f3"];

export class ClientProgram {
  private scriptPos = 0;
  private generated = 0;
  /** The mix's operations by the micro-op they record, in that name's order (the draw's order). */
  private readonly kinds: Array<MicroF | "txn">;
  private readonly weights: number[];
  private readonly total: number;
  private readonly dropped: ReadonlySet<number>;
  private readonly onlyKeys: ReadonlySet<Key> | undefined;

  constructor(
    readonly spec: ClientSpec,
    private readonly rng: Stream,
    private readonly values: ValueAllocator,
    private readonly rotation: KeyRotation = new KeyRotation(),
    /** The process this program drives (its per-op holds are looked up by it). */
    private readonly process = "",
  ) {
    // A mix names its operations as Redis commands (or by their older spellings, which are the
    // micro-op names); either way they are ordered by micro-op name, so the draws stay the same.
    const weights = new Map<MicroF | "txn", number>();
    for (const [name, w] of Object.entries(spec.generator?.mix ?? {})) {
      const op = microOpOf(name);
      if (op !== undefined && (w ?? 0) > 0) weights.set(op, (weights.get(op) ?? 0) + w!);
    }
    this.kinds = [...weights.keys()].sort();
    this.weights = this.kinds.map((k) => weights.get(k)!);
    this.total = this.weights.reduce((a, b) => a + b, 0);
    this.dropped = new Set(spec.generator?.dropOps ?? []);
    this.onlyKeys = spec.generator?.onlyKeys ? new Set(spec.generator.onlyKeys) : undefined;
    for (const item of spec.script ?? []) {
      if (!Array.isArray(item)) continue;
      for (const [f, k, v] of item) {
        if ((f === "append" || f === "lpush") && typeof v === "number") values.reserve(k, v);
      }
    }
  }

  next(): ClientAction {
    const script = this.spec.script ?? [];
    if (this.scriptPos < script.length) {
      const item: ScriptItem = script[this.scriptPos++]!;
      if (!Array.isArray(item))
        return { kind: "pause", us: item.pauseUs + (item.think === true ? this.thinkUs() : 0) };
      return { kind: "step", mops: item.map((m) => [...m] as MicroOp), item: this.scriptPos - 1 };
    }
    const gen = this.spec.generator;
    if (!gen || this.total === 0) return { kind: "done" };
    if (gen.maxOps !== undefined && this.generated >= gen.maxOps) return { kind: "done" };
    const skip = Math.min(gen.skipOps ?? 0, gen.maxOps ?? Number.POSITIVE_INFINITY);
    if (this.generated < skip) {
      // The skipped ops' draws are made and discarded, so that the ones issued are unchanged;
      // their think times are kept as one pause.
      let us = 0;
      while (this.generated < skip) {
        this.generated++;
        this.draw(gen);
        us += this.thinkUs() + this.skippedHold(gen, this.generated - 1);
      }
      return { kind: "pause", us };
    }
    if (this.dropped.has(this.generated)) {
      // Drawn and discarded like the skipped ops; the process waits out their think times.
      let us = 0;
      while (this.dropped.has(this.generated) && (gen.maxOps === undefined || this.generated < gen.maxOps)) {
        this.generated++;
        this.draw(gen);
        us += this.thinkUs() + this.holdOf(gen, this.generated - 1);
      }
      return { kind: "pause", us };
    }
    this.generated++;
    const mops = this.draw(gen);
    const only = this.onlyKeys;
    // An op on other keys is waited out like a dropped one (its think time is the same draw).
    if (only !== undefined && !mops.some((m) => only.has(m[1])))
      return { kind: "pause", us: this.thinkUs() + this.holdOf(gen, this.generated - 1) };
    return { kind: "step", mops, op: this.generated - 1 };
  }

  /**
   * How long skipped op `j` is waited out on top of its think time: only a hold recorded for it
   * (`holdOpsUs`), never the typical `holdUs`, which skipped ops were recorded without.
   */
  private skippedHold(gen: GeneratorSpec, j: number): number {
    return gen.holdOpsUs?.[this.process]?.[String(j)] ?? 0;
  }

  /** How long op `j`, drawn but not issued, is waited out on top of its think time. */
  private holdOf(gen: GeneratorSpec, j: number): number {
    return gen.holdOpsUs?.[this.process]?.[String(j)] ?? gen.holdUs ?? 0;
  }

  thinkUs(): number {
    const [lo, hi] = this.spec.generator?.thinkUs ?? [0, 2000];
    return this.rng.range(lo, hi);
  }

  private drawKind(): MicroF | "txn" {
    let x = this.rng.int(this.total);
    for (let i = 0; i < this.kinds.length; i++) {
      x -= this.weights[i]!;
      if (x < 0) return this.kinds[i]!;
    }
    return this.kinds[this.kinds.length - 1]!;
  }

  /** A key for one micro-op; with rotation, the slot's current key, and `write` counts against it. */
  private drawKey(gen: GeneratorSpec, write: boolean): Key {
    const slot = this.rng.pick(gen.keys);
    if (gen.rotateAfterWrites === undefined) return slot;
    const k = this.rotation.current(slot);
    if (write) this.rotation.wrote(slot, gen.rotateAfterWrites);
    return k;
  }

  private draw(gen: GeneratorSpec): MicroOp[] {
    const kind = this.drawKind();
    if (kind === "txn") {
      const [lo, hi] = gen.txnLength ?? [2, 4];
      const n = this.rng.range(lo, hi);
      const mops: MicroOp[] = [];
      for (let i = 0; i < n; i++) {
        if (gen.txnKinds) {
          const op = microOpOf(this.rng.pick(gen.txnKinds));
          if (op === undefined || op === "txn") throw new Error("txnKinds: expected single operations");
          mops.push(this.single(op, gen));
          continue;
        }
        // The key is drawn before the kind, as it always was, so runs without rotation keep their draws.
        const slot = this.rng.pick(gen.keys);
        const append = this.rng.chance(0.5);
        const k = gen.rotateAfterWrites === undefined ? slot : this.rotation.current(slot);
        if (append && gen.rotateAfterWrites !== undefined) this.rotation.wrote(slot, gen.rotateAfterWrites);
        mops.push(append ? ["append", k, this.values.take(k)] : ["r", k, null]);
      }
      return mops;
    }
    return [this.single(kind, gen)];
  }

  private single(kind: MicroF, gen: GeneratorSpec): MicroOp {
    const k = this.drawKey(gen, kind === "append" || kind === "lpush" || kind === "hset");
    const field = () => this.rng.pick(gen.fields ?? DEFAULT_FIELDS);
    switch (kind) {
      case "append":
      case "lpush":
        return [kind, k, this.values.take(k)];
      case "hset":
        return ["hset", k, [field(), this.values.take(k), null]];
      case "hdel":
        return ["hdel", k, [field(), null]];
      case "hget":
        return ["hget", k, [field(), null]];
      default:
        return [kind, k, null];
    }
  }
}
