/**
 * `RaftCluster`: N `RaftNode`s hosted on the simulation engine.
 *
 * The host is what etcd's users write around `raft.Node`: it turns ticks into timers, carries
 * messages over the simulated network, keeps each node's durable state (term, vote, commit, log)
 * across crashes, and applies committed entries through `onApply`. On top it offers what
 * elastickv's engine wrapper offers the coordinator (docs/model.md): proposals with tracked
 * outcomes (failPending on leader loss), ReadIndex, lease reads and VerifyLeader.
 *
 * Time: every node ticks on its own wall clock (`Clocks`), so clock skew and jumps reach the
 * election and heartbeat timers, and the lease is measured on the leader's wall clock too. That is
 * the point: a lease is only as safe as the clocks behind it, and skew beyond the lease's margin
 * must be able to break it.
 *
 * Persistence: a ready's entries and hard state become durable `persistDelayUs` after the ready
 * (an fsync); its messages go out and its committed entries are applied only then (etcd's Ready
 * contract), so nothing is acknowledged before it is durable. With `lossUnpersistedOnCrash` a
 * crash loses what was not yet durable; without it, a crash keeps everything appended so far.
 *
 * Callbacks are never run inside the call that registered them: an immediate answer is delivered
 * by a zero-delay event, so a caller never sees its continuation re-entered.
 */

import { Clocks } from "../engine/clock.ts";
import {
  type Fault,
  faultArgs,
  type Nemesis,
  type NetworkFaultOptions,
  registerNetworkFaults,
} from "../engine/nemesis.ts";
import { type NetConfig, Network } from "../engine/network.ts";
import type { RandomSource, Stream } from "../engine/rng.ts";
import type { Simulation, TimerId } from "../engine/sim.ts";
import { type InvariantName, type InvariantViolation, RaftInvariants } from "./invariants.ts";
import {
  type Entry,
  type HardState,
  type Message,
  NONE,
  type RaftBugs,
  type RaftConfig,
  RaftNode,
  type Ready,
} from "./raft.ts";

/** Raft timer settings (docs/model.md). */
export interface RaftTiming {
  tickUs: number;
  heartbeatTicks: number;
  electionTicks: number;
  /** Lease = electionTicks·tickUs − leaseMarginUs; ≤ 0 disables the lease (every lease read is a ReadIndex). */
  leaseMarginUs: number;
}

/** The production binary: tick 10 ms, heartbeat 200 ms, election 2 s ⇒ lease 1 700 ms. */
export const PRODUCTION_TIMING: RaftTiming = {
  tickUs: 10_000,
  heartbeatTicks: 20,
  electionTicks: 200,
  leaseMarginUs: 300_000,
};

/** The demo cluster (scheduled Jepsen CI): tick 10 ms, heartbeat 1 tick, election 10 ticks ⇒ lease disabled. */
export const DEMO_TIMING: RaftTiming = {
  tickUs: 10_000,
  heartbeatTicks: 1,
  electionTicks: 10,
  leaseMarginUs: 300_000,
};

/** Deliberately broken behaviour (tests only): Raft's own plus the host's. */
export interface RaftHostBugs extends RaftBugs {
  /** Lease = the full election timeout: no margin for clock drift between leader and followers. */
  leaseWithoutDriftBound?: boolean;
}

/**
 * What a proposer learns: the entry was applied (with what the state machine's `onApply` returned,
 * undefined for an entry without data or a host without `onApply`), failed, or its fate is unknown.
 * The host is generic in the apply result, so it knows nothing of the state machine above it.
 */
export type RaftProposeOutcome<R> =
  | { status: "applied"; index: number; result: R | undefined }
  | { status: "failed"; message: string }
  | { status: "unknown"; message: string };

export interface RaftClusterOptions<T, R = unknown> {
  sim: Simulation;
  /** Node i draws its election timeouts and tick phase from stream `raft/node<i>`. */
  rng: RandomSource;
  nodes: number;
  /** Shared wall clocks (created when absent). */
  clocks?: Clocks;
  /** The network Raft messages travel on (created from `net` on stream `raft/net` when absent). */
  network?: Network<Message<T>>;
  net?: Partial<NetConfig>;
  timing?: Partial<RaftTiming>;
  preVote?: boolean;
  checkQuorum?: boolean;
  /** Followers forward proposals to the leader (default false: elastickv proxies at the adapter). */
  forwardProposals?: boolean;
  maxEntriesPerMsg?: number;
  maxInflightMsgs?: number;
  /** ReadIndex/VerifyLeader requests queued while a round is in flight share the next round (default false). */
  batchReads?: boolean;
  /** fsync latency of a ready's entries and hard state (default 0: synchronous). */
  persistDelayUs?: number;
  /**
   * Batched appends (default 0: off, every proposal is broadcast and persisted on its own, as
   * elastickv's engine steps one proposal per loop turn). Above 0, a leader's proposal waits for
   * the end of a batch window, drawn per batch in [0, this] µs from the node's stream
   * `raft/batch<i>`: every proposal of the window goes out in one MsgApp per follower and one
   * fsync, and followers acknowledge each ready's MsgApps with one response.
   */
  appendBatchWindowUs?: number;
  /** A crash loses entries and hard state not yet durable (default false). */
  lossUnpersistedOnCrash?: boolean;
  /** elastickv's failPending: on leader loss every pending proposal becomes `unknown` (default true). */
  failPendingOnLeaderLoss?: boolean;
  /**
   * The lease fast path waits until the leader has committed in its term and applied its commit
   * index (default true). False is elastickv HEAD: return the applied state at once, which can be
   * stale on a new leader (spec B19 residual).
   */
  leaseReadWaitsForApply?: boolean;
  /** A proposal applied on its leader extends the lease from the proposal's instant (default true, as elastickv). */
  leaseExtendOnCommit?: boolean;
  /** A read or VerifyLeader not answered within this long fails (default 2 election timeouts). */
  readTimeoutUs?: number;
  /**
   * A read or VerifyLeader on a leader that is handing leadership over fails at once, as
   * elastickv's engine does (default true); false holds it for a quorum round like any other.
   */
  readsFailDuringTransfer?: boolean;
  /**
   * Orders the reads and VerifyLeader rounds of one node that complete together (one batch of
   * read states, or the waiters one apply releases), in place, before their callbacks run. The
   * real engine wakes a batch in one loop and the woken goroutines then race; absent = the order
   * they started in.
   */
  orderReleased?: (node: number, batch: ReadRequest[]) => void;
  bugs?: RaftHostBugs;
  /** Applies a committed entry to node's state machine; the result is what the proposer receives. */
  onApply?: (node: number, index: number, data: T, term: number) => R | undefined;
  /** The node restarted: reset its state machine; committed entries are then re-applied from index 1. */
  onRestart?: (node: number) => void;
  /** Leader, role or term of a node changed. */
  onRoleChange?: (node: number, role: string, term: number, lead: number) => void;
  /** Throw invariant violations out of the simulation instead of recording them. */
  throwOnViolation?: boolean;
  /** Run the invariant checks (default true). */
  checkInvariants?: boolean;
  /**
   * Wake a node only for the tick at which its Raft timers can do something, and fire the quiet
   * ticks before it in one go (default true). False queues an event for every tick. Either way a
   * node's Raft state at any input is what per-tick firing would leave, but events at the same
   * instant as a tick may run in another order, so histories can differ in rare runs.
   */
  lazyTicks?: boolean;
  /** Internal events for a trace (elections, crashes, restarts, transfers, faults). */
  onEvent?: (e: RaftEvent) => void;
}

export interface RaftEvent {
  atUs: number;
  node: number;
  kind: "elected" | "stepped-down" | "crash" | "restart" | "transfer" | "invariant";
  term: number;
  detail?: string;
}

export interface RaftCounters {
  /** Leaders elected (one per term that had a leader). */
  elections: number;
  /** Elections won by a node other than the previous winner. */
  leaderChanges: number;
  proposals: number;
  /** Proposal outcomes, by status. */
  applied: number;
  failed: number;
  unknown: number;
  /** Lease reads served by the fast path. */
  leaseFastReads: number;
  /** Lease reads that fell back to ReadIndex. */
  leaseSlowReads: number;
  /** ReadIndex and lease reads that waited (for a quorum round or for apply), by outcome. */
  readsOk: number;
  readsFailed: number;
  crashes: number;
  restarts: number;
  transfers: number;
}

interface PendingProposal<R> {
  term: number;
  cb: (o: RaftProposeOutcome<R>) => void;
  wallUs: number;
}

export interface ReadRequest {
  cb: (ok: boolean) => void;
  /** VerifyLeader: resolve on the quorum round, no apply wait. */
  verify: boolean;
  /** Read index to wait for (apply ≥ index); -1 until known. */
  index: number;
  timer: TimerId;
  done: boolean;
  /**
   * The node's map of requests in flight that the request is filed under, and its key there, for
   * its timeout; undefined for a lease read that only waits for the apply.
   */
  readonly reads: Map<number, ReadRequest> | undefined;
  readonly ctx: number;
}

interface Durable<T> {
  hardState: HardState;
  /** Entry i at position i-1. */
  log: Entry<T>[];
}

class Hosted<T, R> {
  raft: RaftNode<T>;
  up = true;
  inFlush = false;
  persisting: Ready<T> | undefined;
  persistTimer: TimerId = -1;
  /** The node's next tick wake-up, at `wakeUs` (µs of simulated time), or -1 when none is queued. */
  tickTimer: TimerId = -1;
  wakeUs = Number.POSITIVE_INFINITY;
  /**
   * The tick timer, as a wall-clock timer would run it: `lastTickWall` is the wall time of the last
   * tick, `nextTickUs` the simulated instant of its next firing (docs/model.md, "Ticks").
   */
  nextTickUs = 0;
  /** The end of the open append batch, or -1 when none is open. */
  batchTimer: TimerId = -1;
  /** Draws the batch windows (only when appends are batched). */
  batchRand: Stream | undefined;
  lastTickWall = 0;
  /** Highest index handed to onApply (the state machine's applied index). */
  applied = 0;
  readonly pending = new Map<number, PendingProposal<R>>();
  readonly reads = new Map<number, ReadRequest>();
  /** Reads with a known index waiting for apply. */
  waiters: ReadRequest[] = [];
  /** Heartbeat rounds and the wall time their messages were handed out, oldest first. */
  roundIds: number[] = [];
  roundWall: number[] = [];
  lastQuorumAckWall = Number.NEGATIVE_INFINITY;
  nextCtx = 1;

  constructor(
    readonly id: number,
    raft: RaftNode<T>,
    readonly durable: Durable<T>,
    readonly rand: Stream,
  ) {
    this.raft = raft;
  }
}

export class RaftCluster<T, R = unknown> {
  readonly sim: Simulation;
  readonly clocks: Clocks;
  readonly network: Network<Message<T>>;
  readonly n: number;
  readonly timing: RaftTiming;
  readonly invariants: RaftInvariants;
  readonly counters: RaftCounters = {
    elections: 0,
    leaderChanges: 0,
    proposals: 0,
    applied: 0,
    failed: 0,
    unknown: 0,
    leaseFastReads: 0,
    leaseSlowReads: 0,
    readsOk: 0,
    readsFailed: 0,
    crashes: 0,
    restarts: 0,
    transfers: 0,
  };
  /** Lease length on the leader's clock (µs); ≤ 0 means the lease is off. */
  readonly leaseDurationUs: number;
  /**
   * The largest clock offset (±µs, on any node) the configured lease margin tolerates:
   * margin ≥ one tick + 4·offset. Fault plans of the `fixed` design keep skew within it.
   */
  readonly driftBoundUs: number;

  private readonly hosts: Hosted<T, R>[];
  private readonly raftCfg: Omit<RaftConfig, "rand">;
  private readonly persistDelayUs: number;
  private readonly appendBatchWindowUs: number;
  private readonly batchEndFn: (h: Hosted<T, R>) => void;
  private readonly lossUnpersisted: boolean;
  private readonly failPending: boolean;
  private readonly leaseWaits: boolean;
  private readonly readsFailDuringTransfer: boolean;
  private readonly leaseExtend: boolean;
  private readonly readTimeoutUs: number;
  private readonly orderReleased: ((node: number, batch: ReadRequest[]) => void) | undefined;
  private readonly checkQuorum: boolean;
  private readonly forwardProposals: boolean;
  private readonly check: boolean;
  private readonly maxTickBurst: number;
  private readonly lazyTicks: boolean;
  private readonly onApplyCb: RaftClusterOptions<T, R>["onApply"];
  private readonly onRestartCb: RaftClusterOptions<T, R>["onRestart"];
  private readonly onRoleChangeCb: RaftClusterOptions<T, R>["onRoleChange"];
  private readonly onEventCb: RaftClusterOptions<T, R>["onEvent"];
  private lastWinner = NONE;
  private electionWatchers: Array<(node: number, term: number) => void> = [];
  private readonly tickFn: (h: Hosted<T, R>) => void;
  private readonly persistFn: (h: Hosted<T, R>) => void;
  private readonly runFn: (f: () => void) => void;
  /** A read's timeout event: one function for all of them, the request its argument. */
  private readonly readTimeoutFn: (req: ReadRequest) => void;

  constructor(opts: RaftClusterOptions<T, R>) {
    const n = opts.nodes;
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`RaftCluster: nodes must be >= 1, got ${n}`);
    this.sim = opts.sim;
    this.n = n;
    this.clocks = opts.clocks ?? new Clocks(opts.sim, n);
    this.network =
      opts.network ??
      new Network<Message<T>>(opts.sim, opts.rng.stream("raft/net"), n, {
        minDelayUs: 500,
        maxDelayUs: 2_000,
        dropRate: 0,
        dupRate: 0,
        reorder: false,
        ...opts.net,
      });
    this.timing = { ...PRODUCTION_TIMING, ...opts.timing };
    const t = this.timing;
    this.checkQuorum = opts.checkQuorum ?? true;
    this.forwardProposals = opts.forwardProposals ?? false;
    this.raftCfg = {
      electionTicks: t.electionTicks,
      heartbeatTicks: t.heartbeatTicks,
      preVote: opts.preVote ?? true,
      checkQuorum: this.checkQuorum,
      forwardProposals: this.forwardProposals,
      maxEntriesPerMsg: opts.maxEntriesPerMsg,
      maxInflightMsgs: opts.maxInflightMsgs,
      batchReads: opts.batchReads ?? false,
      coalesceAppendAcks: (opts.appendBatchWindowUs ?? 0) > 0,
      bugs: opts.bugs,
    };
    const margin = opts.bugs?.leaseWithoutDriftBound ? 0 : t.leaseMarginUs;
    // The lease rests on CheckQuorum's promise that followers ignore candidates for an election timeout.
    this.leaseDurationUs = this.checkQuorum ? t.electionTicks * t.tickUs - margin : 0;
    // A follower may vote one tick early (its timer starts mid-tick); each clock offset in
    // [-d, d] can shift a measured interval by up to 2d, on the leader and on the voter alike.
    this.driftBoundUs =
      this.leaseDurationUs > 0 ? Math.max(0, Math.floor((t.leaseMarginUs - t.tickUs) / 4)) : 0;
    this.persistDelayUs = opts.persistDelayUs ?? 0;
    this.appendBatchWindowUs = opts.appendBatchWindowUs ?? 0;
    this.batchEndFn = (h) => this.onBatchEnd(h);
    this.lossUnpersisted = opts.lossUnpersistedOnCrash ?? false;
    this.failPending = opts.failPendingOnLeaderLoss ?? true;
    this.leaseWaits = opts.leaseReadWaitsForApply ?? true;
    this.readsFailDuringTransfer = opts.readsFailDuringTransfer ?? true;
    this.leaseExtend = opts.leaseExtendOnCommit ?? true;
    this.readTimeoutUs = opts.readTimeoutUs ?? 2 * t.electionTicks * t.tickUs;
    this.orderReleased = opts.orderReleased;
    this.check = opts.checkInvariants ?? true;
    this.maxTickBurst = 2 * t.electionTicks + 1;
    this.lazyTicks = opts.lazyTicks ?? true;
    this.onApplyCb = opts.onApply;
    this.onRestartCb = opts.onRestart;
    this.onRoleChangeCb = opts.onRoleChange;
    this.onEventCb = opts.onEvent;
    this.invariants = new RaftInvariants({
      throwOnViolation: opts.throwOnViolation,
      now: () => this.sim.now,
    });
    this.tickFn = (h) => this.onTick(h);
    this.persistFn = (h) => this.onPersisted(h);
    this.runFn = (f) => f();
    this.readTimeoutFn = (req) => {
      req.reads?.delete(req.ctx);
      this.readDone(req, false);
    };

    this.hosts = [];
    for (let i = 0; i < n; i++) {
      const rand = opts.rng.stream(`raft/node${i}`);
      const durable: Durable<T> = { hardState: { term: 0, vote: NONE, commit: 0 }, log: [] };
      const h = new Hosted<T, R>(i, this.newRaft(i, rand, durable), durable, rand);
      // A stream of its own, so that turning batching on leaves every other draw where it was.
      if (this.appendBatchWindowUs > 0) h.batchRand = opts.rng.stream(`raft/batch${i}`);
      this.hosts.push(h);
      this.network.register(i, (_from, m) => this.deliver(h, m));
    }
    // Random tick phases, so that nodes' timers do not fire in lockstep.
    for (const h of this.hosts) {
      h.lastTickWall = this.clocks.wallUs(h.id) - h.rand.int(t.tickUs);
      h.nextTickUs = this.sim.now + 1 + h.rand.int(t.tickUs);
      this.scheduleWake(h);
    }
    // Lazy ticks compute past firings from the current skew, so they catch up before it changes.
    if (this.lazyTicks) this.clocks.onChange((node) => this.beforeClockChange(node));
  }

  // ---------------------------------------------------------------------------------------------
  // Queries.

  /** The unique leader of the highest term among nodes that are up, or undefined. */
  leader(): number | undefined {
    let best: number | undefined;
    let bestTerm = -1;
    let tie = false;
    for (const h of this.hosts) {
      if (!h.up || h.raft.role !== "leader") continue;
      const term = h.raft.term;
      if (term > bestTerm) {
        best = h.id;
        bestTerm = term;
        tie = false;
      } else if (term === bestTerm) {
        tie = true;
      }
    }
    return tie ? undefined : best;
  }

  /** Who node believes leads (undefined if it knows of none or is down). */
  leaderOf(node: number): number | undefined {
    const h = this.host(node);
    return h.up && h.raft.lead !== NONE ? h.raft.lead : undefined;
  }

  isLeader(node: number): boolean {
    const h = this.host(node);
    return h.up && h.raft.role === "leader";
  }

  isUp(node: number): boolean {
    return this.host(node).up;
  }

  /** The node's Raft state machine (read it, do not drive it). Replaced on restart. */
  raft(node: number): RaftNode<T> {
    const h = this.host(node);
    // Its tick counters as of now (a firing that would do more is left to its wake-up).
    if (this.lazyTicks && h.up && h.nextTickUs <= this.sim.now) this.catchUp(h, this.sim.now, true);
    return h.raft;
  }

  /** Index of the last entry handed to node's state machine. */
  appliedIndex(node: number): number {
    return this.host(node).applied;
  }

  /** Node's durable state (what a restart would start from, if nothing more is persisted). */
  durable(node: number): { hardState: HardState; entries: readonly Entry<T>[] } {
    const d = this.host(node).durable;
    return { hardState: { ...d.hardState }, entries: d.log };
  }

  /** The first invariant violation, if any. */
  get violation(): InvariantViolation | undefined {
    return this.invariants.first;
  }

  /** Time left on node's lease on its own clock (µs), or 0 when it holds none. */
  leaseRemainingUs(node: number): number {
    const h = this.host(node);
    if (!this.leaseUsable(h)) return 0;
    const left = this.leaseDurationUs - (this.clocks.wallUs(node) - h.lastQuorumAckWall);
    return Math.max(left, 0);
  }

  // ---------------------------------------------------------------------------------------------
  // Requests.

  /**
   * Proposes data on node. The callback gets `applied` (with onApply's result) once the entry is
   * applied on node; `failed` if node is not leader (or is transferring leadership), or the entry
   * was provably replaced by another term's; `unknown` when node loses leadership before
   * applying it (failPending; the entry may still commit) or crashes.
   */
  propose(node: number, data: T, cb: (o: RaftProposeOutcome<R>) => void): void {
    const h = this.host(node);
    this.counters.proposals++;
    if (!h.up) {
      this.later(() => this.resolve(cb, { status: "failed", message: "node is down" }));
      return;
    }
    this.tickUp(h);
    const r = h.raft;
    if (r.role !== "leader") {
      if (this.forwardProposals && r.lead !== NONE) {
        r.propose(data);
        this.flush(h);
        const message = `forwarded to leader ${r.lead}`;
        this.later(() => this.resolve(cb, { status: "unknown", message }));
        return;
      }
      const message = `not leader (leader is ${r.lead})`;
      this.later(() => this.resolve(cb, { status: "failed", message }));
      return;
    }
    const batched = h.batchRand !== undefined;
    const res = r.propose(data, batched);
    if (res === undefined) {
      this.later(() =>
        this.resolve(cb, { status: "failed", message: "proposal dropped: leadership transfer" }),
      );
      return;
    }
    h.pending.set(res.index, { term: res.term, cb, wallUs: this.clocks.wallUs(node) });
    if (!batched) {
      this.flush(h);
      return;
    }
    // The entry waits, unsent and unpersisted, for the end of the open batch (opened now if none).
    if (h.batchTimer < 0) {
      const w = h.batchRand!.int(this.appendBatchWindowUs + 1);
      h.batchTimer = this.sim.scheduleWith(w, this.batchEndFn, h, "raft.batch");
    }
    // Or for the next tick: its flush hands out the unflushed ready.
    this.rewake(h);
  }

  /** The append batch closes: its entries go out together (persisted with the next ready). */
  private onBatchEnd(h: Hosted<T, R>): void {
    h.batchTimer = -1;
    if (!h.up) return;
    this.tickUp(h);
    h.raft.flushAppends();
    this.flush(h);
  }

  /**
   * ReadIndex on node (a follower forwards to its leader): true once a quorum confirmed the
   * leadership after the read began and node applied up to the read index; false on leader loss,
   * crash or timeout.
   */
  readIndex(node: number, cb: (ok: boolean) => void): void {
    this.startRead(node, cb, false);
  }

  /** Lease read: the fast path when node leads and its lease holds on its own clock, else ReadIndex. */
  leaseRead(node: number, cb: (ok: boolean) => void): void {
    const h = this.host(node);
    if (h.up) this.tickUp(h);
    if (
      h.up &&
      this.leaseUsable(h) &&
      this.clocks.wallUs(node) - h.lastQuorumAckWall < this.leaseDurationUs
    ) {
      const r = h.raft;
      if (!this.leaseWaits) {
        this.counters.leaseFastReads++;
        this.later(() => cb(true));
        return;
      }
      if (r.committedInCurrentTerm) {
        this.counters.leaseFastReads++;
        if (h.applied >= r.commit) {
          this.later(() => cb(true));
        } else {
          const req: ReadRequest = {
            cb,
            verify: false,
            index: r.commit,
            timer: -1,
            done: false,
            reads: undefined,
            ctx: 0,
          };
          req.timer = this.sim.scheduleWith(this.readTimeoutUs, this.readTimeoutFn, req, "raft.read-timeout");
          h.waiters.push(req);
        }
        return;
      }
    }
    this.counters.leaseSlowReads++;
    this.startRead(node, cb, false);
  }

  /** A quorum heartbeat round confirming node still leads (production VerifyLeader). */
  verifyLeader(node: number, cb: (ok: boolean) => void): void {
    const h = this.host(node);
    if (h.up) this.tickUp(h);
    if (!h.up || h.raft.role !== "leader") {
      this.later(() => cb(false));
      return;
    }
    this.startRead(node, cb, true);
  }

  /** Asks the current leader (or the given node, which forwards) to hand leadership to `to`. */
  transferLeader(to: number, via?: number): void {
    const from = via ?? this.leader();
    if (from === undefined) return;
    const h = this.host(from);
    if (!h.up) return;
    this.counters.transfers++;
    this.event(h, "transfer", `to ${to}`);
    this.tickUp(h);
    h.raft.transferLeader(to);
    this.flush(h);
    this.rewake(h);
  }

  /** Calls fn once, when the next leader is elected (for faults aimed at a fresh leader). */
  onNextElection(fn: (node: number, term: number) => void): () => void {
    this.electionWatchers.push(fn);
    return () => {
      const i = this.electionWatchers.indexOf(fn);
      if (i >= 0) this.electionWatchers.splice(i, 1);
    };
  }

  /** Makes node start an election now. */
  campaign(node: number): void {
    const h = this.host(node);
    if (!h.up) return;
    this.tickUp(h);
    h.raft.campaign();
    this.flush(h);
    this.rewake(h);
  }

  // ---------------------------------------------------------------------------------------------
  // Faults.

  /** Crashes node: volatile state is lost, pending requests end `unknown` / false. */
  crash(node: number): void {
    const h = this.host(node);
    if (!h.up) return;
    this.counters.crashes++;
    this.event(h, "crash");
    h.up = false;
    this.network.crash(node);
    this.sim.cancel(h.tickTimer);
    h.tickTimer = -1;
    h.wakeUs = Number.POSITIVE_INFINITY;
    if (h.persistTimer >= 0) this.sim.cancel(h.persistTimer);
    h.persistTimer = -1;
    h.persisting = undefined;
    if (h.batchTimer >= 0) this.sim.cancel(h.batchTimer);
    h.batchTimer = -1;
    if (!this.lossUnpersisted) {
      const r = h.raft;
      h.durable.hardState = { term: r.term, vote: r.vote, commit: r.commit };
      h.durable.log = r.log.slice(1);
    }
    this.failAll(h, "node crashed");
  }

  /** Restarts node from its durable state; its state machine is rebuilt by re-applying the log. */
  restart(node: number): void {
    const h = this.host(node);
    if (h.up) return;
    this.counters.restarts++;
    h.up = true;
    this.network.restart(node);
    h.raft = this.newRaft(node, h.rand, h.durable);
    h.applied = 0;
    h.roundIds = [];
    h.roundWall = [];
    h.lastQuorumAckWall = Number.NEGATIVE_INFINITY;
    this.event(h, "restart");
    this.onRestartCb?.(node);
    h.lastTickWall = this.clocks.wallUs(node);
    h.nextTickUs = this.sim.now + this.timing.tickUs;
    this.scheduleWake(h);
    this.flush(h);
  }

  /** Partitions the Raft network (nodes not listed are alone). */
  partition(groups: number[][]): void {
    this.network.partition(groups);
  }

  heal(): void {
    this.network.heal();
  }

  /** Heals the network, restarts every crashed node and resets every clock's skew. */
  healAll(): void {
    this.network.heal();
    this.network.unclog();
    this.clocks.reset();
    for (const h of this.hosts) if (!h.up) this.restart(h.id);
  }

  // ---------------------------------------------------------------------------------------------
  // Internals.

  private host(node: number): Hosted<T, R> {
    const h = this.hosts[node];
    if (h === undefined) throw new RangeError(`RaftCluster: no node ${node}`);
    return h;
  }

  private newRaft(id: number, rand: Stream, d: Durable<T>): RaftNode<T> {
    return new RaftNode<T>(
      id,
      this.n,
      { ...this.raftCfg, rand: (k) => rand.int(k) },
      {
        hardState: d.hardState,
        entries: d.log,
      },
    );
  }

  private later(f: () => void, kind = "raft.reply"): void {
    this.sim.scheduleWith(0, this.runFn, f, kind);
  }

  private leaseUsable(h: Hosted<T, R>): boolean {
    const r = h.raft;
    return h.up && this.leaseDurationUs > 0 && r.role === "leader" && !r.transferring;
  }

  private event(h: Hosted<T, R>, kind: RaftEvent["kind"], detail?: string): void {
    const term = h.up || kind === "crash" ? h.raft.term : h.durable.hardState.term;
    this.sim.trace(`raft:${kind}:${h.id}:${term}`);
    this.onEventCb?.({ atUs: this.sim.now, node: h.id, kind, term, detail });
  }

  // ---------------------------------------------------------------------------------------------
  // Ticks. The timer is the wall-clock timer the real node runs: each firing runs the ticks its
  // wall clock passed since the last (a forward jump fires the missed ticks at once, capped; a
  // backward one fires none and leaves the next firing far ahead, so the node's timers stall),
  // then flushes. With lazy ticks no event is queued for a firing whose ticks only advance
  // counters: they are fired in one go when the node next wakes or takes an input, which always
  // happens first (docs/model.md, "Ticks").

  /** The wake-up event: runs the firings due by now, then queues the next wake-up. */
  private onTick(h: Hosted<T, R>): void {
    h.tickTimer = -1;
    h.wakeUs = Number.POSITIVE_INFINITY;
    if (!h.up) return;
    this.catchUp(h, this.sim.now, false);
    if (!h.up) return;
    this.scheduleWake(h);
  }

  /** Node's wall clock at simulated instant s, by its current skew. */
  private wallAt(h: Hosted<T, R>, s: number): number {
    const w = s + this.clocks.skew(h.id);
    return Math.max(w, 0);
  }

  /**
   * An unflushed ready that a firing's flush would hand out: only a batched proposal leaves one
   * between events (every other input flushes, and a ready held by an fsync is not flushable).
   */
  private readyLeft(h: Hosted<T, R>): boolean {
    return this.appendBatchWindowUs > 0 && h.persisting === undefined && !h.inFlush && h.raft.hasReady();
  }

  /** The simulated instant of the next firing that can do more than advance counters. */
  private dueUs(h: Hosted<T, R>): number {
    const s = h.nextTickUs;
    if (!this.lazyTicks) return s;
    const tickUs = this.timing.tickUs;
    // Off the period (its clock moved since the firing was set): that firing may run many ticks or none.
    if (this.wallAt(h, s) !== h.lastTickWall + tickUs || this.readyLeft(h)) return s;
    return s + h.raft.quietTicks() * tickUs;
  }

  /** Queues the wake-up for `due` (the next eventful firing), unless one no later is queued. */
  private scheduleWake(h: Hosted<T, R>, due = this.dueUs(h)): void {
    if (h.tickTimer >= 0) {
      if (h.wakeUs <= due) return;
      this.sim.cancel(h.tickTimer);
    }
    h.wakeUs = due;
    h.tickTimer = this.sim.atWith(due, this.tickFn, h, "raft.tick");
  }

  /**
   * Runs node's firings at instants up to `until` in order, those on the period with nothing due
   * in one step. `quietOnly` stops before a firing that could do more than advance counters.
   */
  private catchUp(h: Hosted<T, R>, until: number, quietOnly: boolean): void {
    const tickUs = this.timing.tickUs;
    while (h.up && h.nextTickUs <= until) {
      const s = h.nextTickUs;
      const wall = this.wallAt(h, s);
      const r = h.raft;
      if (wall === h.lastTickWall + tickUs && !this.readyLeft(h)) {
        // On the period: the firings at s, s + tick, ... each run one tick.
        const n = Math.floor((until - s) / tickUs) + 1;
        const q = r.quietTicks();
        if (q > 0) {
          const m = Math.min(q, n);
          r.skipTicks(m);
          h.lastTickWall += m * tickUs;
          h.nextTickUs = s + m * tickUs;
          continue;
        }
      } else {
        const k = Math.floor((wall - h.lastTickWall) / tickUs);
        if (k <= 0) {
          // A backward jump: no tick, and the next firing waits for the clock to catch up.
          h.nextTickUs = s + (h.lastTickWall + tickUs - wall);
          continue;
        }
      }
      if (quietOnly) return;
      this.fire(h, wall);
    }
  }

  /** The firing at h.nextTickUs, whose wall time is `wall`: its ticks, then a flush. */
  private fire(h: Hosted<T, R>, wall: number): void {
    const tickUs = this.timing.tickUs;
    let k = Math.floor((wall - h.lastTickWall) / tickUs);
    if (k > 0) h.lastTickWall += k * tickUs;
    // Set before the flush: an input its callbacks make on this node must not run this firing again.
    h.nextTickUs += h.lastTickWall + tickUs - wall;
    if (k <= 0) return;
    // A forward clock jump fires the missed ticks at once (a wall-clock timer would), capped.
    if (k > this.maxTickBurst) k = this.maxTickBurst;
    h.raft.fireTicks(k);
    this.flush(h);
  }

  /**
   * Before an input reaches node's Raft: the firings due by now run first, as a tick event queued
   * a period earlier runs before an input of its instant that was queued later (most are).
   */
  private tickUp(h: Hosted<T, R>): void {
    if (this.lazyTicks && h.nextTickUs <= this.sim.now) this.catchUp(h, this.sim.now, false);
  }

  /** After an input that may bring the next eventful tick forward (a role change, a new timeout). */
  private rewake(h: Hosted<T, R>): void {
    if (this.lazyTicks && h.up) this.scheduleWake(h);
  }

  /**
   * Before node's clock changes: firings before now ran on the old skew (a fault queued ahead
   * runs before a tick event of its instant); the next one reads the new clock, so wake for it.
   */
  private beforeClockChange(node: number): void {
    if (node >= this.n) return;
    const h = this.hosts[node];
    if (!h.up) return;
    this.catchUp(h, this.sim.now - 1, false);
    this.scheduleWake(h, h.nextTickUs);
  }

  private deliver(h: Hosted<T, R>, m: Message<T>): void {
    if (!h.up) return;
    if (!this.lazyTicks) {
      h.raft.step(m);
      this.flush(h);
      return;
    }
    this.tickUp(h);
    const r = h.raft;
    const { role, term, randomizedElectionTimeout } = r;
    r.step(m);
    this.flush(h);
    // A message brings the next eventful tick forward only with a new role or term (or a redrawn
    // timeout); resetting the election counter only puts it off, and the wake-up then finds
    // nothing due and sleeps on. Most deliveries change none of them.
    if (
      h.up &&
      (h.raft !== r ||
        r.role !== role ||
        r.term !== term ||
        r.randomizedElectionTimeout !== randomizedElectionTimeout)
    ) {
      this.scheduleWake(h);
    }
  }

  private violate(h: Hosted<T, R>, name: InvariantName, message: string): void {
    this.event(h, "invariant", `${name}: ${message}`);
    this.invariants.violate(name, message);
  }

  private flush(h: Hosted<T, R>): void {
    if (h.inFlush || h.persisting !== undefined || !h.up) return;
    h.inFlush = true;
    try {
      while (h.up && h.persisting === undefined && h.raft.hasReady()) {
        const rd = h.raft.ready();
        this.observe(h, rd);
        if (rd.entriesToPersist.length !== 0 || rd.hardState !== undefined) {
          if (this.persistDelayUs > 0) {
            h.persisting = rd;
            h.persistTimer = this.sim.scheduleWith(this.persistDelayUs, this.persistFn, h, "raft.fsync");
            break;
          }
          this.writeDurable(h, rd);
        }
        this.complete(h, rd);
      }
    } finally {
      h.inFlush = false;
    }
  }

  private onPersisted(h: Hosted<T, R>): void {
    const rd = h.persisting;
    h.persistTimer = -1;
    if (!h.up || rd === undefined) return;
    h.persisting = undefined;
    this.writeDurable(h, rd);
    h.inFlush = true;
    try {
      this.complete(h, rd);
    } finally {
      h.inFlush = false;
    }
    this.flush(h);
  }

  private writeDurable(h: Hosted<T, R>, rd: Ready<T>): void {
    const d = h.durable;
    const ents = rd.entriesToPersist;
    if (ents.length !== 0) {
      const first = ents[0].index;
      if (d.log.length > first - 1) d.log.length = first - 1;
      for (let i = 0; i < ents.length; i++) d.log.push(ents[i]);
    }
    if (rd.hardState !== undefined) d.hardState = rd.hardState;
  }

  /** Bookkeeping at the moment a ready is taken (before persistence). */
  private observe(h: Hosted<T, R>, rd: Ready<T>): void {
    const r = h.raft;
    const ss = rd.softState;
    if (ss !== undefined) {
      this.onRoleChangeCb?.(h.id, ss.role, ss.term, ss.lead);
      if (ss.role === "leader" && ss.lead === h.id) {
        this.counters.elections++;
        if (this.lastWinner !== h.id) {
          if (this.lastWinner !== NONE) this.counters.leaderChanges++;
          this.lastWinner = h.id;
        }
        h.lastQuorumAckWall = Number.NEGATIVE_INFINITY;
        h.roundIds.length = 0;
        h.roundWall.length = 0;
        this.event(h, "elected");
        if (this.electionWatchers.length !== 0) {
          const ws = this.electionWatchers;
          this.electionWatchers = [];
          for (const w of ws) w(h.id, ss.term);
        }
        if (this.check) this.invariants.leaderElected(h.id, ss.term, r.log);
      }
    }
    if (this.check && rd.entriesToPersist.length !== 0) {
      const first = rd.entriesToPersist[0].index;
      this.invariants.appended(h.id, rd.entriesToPersist, r.termAt(first - 1));
    }
    if (rd.leadershipLost) {
      this.event(h, "stepped-down");
      // Leader-loss callback: the lease is gone with the leadership.
      h.lastQuorumAckWall = Number.NEGATIVE_INFINITY;
      h.roundIds.length = 0;
      h.roundWall.length = 0;
      if (this.failPending && h.pending.size !== 0) {
        const keep = r.role === "leader" ? r.term : -1;
        for (const [index, p] of h.pending) {
          if (p.term === keep) continue;
          h.pending.delete(index);
          this.resolve(p.cb, { status: "unknown", message: `leadership lost (term ${p.term})` });
        }
      }
    }
    if (!this.failPending && h.pending.size !== 0 && rd.entriesToPersist.length !== 0) {
      // Without failPending, a truncation proves an entry of ours lost.
      const first = rd.entriesToPersist[0].index;
      for (const [index, p] of h.pending) {
        if (index >= first && r.termAt(index) !== p.term) {
          h.pending.delete(index);
          this.resolve(p.cb, { status: "failed", message: `entry ${index} overwritten` });
        }
      }
    }
    if (rd.heartbeatRound !== 0 && this.leaseDurationUs > 0) {
      h.roundIds.push(rd.heartbeatRound);
      h.roundWall.push(this.clocks.wallUs(h.id));
    }
    if (rd.quorumAck !== 0) this.quorumAcked(h, rd.quorumAck);
  }

  /**
   * Round q reached a quorum. Its messages were handed out no earlier than the ready that
   * recorded the smallest round ≥ q, and followers reset their election timers on receipt, so that
   * ready's wall time is a safe start for the lease.
   */
  private quorumAcked(h: Hosted<T, R>, q: number): void {
    const ids = h.roundIds;
    let k = 0;
    while (k < ids.length && ids[k] < q) k++;
    if (k === ids.length) return;
    const t = h.roundWall[k];
    if (t > h.lastQuorumAckWall) h.lastQuorumAckWall = t;
    // Shifts, not splices: no array of the removed rounds is made.
    for (let i = 0; i < k; i++) {
      ids.shift();
      h.roundWall.shift();
    }
  }

  /** After persistence: send, apply, answer reads. */
  private complete(h: Hosted<T, R>, rd: Ready<T>): void {
    const r = h.raft;
    const id = h.id;
    const msgs = rd.messages;
    for (let i = 0; i < msgs.length; i++) this.network.send(id, msgs[i].to, msgs[i]);
    if (this.check && rd.hardState !== undefined) this.invariants.committed(id, rd.hardState.commit, r.log);
    const ce = rd.committedEntries;
    if (ce.length !== 0) {
      for (let i = 0; i < ce.length; i++) {
        const e = ce[i];
        h.applied = e.index;
        if (this.check) this.invariants.applied(id, e);
        let result: R | undefined;
        if (e.data !== undefined && this.onApplyCb !== undefined)
          result = this.onApplyCb(id, e.index, e.data, e.term);
        if (!h.up || h.raft !== r) return;
        if (h.pending.size !== 0) {
          const p = h.pending.get(e.index);
          if (p !== undefined) {
            h.pending.delete(e.index);
            if (p.term === e.term) {
              if (
                this.leaseExtend &&
                r.role === "leader" &&
                r.term === p.term &&
                p.wallUs > h.lastQuorumAckWall
              ) {
                h.lastQuorumAckWall = p.wallUs;
              }
              this.resolve(p.cb, {
                status: "applied",
                index: e.index,
                result,
              });
            } else {
              this.resolve(p.cb, {
                status: "failed",
                message: `entry ${e.index} overwritten by term ${e.term}`,
              });
            }
            if (!h.up || h.raft !== r) return;
          }
        }
      }
      if (h.waiters.length !== 0) this.releaseWaiters(h);
    }
    let batch: ReadRequest[] | undefined;
    // Indexed loops: these run on every ready, nearly always over empty arrays.
    const states = rd.readStates;
    for (let i = 0; i < states.length; i++) {
      const rs = states[i];
      const req = h.reads.get(rs.ctx);
      if (req === undefined) continue;
      h.reads.delete(rs.ctx);
      if (req.verify || h.applied >= rs.index) {
        if (this.orderReleased === undefined) this.readDone(req, true);
        else {
          batch ??= [];
          batch.push(req);
        }
      } else {
        req.index = rs.index;
        h.waiters.push(req);
      }
    }
    if (batch !== undefined) this.releaseBatch(h, batch);
    const dropped = rd.readsDropped;
    for (let i = 0; i < dropped.length; i++) {
      const ctx = dropped[i];
      const req = h.reads.get(ctx);
      if (req === undefined) continue;
      h.reads.delete(ctx);
      this.readDone(req, false);
    }
    r.advance();
    // Nothing holds the ready now (its messages are on the network): the next one reuses it.
    r.recycle(rd);
  }

  private releaseWaiters(h: Hosted<T, R>): void {
    const ws = h.waiters;
    const ordered = this.orderReleased !== undefined;
    let batch: ReadRequest[] | undefined;
    let j = 0;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i];
      if (w.done) continue;
      if (w.index <= h.applied) {
        if (!ordered) this.readDone(w, true);
        else {
          batch ??= [];
          batch.push(w);
        }
      } else ws[j++] = w;
    }
    ws.length = j;
    if (batch !== undefined) this.releaseBatch(h, batch);
  }

  /** Completes a batch of reads in the order `orderReleased` gives. */
  private releaseBatch(h: Hosted<T, R>, batch: ReadRequest[]): void {
    if (batch.length > 1) this.orderReleased!(h.id, batch);
    for (const req of batch) this.readDone(req, true);
  }

  private startRead(node: number, cb: (ok: boolean) => void, verify: boolean): void {
    const h = this.host(node);
    if (h.up) this.tickUp(h);
    // While a leadership transfer is in flight the engine fails every read at once
    // (`errLeadershipTransferInProgress`) instead of waiting for a quorum round.
    const transfer =
      this.readsFailDuringTransfer && h.raft.role === "leader" && h.raft.leadTransferee !== NONE;
    if (!h.up || transfer) {
      this.later(() => cb(false));
      return;
    }
    const ctx = h.nextCtx++;
    const req: ReadRequest = { cb, verify, index: -1, timer: -1, done: false, reads: h.reads, ctx };
    req.timer = this.sim.scheduleWith(this.readTimeoutUs, this.readTimeoutFn, req, "raft.read-timeout");
    h.reads.set(ctx, req);
    h.raft.readIndex(ctx);
    this.flush(h);
  }

  private readDone(req: ReadRequest, ok: boolean): void {
    if (req.done) return;
    req.done = true;
    if (req.timer >= 0) this.sim.cancel(req.timer);
    if (!req.verify) {
      if (ok) this.counters.readsOk++;
      else this.counters.readsFailed++;
    }
    const cb = req.cb;
    cb(ok);
  }

  private failAll(h: Hosted<T, R>, why: string): void {
    const pending = [...h.pending.values()];
    h.pending.clear();
    for (const p of pending) {
      this.resolve(p.cb, { status: "unknown", message: why });
    }
    const reads = [...h.reads.values(), ...h.waiters];
    h.reads.clear();
    h.waiters = [];
    for (const req of reads) this.readDone(req, false);
  }

  private resolve(cb: (o: RaftProposeOutcome<R>) => void, o: RaftProposeOutcome<R>): void {
    this.counters[o.status]++;
    cb(o);
  }
}

// -------------------------------------------------------------------------------------------------
// Nemesis.

/**
 * Fault options. `maxSkewUs` / `maxJumpUs` default to the cluster's lease drift bound when the
 * lease is on (the engine's 2 s otherwise).
 */
export interface RaftFaultOptions extends NetworkFaultOptions {
  /** Also register the engine's network and clock faults on the Raft network (default true). */
  networkFaults?: boolean;
  /** Longest wait before `isolate-new-leader` cuts off the fresh leader (default 50 ms). */
  maxNewLeaderDelayUs?: number;
}

/**
 * Registers Raft-aware fault kinds (plus, by default, the engine's network and clock kinds on
 * the cluster's network). Args left out are resolved when the fault starts and written back:
 * - `isolate-leader`: partitions the current leader from everyone (stop heals);
 * - `isolate-new-leader` / `crash-new-leader` (args.delayUs): isolates / crashes the next leader
 *   elected, delayUs after its election (stop heals / restarts);
 * - `crash` (args.node) / `crash-leader`: stop restarts the node (only if this fault crashed it);
 * - `restart` (args.node; all crashed nodes when absent);
 * - `transfer-leader` (args.to): hands leadership to another node;
 * - `skew-leader` (args.skewUs): sets the leader's clock skew (stop restores it);
 * - `heal-all`: heals the network, restarts every node, resets clocks.
 */
export function registerRaftFaults<T, R>(
  nemesis: Nemesis,
  cluster: RaftCluster<T, R>,
  rng: Stream,
  opts?: RaftFaultOptions,
): void {
  // With a lease, skew and jumps default to its drift bound, so a plain fault plan stays within
  // what the lease tolerates; larger skew is an explicit choice. (Repeated jumps still add up.)
  const bound = cluster.driftBoundUs > 0 ? cluster.driftBoundUs : undefined;
  const maxSkew = Math.round(opts?.maxSkewUs ?? bound ?? 2_000_000);
  const maxJump = Math.round(opts?.maxJumpUs ?? bound ?? 2_000_000);
  if (opts?.networkFaults ?? true) {
    registerNetworkFaults(nemesis, cluster.network, cluster.clocks, rng, {
      ...opts,
      maxSkewUs: maxSkew,
      maxJumpUs: maxJump,
    });
  }
  const maxNewLeaderDelay = Math.round(opts?.maxNewLeaderDelayUs ?? 50_000);
  // Registration order is what `Nemesis.kinds()` lists, so the families are registered in a fixed order.
  registerIsolationFaults(nemesis, cluster, rng, maxNewLeaderDelay);
  registerCrashFaults(nemesis, cluster, rng);
  registerLeaderFaults(nemesis, cluster, rng, maxSkew);
  nemesis.register("heal-all", () => cluster.healAll());
}

/** Crashes `node` for fault `f`, recording whether this fault is the one that took it down. */
function crashFor<T, R>(cluster: RaftCluster<T, R>, f: Fault, node: number | undefined): void {
  const a = faultArgs(f);
  a.crashed = false;
  if (node === undefined) return;
  a.node = node;
  if (cluster.isUp(node)) {
    cluster.crash(node);
    a.crashed = true;
  }
}

/** Stops a crash fault: restarts its node only if this fault crashed it. */
function stopCrashFor<T, R>(cluster: RaftCluster<T, R>, f: Fault): void {
  const a = faultArgs(f);
  if (a.crashed === true && typeof a.node === "number") cluster.restart(a.node);
}

/** `isolate-leader`, `isolate-new-leader` and `crash-new-leader`. */
function registerIsolationFaults<T, R>(
  nemesis: Nemesis,
  cluster: RaftCluster<T, R>,
  rng: Stream,
  maxNewLeaderDelay: number,
): void {
  const n = cluster.n;
  nemesis.register(
    "isolate-leader",
    (f) => {
      const a = faultArgs(f);
      const l = cluster.leader() ?? rng.int(n);
      a.node = l;
      cluster.network.isolate(l);
    },
    () => cluster.heal(),
  );
  // A leader cut off right after its election leaves entries of its term on a minority, the
  // precondition of the Raft paper's Figure 8; with a delay it cuts off a leader mid catch-up.
  const onNewLeader = (kind: string, act: (node: number, f: Fault) => void, undo: (f: Fault) => void) => {
    nemesis.register(
      kind,
      (f) => {
        const a = faultArgs(f);
        if (typeof a.delayUs !== "number") a.delayUs = rng.int(maxNewLeaderDelay + 1);
        const cancel = cluster.onNextElection((node) => {
          a.node = node;
          cluster.sim.schedule(a.delayUs as number, () => {
            if (a.stopped !== true) act(node, f);
          });
        });
        stopHooks.set(f, cancel);
      },
      (f) => {
        faultArgs(f).stopped = true;
        stopHooks.get(f)?.();
        stopHooks.delete(f);
        undo(f);
      },
    );
  };
  const stopHooks = new Map<Fault, () => void>();
  onNewLeader(
    "isolate-new-leader",
    (node) => cluster.network.isolate(node),
    () => cluster.heal(),
  );
  onNewLeader(
    "crash-new-leader",
    (node, f) => crashFor(cluster, f, node),
    (f) => stopCrashFor(cluster, f),
  );
}

/** `crash`, `crash-leader` and `restart`. */
function registerCrashFaults<T, R>(nemesis: Nemesis, cluster: RaftCluster<T, R>, rng: Stream): void {
  const n = cluster.n;
  const stopCrash = (f: Fault) => stopCrashFor(cluster, f);
  nemesis.register(
    "crash",
    (f) => {
      const a = faultArgs(f);
      crashFor(cluster, f, typeof a.node === "number" ? a.node : rng.int(n));
    },
    stopCrash,
  );
  nemesis.register("crash-leader", (f) => crashFor(cluster, f, cluster.leader()), stopCrash);
  nemesis.register("restart", (f) => {
    const a = faultArgs(f);
    if (typeof a.node === "number") cluster.restart(a.node);
    else for (let i = 0; i < n; i++) cluster.restart(i);
  });
}

/** `transfer-leader` and `skew-leader`. */
function registerLeaderFaults<T, R>(
  nemesis: Nemesis,
  cluster: RaftCluster<T, R>,
  rng: Stream,
  maxSkew: number,
): void {
  const n = cluster.n;
  nemesis.register("transfer-leader", (f) => {
    const a = faultArgs(f);
    const l = cluster.leader();
    if (l === undefined || n < 2) return;
    // Draw among the others, so choice 0 is the next node.
    if (typeof a.to !== "number") a.to = (l + 1 + rng.int(n - 1)) % n;
    a.from = l;
    cluster.transferLeader(a.to as number, l);
  });
  nemesis.register(
    "skew-leader",
    (f) => {
      const a = faultArgs(f);
      const node = cluster.leader() ?? rng.int(n);
      a.node = node;
      if (typeof a.skewUs !== "number") {
        const v = rng.int(maxSkew + 1);
        a.skewUs = rng.chance(0.5) ? -v : v;
      }
      a.prevSkewUs = cluster.clocks.skew(node);
      cluster.clocks.setSkew(node, a.skewUs as number);
    },
    (f) => cluster.clocks.setSkew(f.args!.node as number, f.args!.prevSkewUs as number),
  );
}
