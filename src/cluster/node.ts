/**
 * One simulated elastickv node: its replica (MVCC store + HLC + FSM), its Redis adapter and
 * compactor, and the host that carries out their effects on the Raft cluster and the network.
 *
 * A command reaching a follower is proxied whole to the node it believes leads (as elastickv's
 * `proxyToLeader`); a forwarded dispatch goes to the leader's coordinator. Both travel on the same
 * simulated network as Raft, so partitions cut them too. A crash abandons every coroutine running
 * on the node (a generation counter), exactly as a killed process drops its goroutines.
 */
import type { Clocks } from "../engine/clock.ts";
import type { Network } from "../engine/network.ts";
import type { Stream } from "../engine/rng.ts";
import type { Scheduler, TaskId } from "../engine/schedule.ts";
import type { Simulation } from "../engine/sim.ts";
import { ensureCatalog } from "../kv/bootstrap.ts";
import { type CoordinatorEnv, LEADER_ERRORS, serveForward } from "../kv/coordinator.ts";
import { applyRequest } from "../kv/fsm.ts";
import { Hlc } from "../kv/hlc.ts";
import { NOT_NOW, performRead, ReadFailed } from "../kv/reads.ts";
import type {
  ApplyResult,
  DispatchResult,
  Effect,
  FsmRequest,
  OperationGroup,
  ProposeOutcome,
  StoreRead,
} from "../kv/types.ts";
import { MvccStore } from "../mvcc/store.ts";
import type { RaftCluster, RaftProposeOutcome } from "../raft/host.ts";
import type { Message } from "../raft/raft.ts";
import { DeltaCompactor } from "../redis/compactor.ts";
import type { NodeContext } from "../redis/context.ts";
import { commandCoroutine, errorReply } from "../redis/execute.ts";
import { checkStoreInvariants } from "../redis/invariants.ts";
import { type RedisCommand, type RedisReply, reply } from "../redis/types.ts";
import { type CoroutineHost, type Later, PENDING, type Resume, runCoroutine } from "./coroutine.ts";
import type { AllKnobs } from "./knobs.ts";

export type AppMessage =
  /** `key`: the command's name for the scheduler (SimNode.handleClient). */
  | { app: true; t: "proxy"; id: number; cmd: RedisCommand; key: string }
  | { app: true; t: "proxy-reply"; id: number; reply: RedisReply }
  /** `key`: the forwarding task's name for the scheduler, so the served dispatch is named after it. */
  | { app: true; t: "forward"; id: number; group: OperationGroup; key: string }
  | { app: true; t: "forward-reply"; id: number; result: DispatchResult }
  | { app: true; t: "read"; id: number; read: StoreRead }
  | { app: true; t: "read-reply"; id: number; value: unknown };

/** A store read paused before its step: the argument of its event, in place of a closure. */
interface PausedRead {
  node: SimNode;
  e: StoreRead;
  resume: Resume;
}

/** One task of a node, as the host of its coroutine knows it (`SimNode.run`). */
interface NodeTask {
  /** The node's generation when the task started: a crash or restart since abandons it. */
  readonly gen: number;
  /** Its id with the node's scheduler (0 when scheduling points are off). */
  readonly id: TaskId;
  /** Its name for the scheduler (`SimNode.run`). */
  readonly key: string;
  /** It has an own stream of draws (`taskRng`), dropped when it ends. */
  readonly own: boolean;
  /** It holds a slot of the scheduler, given back when it ends. */
  readonly scheduled: boolean;
}

/** Resumes a task with nothing (the end of a pause or a sleep), shared by their events. */
const resumeEmpty = (resume: Resume): void => resume(undefined);

/** Everything the cluster's one network carries: Raft's messages and the nodes' own RPCs. */
export type ClusterWire = Message<FsmRequest> | AppMessage;

/**
 * Node RPCs are instances of one class, so that the wire tells them from Raft's messages by a
 * prototype check: it asks on every delivery, and a property test across the messages' many shapes
 * was a visible share of a run.
 */
class AppWire {}

/** A node RPC as it goes on the wire. */
function appMessage(m: AppMessage): AppMessage {
  return Object.assign(new AppWire(), m);
}

export function isAppMessage(m: ClusterWire): m is AppMessage {
  return m instanceof AppWire;
}

/**
 * Raft's view of the shared wire. The host sends only Raft messages, and it receives only Raft
 * messages because the nodes' route (`ClusterRun.buildNetwork`) takes every node RPC before Raft's handler
 * runs; the host's network type names its own messages alone, hence this one narrowing.
 */
export function raftWire(network: Network<ClusterWire>): Network<Message<FsmRequest>> {
  return network as unknown as Network<Message<FsmRequest>>;
}

export interface NodeDeps {
  sim: Simulation;
  raft: RaftCluster<FsmRequest, ApplyResult>;
  clocks: Clocks;
  network: Network<ClusterWire>;
  knobs: AllKnobs;
  rng: Stream;
  /**
   * Under `taskKeyedDraws`: the stream a keyed task's own draws on `rng` (a retry's jitter) come
   * from instead, so that they do not depend on other tasks' draws at the same instant.
   */
  taskRng?: (key: string) => Stream;
  /** This node's scheduler of its tasks (client commands, forwards served, the compactor). */
  sched: Scheduler;
  probe(name: string): void;
  emit(kind: string, data: Record<string, unknown>): void;
  /** Whether `emit` records anything: when not, trace payloads are not even built (hot paths). */
  tracing: boolean;
  reuseLog: Set<string>;
  onInvariant(name: string, detail: string): void;
}

/**
 * The leader-churn phrase that ends the real error for one of the Raft host's failure messages,
 * which word the same outcomes with details after the phrase ("leadership lost (term 4)").
 */
function leaderPhrase(m: string): string | undefined {
  return m.startsWith("leadership lost")
    ? LEADER_ERRORS.leadershipLost
    : m.startsWith("not leader")
      ? LEADER_ERRORS.notLeader
      : m.startsWith("proposal dropped: leadership transfer")
        ? LEADER_ERRORS.transferInProgress
        : undefined;
}

function phraseLast(m: string): string {
  const phrase = leaderPhrase(m);
  return phrase === undefined || m.endsWith(phrase) ? m : `${m}: ${phrase}`;
}

/** An entry the FSM did not answer for (it carried no request) applied as a plain success. */
const APPLIED_WITHOUT_RESULT: ApplyResult = { ok: true, commitTS: 0 };

/** The Raft host's outcome as the coordinator sees it: an applied entry always has a result. */
function proposeOutcome(o: RaftProposeOutcome<ApplyResult>): ProposeOutcome {
  if (o.status !== "applied") return o;
  return { status: "applied", index: o.index, result: o.result ?? APPLIED_WITHOUT_RESULT };
}

/**
 * The demo coordinator's errors cross gRPC as strings, and its Dispatch loop recognises leader
 * churn by the message's suffix (`LEADER_ERRORS`), so the demo host puts the phrase last.
 */
function demoLeaderError(o: ProposeOutcome): ProposeOutcome {
  if (o.status === "applied") return o;
  const message = phraseLast(o.message);
  return message === o.message ? o : { ...o, message };
}

/**
 * A forwarded dispatch's answer as it crosses the RPC: an error's text ends with the sentinel's
 * phrase, which is how the forwarding proxy tells leader churn from a final error.
 */
function wireLeaderError(r: DispatchResult): DispatchResult {
  if (r.ok || r.kind === "write-conflict") return r;
  const message = phraseLast(r.message);
  return message === r.message ? r : { ...r, message };
}

export class SimNode {
  store: MvccStore;
  hlc: Hlc;
  private generation = 0;
  private nextId = 1;
  /** Txn ids of this node's dispatches; never reset, so ids stay unique across restarts. */
  private nextTxn = 1;
  /** This node's wall clock when it last started a (real, not pre-) vote campaign. */
  private campaignWallUs = Number.NEGATIVE_INFINITY;
  private readonly proxied = new Map<number, { done: (r: RedisReply) => void; timer: number }>();
  private readonly forwarded = new Map<number, { resume: Resume; timer: number }>();
  private readonly readsSent = new Map<number, { resume: Resume; timer: number }>();
  private ctx: NodeContext;
  private compactor: DeltaCompactor;
  private compactorPaused = false;
  private leaseTimer = -1;
  /** The task whose coroutine is running right now (set before each resumption). */
  private current: TaskId = 0;
  /** Under `taskKeyedDraws`: the keys of the live tasks, and the own streams made for them. */
  private readonly taskKeys = new Map<TaskId, string>();
  private readonly taskStreams = new Map<TaskId, Stream>();
  /** Read waiters' callbacks (as given to Raft) to their tasks: `releasedTask`. */
  private readonly waiterTasks = new WeakMap<Resume, TaskId>();
  private isLeaderNow = false;
  /** The host of every task's coroutine: one object for all of them (`runCoroutine`). */
  private readonly taskHost: CoroutineHost<NodeTask> = {
    perform: (e, run, t) => this.perform(e, run, t.id, t.key),
    alive: (t) => t.gen === this.generation,
    enter: (t) => {
      this.current = t.id;
    },
    finished: (t) => {
      if (!t.scheduled) return;
      this.d.sched.end(t.id);
      if (t.own) {
        this.taskKeys.delete(t.id);
        this.taskStreams.delete(t.id);
      }
    },
  };

  constructor(
    readonly id: number,
    private readonly d: NodeDeps,
  ) {
    this.store = new MvccStore();
    this.bootstrapStore();
    this.hlc = this.newHlc();
    this.ctx = this.newContext();
    this.compactor = new DeltaCompactor(this.ctx);
  }

  /**
   * The server's start-up, before any client connects (docs/model.md, "S1"): the route catalog is
   * written straight into the local store at commitTS 1, not through Raft. A restart reloads it
   * with the rest of the store; here the store is rebuilt, so the write is made again first.
   */
  private bootstrapStore(): void {
    if (!this.d.knobs.catalogBootstrap) return;
    const commitTS = ensureCatalog(this.store);
    if (this.d.tracing) this.d.emit("store.bootstrap", { node: this.id, commitTS });
  }

  private newHlc(): Hlc {
    return Hlc.fromKnobs(() => this.d.clocks.wallUs(this.id) / 1000, this.d.knobs);
  }

  private newContext(): NodeContext {
    const d = this.d;
    const coordinatorEnv: CoordinatorEnv = {
      isLeader: () => d.raft.isLeader(this.id),
      hlc: this.hlc,
      store: this.store,
      knobs: d.knobs,
      random: () => this.taskStream().float(),
      probe: d.probe,
      nowUs: () => d.sim.now,
      newTxnId: () => `n${this.id}.${this.nextTxn++}`,
      // Safe while no other leader can exist (a lease, from the last quorum acknowledgement or from
      // the votes that elected it) and the store shows every acknowledged write: a leader's log
      // holds every committed entry, and once it has applied all entries of earlier terms, those
      // of its own term are acknowledged only after they are applied here.
      readSafeLocally: () => {
        const raft = d.raft;
        const r = raft.raft(this.id);
        if (!r.isLeader || r.transferring || raft.leaseDurationUs <= 0) return false;
        const applied = raft.appliedIndex(this.id);
        if (applied < r.lastIndex && r.termAt(applied + 1) !== r.term) return false;
        const sinceVotes = d.clocks.wallUs(this.id) - this.campaignWallUs;
        return raft.leaseRemainingUs(this.id) > 0 || sinceVotes < raft.leaseDurationUs;
      },
    };
    return {
      store: this.store,
      hlc: this.hlc,
      knobs: d.knobs,
      coordinatorEnv,
      random: () => this.taskStream().float(),
      probe: d.probe,
      tracing: d.tracing,
      trace: d.tracing
        ? (ev, data) => d.emit(ev, { node: this.id, ...(data as Record<string, unknown>) })
        : () => {},
      urgentCompaction: (type, userKey) => this.compactor.triggerUrgent(type, userKey),
      readNow: (e) => this.readNow(e),
      pauseAt: (_point) => (d.sched.active ? d.sched.delay(this.current) : 0),
      reuseLog: d.reuseLog,
    };
  }

  // ---- state machine ----

  apply(index: number, data: FsmRequest): ApplyResult | undefined {
    const r = applyRequest(this.store, this.hlc, data, this.d.knobs);
    if (data.kind === "txn") {
      if (this.d.tracing)
        this.d.emit("apply", {
          node: this.id,
          index,
          startTS: data.startTS,
          commitTS: data.commitTS,
          ok: r.ok,
          noop: r.ok ? r.noop : undefined,
          conflict: r.ok ? undefined : (r as { key?: string }).key,
          writes: data.elems.map((m) =>
            m.op === "put"
              ? `+${m.key}${m.value.length > 0 && m.value.length <= 16 ? `=${m.value}` : ""}`
              : `-${m.key}`,
          ),
        });
      if (this.d.knobs.storeInvariants && r.ok) {
        const opts = {
          layout: this.d.knobs.keyLayout,
          reuseLog: this.d.reuseLog,
          claimsAreMarkers: this.d.knobs.claimSemantics === "marker",
        };
        for (const v of checkStoreInvariants(this.store, opts)) {
          this.d.onInvariant(v.name, `n${this.id} after index ${index}: ${v.detail}`);
        }
      }
    }
    return r;
  }

  /** The node crashed: everything running on it stops. */
  crashed(): void {
    this.generation++;
    // Its tasks are gone; those that were waiting will never run again to report their end.
    this.endAllTasks();
    this.isLeaderNow = false;
    this.generationBumpForLeadership();
    this.failInFlight();
  }

  /** The node restarted: its volatile state is gone and is rebuilt by re-applying the log. */
  restart(): void {
    this.generation++;
    this.endAllTasks();
    this.store = new MvccStore();
    this.bootstrapStore();
    this.hlc = this.newHlc();
    this.ctx = this.newContext();
    this.compactor = new DeltaCompactor(this.ctx);
    this.failInFlight();
  }

  caughtUp(): boolean {
    const r = this.d.raft;
    if (!r.isUp(this.id)) return false;
    const leader = r.leader();
    if (leader === undefined) return false;
    return r.appliedIndex(this.id) >= r.raft(leader).commit;
  }

  onRoleChange(leader: boolean, role?: string): void {
    // Every vote this node's campaign wins is granted after the campaign starts, and a voter then
    // waits an election timeout before campaigning itself: a lease runs from here (readSafeLocally).
    if (role === "candidate") this.campaignWallUs = this.d.clocks.wallUs(this.id);
    if (leader === this.isLeaderNow) return;
    this.isLeaderNow = leader;
    if (!leader) {
      this.generationBumpForLeadership();
      return;
    }
    if (this.d.knobs.hlcLeaderFloor) this.hlc.observe(this.store.lastCommitTS());
    this.scheduleLeaseRenewal(0);
    this.startCompactor();
  }

  private generationBumpForLeadership(): void {
    if (this.leaseTimer >= 0) this.d.sim.cancel(this.leaseTimer);
    this.leaseTimer = -1;
    this.compactor.stop();
  }

  /** The leader keeps the HLC ceiling ahead of wall time (docs/model.md). */
  private scheduleLeaseRenewal(delayUs: number): void {
    const k = this.d.knobs;
    if (!k.hlcCeiling) return;
    this.leaseTimer = this.d.sim.schedule(delayUs, () => {
      this.leaseTimer = -1;
      if (!this.d.raft.isLeader(this.id)) return;
      const ceilingMs = Math.floor(this.d.clocks.wallUs(this.id) / 1000) + k.hlcWindowMs;
      this.d.raft.propose(this.id, { kind: "hlc-lease", ceilingMs }, () => {});
      this.scheduleLeaseRenewal(k.hlcRenewalIntervalMs * 1000);
    });
  }

  // ---- compactor ----

  /** The compactor loop runs on the leader only; a new leader starts a fresh one. */
  private startCompactor(): void {
    if (!this.d.knobs.compactorEnabled) return;
    this.compactor.stop();
    this.compactor = new DeltaCompactor(this.ctx);
    if (this.compactorPaused) this.compactor.pause();
    const c = this.compactor;
    this.run(
      c.run(),
      (r) => {
        if (!r.ok) throw r.error;
      },
      "compactor",
    );
  }

  pauseCompactor(paused: boolean): void {
    this.compactorPaused = paused;
    if (paused) this.compactor.pause();
    else this.compactor.resume();
  }

  compactorBurst(): void {
    if (this.d.raft.isLeader(this.id)) this.compactor.burst();
  }

  // ---- coroutines ----

  /**
   * Runs a task. `key` names it to the scheduler (Scheduler.begin): something that removing other
   * ops from the run leaves as it is, such as the client command it serves.
   */
  private run<R>(
    co: Generator<Effect, R, unknown>,
    done: (r: { ok: true; value: R } | { ok: false; error: unknown }) => void,
    key: string,
  ) {
    const sched = this.d.sched;
    const scheduled = sched.active;
    const id = scheduled ? sched.begin(key) : 0;
    const own = id !== 0 && this.d.taskRng !== undefined;
    if (own) this.taskKeys.set(id, key);
    runCoroutine(co, this.taskHost, { gen: this.generation, id, key, own, scheduled }, done);
  }

  /**
   * Carries out one effect of a task (docs/model.md lists the scheduling points). A store read or
   * a scheduling point that neither pauses nor waits is answered at once; everything else resumes
   * the task from a later event.
   */
  private perform(e: Effect, run: Later, task: TaskId, key: string): unknown {
    const { raft, sim, sched } = this.d;
    switch (e.kind) {
      case "read": {
        const pause = e.pauseUs >= 0 ? e.pauseUs : sched.active ? sched.delay(task) : 0;
        if (pause === 0 && this.readsLocally()) return performRead(this.store, e);
        const resume = run.later();
        if (pause === 0) this.readStep(e, resume);
        else sim.scheduleWith(pause, SimNode.stepPausedRead, { node: this, e, resume }, "sched.read");
        return PENDING;
      }
      case "sched": {
        const pause = e.pauseUs ?? (sched.active ? sched.delay(task) : 0);
        if (pause === 0) return undefined;
        const resume = run.later();
        sim.scheduleWith(pause, resumeEmpty, resume, "sched.pause");
        return PENDING;
      }
      case "propose": {
        // After the apply, before the task goes on (and, at the end of a command, replies).
        const resume = this.pausedResume(run.later(), task);
        if (this.d.knobs.coordinator === "demo")
          raft.propose(this.id, e.request, (o) => resume(demoLeaderError(proposeOutcome(o))));
        else raft.propose(this.id, e.request, (o) => resume(proposeOutcome(o)));
        return PENDING;
      }
      // A read round's waiters are released together, in a seeded order (RaftCluster
      // `orderReleased`); each may then stall before it goes on to propose.
      case "verify-leader":
        raft.verifyLeader(this.id, this.readWaiter(run.later(), task));
        return PENDING;
      case "read-index":
        raft.readIndex(this.id, this.readWaiter(run.later(), task));
        return PENDING;
      case "lease-read":
        raft.leaseRead(this.id, this.readWaiter(run.later(), task));
        return PENDING;
      case "sleep": {
        // A retry loop's backoff: the pause of a scheduling point comes on top.
        const pause = sched.active ? sched.delay(task) : 0;
        const resume = run.later();
        sim.scheduleWith(Math.max(0, Math.round(e.us)) + pause, resumeEmpty, resume, "task.sleep");
        return PENDING;
      }
      case "forward":
        this.forward(e.group, e.timeoutUs, run.later(), key);
        return PENDING;
    }
  }

  /** `NodeContext.readNow`: serve a read of the running task without a yield when nothing waits. */
  private readNow(e: StoreRead): unknown {
    const sched = this.d.sched;
    const pause = sched.active ? sched.delay(this.current) : 0;
    if (pause === 0 && this.readsLocally()) return performRead(this.store, e);
    e.pauseUs = pause;
    return NOT_NOW;
  }

  /** Every task ended at once (a crash or a restart). */
  private endAllTasks(): void {
    this.d.sched.endAll();
    this.taskKeys.clear();
    this.taskStreams.clear();
  }

  /** The stream the running task draws its own values on (`taskRng`, made on its first draw). */
  private taskStream(): Stream {
    const task = this.current;
    const key = this.taskKeys.get(task);
    if (key === undefined) return this.d.rng;
    let s = this.taskStreams.get(task);
    if (s === undefined) {
      s = this.d.taskRng!(key);
      this.taskStreams.set(task, s);
    }
    return s;
  }

  /**
   * `pausedResume` for a read round's waiter, remembered as `task`'s for `releasedTask`. Only
   * tasks with streams of their own (`taskRng`) are ever ranked by task (`Scheduler.order`), so
   * without them nothing is remembered: a weak-map entry per waiter was a cost with no use.
   */
  private readWaiter(resume: Resume, task: TaskId): Resume {
    const r = this.pausedResume(resume, task);
    if (this.d.taskRng !== undefined && this.d.sched.active) this.waiterTasks.set(r, task);
    return r;
  }

  /** The task a released read waiter (the callback given to Raft) belongs to, if it is known. */
  releasedTask(cb: unknown): TaskId | undefined {
    return typeof cb === "function" ? this.waiterTasks.get(cb as Resume) : undefined;
  }

  /** `resume`, after the pause a scheduling point draws when the effect completes. */
  private pausedResume(resume: Resume, task: TaskId): Resume {
    const sched = this.d.sched;
    if (!sched.active) return resume;
    return (v) => {
      const pause = sched.delay(task);
      if (pause === 0) resume(v);
      else this.d.sim.scheduleWith(pause, resume, v, "sched.resume");
    };
  }

  /** Whether a store read can be served from this node's store now, with no wait. */
  private readsLocally(): boolean {
    const k = this.d.knobs;
    if (!k.readCallFence && !k.readProxyToLeader) return true;
    const raft = this.d.raft;
    if (!raft.isLeader(this.id)) return !k.readProxyToLeader;
    if (!k.readCallFence) return true;
    // Production: a lease hit needs no wait; the demo's store does a ReadIndex on every call.
    return k.coordinator !== "demo" && raft.leaseRemainingUs(this.id) > 0;
  }

  /** A read paused at its scheduling point goes on (an event's function shared by all of them). */
  private static stepPausedRead(p: PausedRead): void {
    p.node.readStep(p.e, p.resume);
  }

  /**
   * One store read that may wait: served by the leader this node knows when it no longer leads
   * (RawGet/RawScanAt at the caller's timestamp), else after this node's read fence.
   */
  private readStep(e: StoreRead, resume: Resume): void {
    const { raft, knobs } = this.d;
    if (!raft.isUp(this.id)) return;
    if (!raft.isLeader(this.id)) {
      if (knobs.readProxyToLeader) this.proxyRead(e, resume);
      else resume(performRead(this.store, e));
      return;
    }
    if (!knobs.readCallFence || (knobs.coordinator !== "demo" && raft.leaseRemainingUs(this.id) > 0)) {
      resume(performRead(this.store, e));
      return;
    }
    this.d.probe("cluster.read-fence");
    raft.readIndex(this.id, (ok) =>
      resume(ok ? performRead(this.store, e) : new ReadFailed("NOTLEADER read fence: not leader")),
    );
  }

  private proxyRead(e: StoreRead, resume: Resume): void {
    const { raft, sim } = this.d;
    const leader = raft.leaderOf(this.id);
    if (leader === undefined || leader === this.id) {
      resume(new ReadFailed("NOTLEADER leader not found"));
      return;
    }
    const id = this.nextId++;
    const timer = sim.schedule(this.d.knobs.proxyTimeoutUs, () => {
      this.readsSent.delete(id);
      resume(new ReadFailed("ERR read from leader timed out"));
    });
    this.readsSent.set(id, { resume, timer });
    this.d.probe("cluster.read-proxy");
    this.d.network.send(this.id, leader, appMessage({ app: true, t: "read", id, read: e }));
  }

  /**
   * One forward RPC (the coordinator's forwardWithRetry decides about retrying): to the leader this
   * node's Raft names — itself while it still leads, over its own loopback — or, when it names
   * none, "leader not found" at once. A lost request or reply is an unknown outcome after timeoutUs.
   * Under `leaderProxy: coarse` the host instead polls until it knows of another leader.
   */
  private forward(group: OperationGroup, timeoutUs: number, resume: Resume, key: string): void {
    const { raft, sim, knobs } = this.d;
    const deadline = sim.now + timeoutUs;
    const coarse = knobs.leaderProxy === "coarse";
    const attempt = () => {
      const leader = raft.leaderOf(this.id);
      if (leader === undefined || (coarse && leader === this.id)) {
        // The demo's redirect is one attempt: its Dispatch loop does the polling, re-checking
        // IsLeader() each time, so a node that wins leadership back proposes locally.
        if (
          !coarse ||
          knobs.coordinator === "demo" ||
          sim.now + knobs.leaderRetryIntervalMs * 1000 > deadline
        ) {
          resume({
            ok: false,
            kind: "failed",
            message: LEADER_ERRORS.leaderNotFound,
          } satisfies DispatchResult);
          return;
        }
        sim.schedule(knobs.leaderRetryIntervalMs * 1000, attempt, "proxy.retry");
        return;
      }
      const id = this.nextId++;
      const timer = sim.schedule(Math.max(1, deadline - sim.now), () => {
        this.forwarded.delete(id);
        resume({ ok: false, kind: "ambiguous", message: "forward timed out" } satisfies DispatchResult);
      });
      this.forwarded.set(id, { resume, timer });
      this.d.probe(leader === this.id ? "cluster.forward-self" : "cluster.forward");
      this.d.network.send(this.id, leader, appMessage({ app: true, t: "forward", id, group, key }));
    };
    attempt();
  }

  // ---- client commands ----

  /**
   * A command from a client connected to this node. `key` names it to the scheduler of the node
   * that runs it (this one, or the leader it is proxied to).
   */
  handleClient(cmd: RedisCommand, key: string, done: (r: RedisReply) => void): void {
    const { raft } = this.d;
    if (!raft.isUp(this.id)) {
      done(reply.error("connection refused", false));
      return;
    }
    if (raft.isLeader(this.id)) {
      this.executeLocal(cmd, key, done);
      return;
    }
    const leader = raft.leaderOf(this.id);
    if (leader === undefined || leader === this.id) {
      done(reply.error("NOTLEADER no leader known", false));
      return;
    }
    const id = this.nextId++;
    const timer = this.d.sim.schedule(this.d.knobs.proxyTimeoutUs, () => {
      this.proxied.delete(id);
      done(reply.error("proxy to leader timed out", true));
    });
    this.proxied.set(id, { done, timer });
    this.d.network.send(this.id, leader, appMessage({ app: true, t: "proxy", id, cmd, key }));
  }

  private executeLocal(cmd: RedisCommand, key: string, done: (r: RedisReply) => void): void {
    // A command that starts on a store with nothing committed reads the empty store at the
    // sentinel timestamp: never after the catalog bootstrap (docs/model.md, "S1").
    if (this.store.lastCommitTS() === 0) this.d.probe("cluster.command-on-empty-store");
    // The command's error replies are made here rather than inside its coroutine (`execute`),
    // which spares every effect of the command a level of delegation.
    const ctx = this.ctx;
    this.run(
      commandCoroutine(ctx, cmd),
      (r) => {
        if (r.ok) {
          done(r.value);
          return;
        }
        const rep = errorReply(ctx, cmd, r.error);
        if (rep === undefined) throw r.error;
        done(rep);
      },
      key,
    );
  }

  onAppMessage(from: number, m: AppMessage): void {
    const net = this.d.network;
    switch (m.t) {
      case "proxy":
        if (!this.d.raft.isLeader(this.id)) {
          net.send(
            this.id,
            from,
            appMessage({
              app: true,
              t: "proxy-reply",
              id: m.id,
              reply: reply.error("NOTLEADER not leader", false),
            }),
          );
          return;
        }
        this.executeLocal(m.cmd, m.key, (r) =>
          net.send(this.id, from, appMessage({ app: true, t: "proxy-reply", id: m.id, reply: r })),
        );
        return;
      case "proxy-reply": {
        const p = this.proxied.get(m.id);
        if (!p) return;
        this.proxied.delete(m.id);
        this.d.sim.cancel(p.timer);
        p.done(m.reply);
        return;
      }
      case "forward":
        this.run(
          serveForward(this.ctx.coordinatorEnv, m.group),
          (r) => {
            const result: DispatchResult = r.ok
              ? this.d.knobs.leaderProxy === "elastickv"
                ? wireLeaderError(r.value)
                : r.value
              : { ok: false, kind: "ambiguous", message: String((r.error as Error)?.message ?? r.error) };
            net.send(this.id, from, appMessage({ app: true, t: "forward-reply", id: m.id, result }));
          },
          `fwd/${m.key}`,
        );
        return;
      case "read":
        // The leader serves any timestamp it is given, from its own store.
        net.send(
          this.id,
          from,
          appMessage({
            app: true,
            t: "read-reply",
            id: m.id,
            value: performRead(this.store, m.read),
          }),
        );
        return;
      case "read-reply": {
        const r = this.readsSent.get(m.id);
        if (!r) return;
        this.readsSent.delete(m.id);
        this.d.sim.cancel(r.timer);
        r.resume(m.value);
        return;
      }
      case "forward-reply": {
        const f = this.forwarded.get(m.id);
        if (!f) return;
        this.forwarded.delete(m.id);
        this.d.sim.cancel(f.timer);
        const res = m.result;
        // A write conflict that crossed the RPC boundary arrives as a status string (docs/model.md).
        f.resume(res.ok === false && res.kind === "write-conflict" ? { ...res, wire: true } : res);
        return;
      }
    }
  }

  /** A crash or restart: in-flight proxied commands and forwards on this node are lost. */
  private failInFlight(): void {
    for (const [id, p] of this.proxied) {
      this.d.sim.cancel(p.timer);
      this.proxied.delete(id);
      p.done(reply.error("connection reset", true));
    }
    for (const [id, f] of this.forwarded) {
      this.d.sim.cancel(f.timer);
      this.forwarded.delete(id);
    }
    for (const [id, r] of this.readsSent) {
      this.d.sim.cancel(r.timer);
      this.readsSent.delete(id);
    }
  }
}
