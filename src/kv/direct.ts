/**
 * A single replica with no Raft: it hosts coroutines by carrying out every effect at once.
 * Proposals apply immediately, leadership checks always pass, forwards are served locally,
 * store reads read this replica, scheduling points never pause and sleeps advance a fake clock. It lets adapter commands and the coordinator run serially in unit
 * tests with the same code the cluster runtime hosts.
 */

import { MvccStore } from "../mvcc/store.ts";
import { type CoordinatorEnv, dispatch, serveForward } from "./coordinator.ts";
import { applyRequest } from "./fsm.ts";
import { Hlc } from "./hlc.ts";
import { type KvKnobs, kvKnobs } from "./knobs.ts";
import { performRead } from "./reads.ts";
import type {
  ApplyResult,
  Co,
  DispatchResult,
  Effect,
  FsmRequest,
  OperationGroup,
  ProposeOutcome,
} from "./types.ts";

export interface DirectNodeOptions {
  knobs?: Partial<KvKnobs>;
  /** Seed of the node's random stream. */
  seed?: number;
  /** Initial simulated time in microseconds. */
  startUs?: number;
  /** Offset of this node's wall clock from simulated time, in ms (clock skew). */
  wallOffsetMs?: number;
}

export interface AppliedEntry {
  index: number;
  request: FsmRequest;
  result: ApplyResult;
}

export class DirectNode {
  readonly store = new MvccStore();
  readonly knobs: KvKnobs;
  readonly hlc: Hlc;
  /** Simulated time in microseconds. */
  nowUs: number;
  wallOffsetMs: number;
  /** Every entry applied, in order: replaying it on another store reproduces this one. */
  readonly log: AppliedEntry[] = [];
  readonly probes = new Map<string, number>();
  readonly env: CoordinatorEnv;
  private rng: number;

  constructor(opts: DirectNodeOptions = {}) {
    this.knobs = kvKnobs(opts.knobs);
    this.nowUs = opts.startUs ?? 0;
    this.wallOffsetMs = opts.wallOffsetMs ?? 0;
    this.rng = (opts.seed ?? 1) >>> 0;
    this.hlc = Hlc.fromKnobs(() => Math.floor(this.nowUs / 1000) + this.wallOffsetMs, this.knobs);
    this.env = {
      isLeader: () => true,
      hlc: this.hlc,
      store: this.store,
      knobs: this.knobs,
      random: () => this.random(),
      probe: (name) => this.probes.set(name, (this.probes.get(name) ?? 0) + 1),
      nowUs: () => this.nowUs,
    };
  }

  /** Drive a coroutine to completion, carrying out each effect synchronously. */
  run<R>(co: Co<R>): R {
    let step = co.next();
    while (!step.done) step = co.next(this.perform(step.value));
    return step.value;
  }

  /** Dispatch one OperationGroup through the coordinator. */
  dispatch(group: OperationGroup): DispatchResult {
    return this.run(dispatch(this.env, group));
  }

  /** Apply one log entry now (what a committed proposal does). */
  apply(request: FsmRequest): ApplyResult {
    const result = applyRequest(this.store, this.hlc, request, this.knobs);
    this.log.push({ index: this.log.length + 1, request, result });
    return result;
  }

  /** Apply an HLC lease entry for wall + window, as the leader's renewal loop would. */
  renewLease(): ApplyResult {
    return this.apply({ kind: "hlc-lease", ceilingMs: this.hlc.wallMs() + this.knobs.hlcWindowMs });
  }

  advance(us: number): void {
    this.nowUs += us;
  }

  private perform(e: Effect): unknown {
    switch (e.kind) {
      case "propose": {
        const result = this.apply(e.request);
        const out: ProposeOutcome = { status: "applied", index: this.log.length, result };
        return out;
      }
      case "verify-leader":
      case "read-index":
      case "lease-read":
        return true;
      case "forward":
        return this.run(serveForward(this.env, e.group));
      case "sleep":
        this.nowUs += e.us;
        return undefined;
      case "read":
        return performRead(this.store, e);
      case "sched":
        return undefined;
    }
  }

  /** mulberry32: a tiny seeded stream, enough for a unit-test host. */
  private random(): number {
    this.rng = (this.rng + 0x6d2b79f5) >>> 0;
    let t = this.rng;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
