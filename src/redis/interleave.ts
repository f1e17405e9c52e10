/**
 * Hand-built interleavings of adapter coroutines against one replica, for tests and scenario
 * authors: each task runs until its next Raft proposal, which is held until the test applies it
 * (or loses it), so the test decides exactly whose snapshot precedes whose commit.
 *
 *   const h = new Interleave({ delFence: false });
 *   const push = h.start("push", execute(h.ctx, { name: "RPUSH", key: "k", values: ["x"] }));
 *   h.finish(h.start("del", execute(h.ctx, { name: "DEL", keys: ["k"] })));  // DEL applies first
 *   h.apply(push);                                                         // then the push
 *
 * A forwarded dispatch (when a test makes the node believe it is not leader) is held the same
 * way and served on `apply`. A task started with `{ holdReads: true }` is also held before each
 * store read, which `read` then performs, so a test can land commits between two reads of one
 * command. Everything else a coroutine yields is carried out at once, as
 * `DirectNode` does: fences and leader checks answer `fenceAnswer`, sleeps advance the clock.
 */
import { serveForward } from "../kv/coordinator.ts";
import { DirectNode } from "../kv/direct.ts";
import { primaryKey } from "../kv/fsm.ts";
import { defaultKvKnobs, type KvKnobs } from "../kv/knobs.ts";
import { performRead } from "../kv/reads.ts";
import type {
  ApplyResult,
  Co,
  Effect,
  FsmRequest,
  OperationGroup,
  ProposeOutcome,
  StoreRead,
} from "../kv/types.ts";
import type { AdapterKnobs, NodeContext } from "./context.ts";
import { defaultRedisKnobs, type RedisKnobs } from "./knobs.ts";

const KV_KNOB_NAMES = new Set<string>(Object.keys(defaultKvKnobs));

/** Split a variant's knobs into the kv part (for the node) and the Redis part. */
export function splitKnobs(knobs: Partial<RedisKnobs & KvKnobs>): {
  kv: Partial<KvKnobs>;
  redis: Partial<RedisKnobs>;
} {
  const kv: Record<string, unknown> = {};
  const redis: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(knobs)) (KV_KNOB_NAMES.has(k) ? kv : redis)[k] = v;
  return { kv: kv as Partial<KvKnobs>, redis: redis as Partial<RedisKnobs> };
}

export interface ContextOptions {
  /** Count probes here (default: the node's probe map). */
  probes?: Map<string, number>;
  /** Collect trace events here. */
  trace?: Array<{ ev: string; data?: object }>;
  urgentCompaction?: NodeContext["urgentCompaction"];
  reuseLog?: Set<string>;
}

/** A NodeContext over a DirectNode, with Redis knobs over the `fixed` defaults. */
export function directContext(
  node: DirectNode,
  redis: Partial<RedisKnobs> = {},
  opts: ContextOptions = {},
): NodeContext {
  const knobs: AdapterKnobs = { ...defaultRedisKnobs, ...redis, ...node.knobs };
  const probes = opts.probes ?? node.probes;
  let rng = 0x9e3779b9;
  return {
    store: node.store,
    hlc: node.hlc,
    knobs,
    coordinatorEnv: node.env,
    random: () => {
      // xorshift32: retry jitter only needs to be deterministic.
      rng ^= rng << 13;
      rng ^= rng >>> 17;
      rng ^= rng << 5;
      return (rng >>> 0) / 4294967296;
    },
    probe: (name) => probes.set(name, (probes.get(name) ?? 0) + 1),
    trace: (ev, data) => opts.trace?.push({ ev, data }),
    urgentCompaction: opts.urgentCompaction,
    reuseLog: opts.reuseLog,
  };
}

/** A DirectNode and a context for one variant's knobs (`fixed` when empty). */
export function directNode(
  knobs: Partial<RedisKnobs & KvKnobs> = {},
  opts: ContextOptions & { startUs?: number } = {},
): { node: DirectNode; ctx: NodeContext } {
  const { kv, redis } = splitKnobs(knobs);
  const node = new DirectNode({ knobs: kv, startUs: opts.startUs ?? 1_000_000 });
  return { node, ctx: directContext(node, redis, opts) };
}

/** Run a coroutine to completion on a node, as DirectNode.run does. */
export function runDirect<R>(node: DirectNode, co: Co<R>): R {
  return node.run(co);
}

export type TaskState = "held" | "done";

export interface Task<R = unknown> {
  readonly name: string;
  state: TaskState;
  /** The proposal waiting for `apply`/`lose` while `state === "held"`. */
  held?: FsmRequest;
  /** A forwarded dispatch waiting for `apply` (served by the leader) while `state === "held"`. */
  heldForward?: OperationGroup;
  /** A store read waiting for `read` while `state === "held"` (tasks started with holdReads). */
  heldRead?: StoreRead;
  /** Every store read this task performed, in order. */
  readonly reads: StoreRead[];
  result?: R;
  /** Every proposal outcome this task received, in order. */
  readonly outcomes: ProposeOutcome[];
}

interface TaskImpl<R> extends Task<R> {
  co: Co<R>;
  holdReads: boolean;
}

export class Interleave {
  readonly node: DirectNode;
  readonly ctx: NodeContext;
  readonly probes = new Map<string, number>();
  readonly traceLog: Array<{ ev: string; data?: object }> = [];
  /** Answer for read-index / lease-read / verify-leader effects (default: still leader). */
  fenceAnswer = true;

  /**
   * Emulates a proposed FSM fix (not in elastickv): a transaction whose commitTS is not above
   * the store's LastCommitTS (an identical re-send excepted) is rejected as a write conflict, so
   * commits apply in commitTS order and LastCommitTS is a true applied watermark. Without it, a command that pre-allocated its
   * commitTS before another one's but is applied after it is invisible to snapshots taken in
   * between, yet never conflicts with them (see the "out-of-order apply" test).
   */
  readonly commitOrderGuard: boolean;

  constructor(
    knobs: Partial<RedisKnobs & KvKnobs> = {},
    opts: ContextOptions & { startUs?: number; commitOrderGuard?: boolean } = {},
  ) {
    // A hand-built schedule chooses the apply order itself; the FSM's own commit-order guard
    // (kv knob applyInCommitOrder) is emulated here only when the test asks for it.
    const { node, ctx } = directNode(
      { ...knobs, applyInCommitOrder: false },
      { probes: this.probes, trace: this.traceLog, ...opts },
    );
    this.node = node;
    this.ctx = ctx;
    this.commitOrderGuard = opts.commitOrderGuard ?? false;
  }

  private applyEntry(request: FsmRequest): ApplyResult {
    if (
      this.commitOrderGuard &&
      request.kind === "txn" &&
      request.commitTS <= this.node.store.lastCommitTS() &&
      !request.elems.every((m) => this.node.store.committedVersionAt(m.key, request.commitTS))
    ) {
      const result: ApplyResult = { ok: false, reason: "write-conflict", key: primaryKey(request.elems)! };
      this.node.log.push({ index: this.node.log.length + 1, request, result });
      return result;
    }
    return this.node.apply(request);
  }

  /** Start a task: it runs until its first proposal (held) or until it finishes. */
  start<R>(name: string, co: Co<R>, opts: { holdReads?: boolean } = {}): Task<R> {
    const t: TaskImpl<R> = {
      name,
      co,
      state: "held",
      outcomes: [],
      reads: [],
      holdReads: opts.holdReads ?? false,
    };
    this.drive(t, undefined);
    return t;
  }

  /**
   * Apply the held proposal now (or serve the held forward on the leader, whose own proposals
   * apply at once) and run the task to its next hold or its end.
   */
  apply<R>(task: Task<R>): Task<R> {
    const t = this.heldTask(task);
    if (t.heldRead !== undefined) throw new Error(`task ${task.name} holds a read, not a proposal`);
    if (t.heldForward !== undefined) {
      const g = t.heldForward;
      t.heldForward = undefined;
      this.drive(t, this.node.run(serveForward(this.node.env, g)));
      return task;
    }
    const result = this.applyEntry(t.held!);
    const out: ProposeOutcome = { status: "applied", index: this.node.log.length, result };
    t.held = undefined;
    t.outcomes.push(out);
    this.drive(t, out);
    return task;
  }

  /**
   * Answer the held proposal with an unknown outcome (leader lost mid-flight). `landed` applies
   * the entry first (a later leader committed it); otherwise it is dropped (truncated).
   */
  lose<R>(task: Task<R>, landed: boolean, message = "leadership lost"): Task<R> {
    const t = this.heldTask(task);
    if (t.held === undefined) throw new Error(`task ${task.name} holds a forward, not a proposal`);
    if (landed) this.applyEntry(t.held!);
    const out: ProposeOutcome = { status: "unknown", message };
    t.held = undefined;
    t.outcomes.push(out);
    this.drive(t, out);
    return task;
  }

  /** Answer the held proposal with a known failure (not leader before proposing). */
  reject<R>(task: Task<R>, message = "not leader"): Task<R> {
    const t = this.heldTask(task);
    if (t.held === undefined) throw new Error(`task ${task.name} holds a forward, not a proposal`);
    const out: ProposeOutcome = { status: "failed", message };
    t.held = undefined;
    t.outcomes.push(out);
    this.drive(t, out);
    return task;
  }

  /** Perform the held store read against the store as it is now and run to the next hold. */
  read<R>(task: Task<R>): Task<R> {
    const t = this.heldTask(task);
    const r = t.heldRead;
    if (r === undefined) throw new Error(`task ${task.name} holds no read`);
    t.heldRead = undefined;
    t.reads.push(r);
    this.drive(t, performRead(this.node.store, r));
    return task;
  }

  /** Perform every read and apply every proposal of the task as it comes until it finishes. */
  finish<R>(task: Task<R>): R {
    while (task.state === "held") {
      if (task.heldRead !== undefined) this.read(task);
      else this.apply(task);
    }
    return task.result as R;
  }

  /** Start and finish in one go. */
  run<R>(name: string, co: Co<R>): R {
    return this.finish(this.start(name, co));
  }

  probe(name: string): number {
    return this.probes.get(name) ?? 0;
  }

  private heldTask<R>(task: Task<R>): TaskImpl<R> {
    if (
      task.state !== "held" ||
      (task.held === undefined && task.heldForward === undefined && task.heldRead === undefined)
    ) {
      throw new Error(`task ${task.name} holds no proposal`);
    }
    return task as TaskImpl<R>;
  }

  private perform(e: Effect): unknown {
    switch (e.kind) {
      case "verify-leader":
      case "read-index":
      case "lease-read":
        return this.fenceAnswer;
      case "sleep":
        this.node.advance(e.us);
        return undefined;
      case "read":
        return performRead(this.node.store, e);
      case "sched":
        return undefined;
      case "propose":
      case "forward":
        throw new Error("unreachable");
    }
  }

  private drive<R>(t: TaskImpl<R>, input: unknown): void {
    let step = t.co.next(input);
    for (;;) {
      if (step.done) {
        t.state = "done";
        t.result = step.value;
        return;
      }
      const e = step.value;
      if (e.kind === "propose") {
        if (e.request.kind !== "txn") {
          // HLC lease renewals are not what a test interleaves: apply them at once.
          const result = this.node.apply(e.request);
          step = t.co.next({
            status: "applied",
            index: this.node.log.length,
            result,
          } satisfies ProposeOutcome);
          continue;
        }
        t.state = "held";
        t.held = e.request;
        return;
      }
      if (e.kind === "forward") {
        t.state = "held";
        t.heldForward = e.group;
        return;
      }
      if (e.kind === "read") {
        if (t.holdReads) {
          t.state = "held";
          t.heldRead = e;
          return;
        }
        t.reads.push(e);
      }
      step = t.co.next(this.perform(e));
    }
  }
}
