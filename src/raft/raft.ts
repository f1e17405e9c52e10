/**
 * Raft as a pure, deterministic state machine, in the style of etcd `raft`.
 *
 * A `RaftNode` has no clock, no randomness and no I/O. The host feeds it `tick()`s, incoming
 * messages (`step`) and local requests (`propose`, `readIndex`, `transferLeader`), then drains
 * what it has to do with `ready()`: persist `entriesToPersist` and `hardState`, then send
 * `messages` and apply `committedEntries`, and finally call `advance()`. The randomized election
 * timeout comes from a `rand(n)` callback the host wires to a seeded stream.
 *
 * Implemented, following etcd: elections with randomized timeouts, PreVote, CheckQuorum (and the
 * follower-side "in lease" vote rejection it enables), log replication with probe/replicate flow
 * control and conflict truncation, commit of current-term entries only, an empty entry appended on
 * election, step-down on a higher term, leadership transfer (MsgTimeoutNow), optional proposal
 * forwarding, and ReadIndex (the leader confirms with a heartbeat round; followers forward).
 * No snapshots or membership changes: the log is kept whole, which a simulation can afford.
 *
 * Node ids are 0..n-1. Log entry i lives at `log[i]`; `log[0]` is a sentinel of term 0.
 *
 * As in etcd, the leader's per-follower bookkeeping lives apart: `progress.ts` (what each follower
 * holds, probe/replicate flow control), `quorum.ts` (majorities, vote counting) and `read-only.ts`
 * (ReadIndex requests and heartbeat-round acknowledgements). The scripts in `testdata/`, run by
 * `interaction.test.ts`, pin the node's behaviour message by message.
 */

import { Progress } from "./progress.ts";
import { majority, quorumValue, VoteTally } from "./quorum.ts";
import { ReadOnly } from "./read-only.ts";

export type Role = "follower" | "precandidate" | "candidate" | "leader";

export type MessageType =
  | "app"
  | "appResp"
  | "vote"
  | "voteResp"
  | "preVote"
  | "preVoteResp"
  | "heartbeat"
  | "heartbeatResp"
  | "timeoutNow"
  | "prop"
  | "readIndex"
  | "readIndexResp"
  | "transferLeader";

export interface Entry<T> {
  readonly index: number;
  readonly term: number;
  /** undefined for the empty entry a new leader appends. */
  readonly data: T | undefined;
}

/**
 * One Raft message. Every message has every field (a single object shape keeps the hot path
 * monomorphic); fields a type does not use are 0 / false / an empty array. Messages and their
 * entries are never mutated after they are sent, so a network may deliver one object twice.
 */
export interface Message<T> {
  type: MessageType;
  from: number;
  to: number;
  /** 0 for messages that are local in etcd's sense (forwarded proposals and read requests). */
  term: number;
  /** app: term of the entry at `index`; appResp reject: term at `rejectHint`; votes: last log term. */
  logTerm: number;
  /** app: index preceding `entries`; appResp: last matching index (or the rejected index); votes: last index; readIndexResp: read index. */
  index: number;
  entries: readonly Entry<T>[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  /** Read request id (readIndex*, heartbeat*), 1 on a transfer-forced vote, the transferee on transferLeader. */
  ctx: number;
  /** Heartbeat round (heartbeat, heartbeatResp), for ReadIndex and leases. */
  round: number;
}

export interface HardState {
  term: number;
  vote: number;
  commit: number;
}

export interface SoftState {
  lead: number;
  role: Role;
  term: number;
}

export interface ReadState {
  /** The commit index the read must wait for (apply ≥ index). */
  index: number;
  ctx: number;
}

export interface Ready<T> {
  /** Present when leader, role or term changed since the last ready. */
  softState: SoftState | undefined;
  /** Present when term, vote or commit changed since the last ready. */
  hardState: HardState | undefined;
  /** Entries to make durable; the durable log is truncated at `entriesToPersist[0].index` first. */
  entriesToPersist: readonly Entry<T>[];
  /** Committed entries to apply, in order (persist the entries above first). */
  committedEntries: readonly Entry<T>[];
  /** To send after persisting. */
  messages: Message<T>[];
  /** Confirmed read requests of this node (its own and those it forwarded). */
  readStates: ReadState[];
  /** Read request ids of this node that will never be answered (no leader, leadership lost). */
  readsDropped: number[];
  /** Highest heartbeat round newly acknowledged by a quorum (0 = none). */
  quorumAck: number;
  /** Highest heartbeat round started since the last ready (0 = none); the host notes its start time. */
  heartbeatRound: number;
  /**
   * This node stepped down from leadership since the last ready (it may already lead a newer
   * term again: compare a proposal's term with the node's current term).
   */
  leadershipLost: boolean;
}

/** Deliberately broken behaviour, only to prove that the checks catch it. */
export interface RaftBugs {
  /** Commit an entry of a previous term once a majority stores it (Raft paper, Figure 8). */
  commitPreviousTermByCount?: boolean;
  /** Grant votes (and pre-votes) without the "candidate's log is at least as up to date" check. */
  voteWithoutLogCheck?: boolean;
}

export interface RaftConfig {
  /** Followers start an election after a randomized timeout in [electionTicks, 2·electionTicks). */
  electionTicks: number;
  heartbeatTicks: number;
  /** Random integer in [0, n): the only source of randomness, fed by the host from a seeded stream. */
  rand: (n: number) => number;
  preVote?: boolean;
  checkQuorum?: boolean;
  /** Followers forward proposals to the leader (etcd's default); elastickv's adapter proxies instead. */
  forwardProposals?: boolean;
  maxEntriesPerMsg?: number;
  /**
   * ReadIndex requests that arrive while a confirming round is in flight wait for the next single
   * heartbeat round instead of starting one each (the real engine's read loop; default false).
   */
  batchReads?: boolean;
  /**
   * A follower answers every MsgApp it took in one ready with a single acknowledgement, of the
   * highest index (an acknowledgement of index i vouches for every index below it). Default
   * false: one acknowledgement per MsgApp, as etcd/raft sends them.
   */
  coalesceAppendAcks?: boolean;
  maxInflightMsgs?: number;
  bugs?: RaftBugs;
}

/** Durable state a node restarts from. */
export interface RaftStorage<T> {
  hardState: HardState;
  /** Entries 1..n in order (index i at position i-1). */
  entries: readonly Entry<T>[];
}

export const NONE = -1;
const CAMPAIGN_TRANSFER = 1;
const EMPTY: readonly never[] = Object.freeze([]);

/** A message with every field but these four at its zero value. */
export function mkMsg<T>(type: MessageType, from: number, to: number, term: number): Message<T> {
  return {
    type,
    from,
    to,
    term,
    logTerm: 0,
    index: 0,
    entries: EMPTY,
    commit: 0,
    reject: false,
    rejectHint: 0,
    ctx: 0,
    round: 0,
  };
}

export class RaftNode<T> {
  readonly id: number;
  readonly n: number;
  readonly quorum: number;

  // Durable.
  term = 0;
  vote = NONE;
  readonly log: Entry<T>[];
  // Volatile.
  commit = 0;
  /** Highest index handed out in committedEntries. */
  applied = 0;
  role: Role = "follower";
  lead = NONE;
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  leadTransferee = NONE;
  /** A MsgTimeoutNow went out in this term: another node may be elected at any moment. */
  timeoutNowSent = false;

  private readonly electionTicks: number;
  private readonly heartbeatTicks: number;
  private readonly rand: (n: number) => number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly forwardProposals: boolean;
  private readonly maxEntries: number;
  private readonly maxInflight: number;
  private readonly bugCommitByCount: boolean;
  private readonly coalesceAcks: boolean;
  /** Proposals appended with their broadcast deferred (`propose(data, true)`), not yet sent. */
  private appendsDeferred = false;
  private readonly bugVoteNoLogCheck: boolean;

  /** Leader's view of each node's log (its own included), indexed by node id. */
  readonly progress: readonly Progress[];
  /** The current (pre-)election's votes. */
  readonly votes: VoteTally;
  /** ReadIndex requests and heartbeat-round acknowledgements. */
  readonly readOnly: ReadOnly;
  /** maybeCommit's copy of the match indexes (kept to spare an allocation per acknowledgement). */
  private readonly matchScratch: number[];

  // Output, drained by ready().
  private msgs: Message<T>[] = [];
  private readStates: ReadState[] = [];
  private readsDropped: number[] = [];
  private unstableFrom: number;
  private quorumAckOut = 0;
  private roundOut = 0;
  private prevLead = NONE;
  private prevRole: Role = "follower";
  private prevTerm = 0;
  private prevVote = NONE;
  private prevCommit = 0;
  private leadershipLostOut = false;
  private readyOutstanding = false;
  /**
   * A ready the host handed back (`recycle`) and its message and read-state arrays, emptied: the
   * next ready() fills them in place of new ones. Most deliveries take one ready each: over seeds
   * 1–30 of `mixed`, what ready() allocates fell from 52 MB to 4 MB, and a three-node cluster
   * alone ran about 10 % faster with this and the network's reuse of packets.
   */
  private spareReady: Ready<T> | undefined;
  private spareMsgs: Message<T>[] | undefined;
  private spareReadStates: ReadState[] | undefined;

  constructor(id: number, n: number, cfg: RaftConfig, storage?: RaftStorage<T>) {
    if (!(Number.isInteger(n) && n >= 1 && id >= 0 && id < n)) {
      throw new RangeError(`RaftNode: bad id ${id} of ${n}`);
    }
    if (!(cfg.electionTicks > cfg.heartbeatTicks && cfg.heartbeatTicks >= 1)) {
      throw new RangeError("RaftNode: need electionTicks > heartbeatTicks >= 1");
    }
    this.id = id;
    this.n = n;
    this.quorum = majority(n);
    this.electionTicks = cfg.electionTicks;
    this.heartbeatTicks = cfg.heartbeatTicks;
    this.rand = cfg.rand;
    this.preVote = cfg.preVote ?? true;
    this.checkQuorum = cfg.checkQuorum ?? true;
    this.forwardProposals = cfg.forwardProposals ?? false;
    this.maxEntries = cfg.maxEntriesPerMsg ?? 64;
    this.coalesceAcks = cfg.coalesceAppendAcks ?? false;
    this.maxInflight = cfg.maxInflightMsgs ?? 256;
    this.bugCommitByCount = cfg.bugs?.commitPreviousTermByCount ?? false;
    this.bugVoteNoLogCheck = cfg.bugs?.voteWithoutLogCheck ?? false;

    this.log = [{ index: 0, term: 0, data: undefined }];
    if (storage !== undefined) {
      for (const e of storage.entries) {
        if (e.index !== this.log.length) throw new Error(`RaftNode: storage entry ${e.index} out of place`);
        this.log.push(e);
      }
      this.term = storage.hardState.term;
      this.vote = storage.hardState.vote;
      this.commit = Math.min(storage.hardState.commit, this.lastIndex);
    }
    // Everything restored is already durable.
    this.unstableFrom = this.log.length;
    this.prevTerm = this.term;
    this.prevVote = this.vote;
    this.prevCommit = this.commit;

    this.progress = Array.from({ length: n }, () => new Progress(this.maxInflight));
    this.votes = new VoteTally(n, this.quorum);
    this.readOnly = new ReadOnly(n, this.quorum, cfg.batchReads ?? false);
    this.matchScratch = new Array(n).fill(0);
    this.becomeFollower(this.term, NONE);
  }

  // ---------------------------------------------------------------------------------------------
  // Queries.

  get lastIndex(): number {
    return this.log.length - 1;
  }

  get lastTerm(): number {
    return this.log[this.log.length - 1].term;
  }

  /** Term of the entry at index, or -1 if there is none. */
  termAt(index: number): number {
    return index >= 0 && index < this.log.length ? this.log[index].term : -1;
  }

  get isLeader(): boolean {
    return this.role === "leader";
  }

  /** The leader has committed an entry of its own term (so its commit index covers every earlier commit). */
  get committedInCurrentTerm(): boolean {
    return this.log[this.commit].term === this.term;
  }

  /** A transfer is under way (or was in this term): another leader may appear before this one hears of it. */
  get transferring(): boolean {
    return this.leadTransferee !== NONE || this.timeoutNowSent;
  }

  /** Leader's view of a follower's matched index (tests, invariants). */
  matchOf(node: number): number {
    return this.progress[node].match;
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs.

  tick(): void {
    if (this.role === "leader") this.tickHeartbeat();
    else this.tickElection();
  }

  /**
   * How many of the next ticks only advance the timers, if nothing else reaches the node
   * meanwhile: the tick after them may campaign, check the quorum, abandon a transfer or send
   * heartbeats. A host may fire that many at once with `skipTicks` and wake only for the next.
   */
  quietTicks(): number {
    let q: number;
    if (this.role === "leader") {
      const hb = this.heartbeatTicks - this.heartbeatElapsed;
      const el = this.electionTicks - this.electionElapsed;
      q = Math.min(hb, el) - 1;
    } else {
      q = this.randomizedElectionTimeout - this.electionElapsed - 1;
    }
    return Math.max(q, 0);
  }

  /** Fires n quiet ticks at once (n ≤ `quietTicks()`): the same as n calls of `tick()`. */
  skipTicks(n: number): void {
    if (!(n >= 0 && n <= this.quietTicks())) {
      throw new RangeError(`RaftNode.skipTicks: ${n} ticks, but only ${this.quietTicks()} are quiet`);
    }
    this.electionElapsed += n;
    if (this.role === "leader") this.heartbeatElapsed += n;
  }

  /** k ticks, each quiet stretch (`quietTicks`) fired in one step and the others one by one. */
  fireTicks(k: number): void {
    while (k > 0) {
      const m = Math.min(this.quietTicks(), k);
      if (m > 0) {
        this.skipTicks(m);
        k -= m;
      } else {
        this.tick();
        k--;
      }
    }
  }

  /** Starts an election now (etcd MsgHup), as if the election timeout had passed. */
  campaign(): void {
    this.hup(false);
  }

  /**
   * Appends a proposal. Returns its (index, term) on the leader; undefined when dropped (not
   * leader, or a transfer is under way) or forwarded to the leader (forwardProposals).
   */
  propose(data: T, deferBroadcast = false): { index: number; term: number } | undefined {
    if (this.role === "leader") {
      if (this.leadTransferee !== NONE) return undefined;
      const index = this.appendEntry(data);
      // Deferred: the entry goes out with the others of its batch at `flushAppends()` (or earlier,
      // with any MsgApp the leader sends meanwhile), as one MsgProp carrying many entries would.
      if (deferBroadcast) this.appendsDeferred = true;
      else this.bcastAppend();
      return { index, term: this.term };
    }
    if (this.role === "follower" && this.forwardProposals && this.lead !== NONE) {
      const m = mkMsg<T>("prop", this.id, this.lead, 0);
      m.entries = [{ index: 0, term: 0, data }];
      this.msgs.push(m);
    }
    return undefined;
  }

  /** Broadcasts the entries of deferred proposals: one MsgApp per follower for the whole batch. */
  flushAppends(): void {
    if (!this.appendsDeferred) return;
    this.appendsDeferred = false;
    if (this.role === "leader") this.bcastAppend();
  }

  /**
   * Requests a linearizable read point with id ctx (unique per node). The answer arrives as a
   * ReadState in a later ready(), or the id shows up in readsDropped.
   */
  readIndex(ctx: number): void {
    if (this.role === "leader") {
      this.leaderReadIndex(this.id, ctx);
    } else if (this.role === "follower" && this.lead !== NONE) {
      const m = mkMsg<T>("readIndex", this.id, this.lead, 0);
      m.ctx = ctx;
      this.readOnly.forward(ctx);
      this.msgs.push(m);
    } else {
      this.readsDropped.push(ctx);
    }
  }

  /** Asks the leader to hand leadership to `to` (forwarded by a follower). */
  transferLeader(to: number): void {
    if (!(to >= 0 && to < this.n)) return;
    if (this.role === "leader") {
      this.leaderTransfer(to);
    } else if (this.role === "follower" && this.lead !== NONE) {
      const m = mkMsg<T>("transferLeader", this.id, this.lead, this.term);
      m.ctx = to;
      this.msgs.push(m);
    }
  }

  step(m: Message<T>): void {
    if (m.term === 0) {
      // Forwarded proposal or read request: handled below whatever our term.
    } else if (m.term > this.term) {
      if (m.type === "vote" || m.type === "preVote") {
        const force = m.ctx === CAMPAIGN_TRANSFER;
        const inLease = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTicks;
        // We heard from a leader recently: a disruptive candidate must not depose it.
        if (!force && inLease) return;
      }
      if (m.type === "preVote") {
        // Never change term in response to a PreVote.
      } else if (m.type === "preVoteResp" && !m.reject) {
        // The term is bumped when the pre-election is won.
      } else if (m.type === "app" || m.type === "heartbeat") {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === "heartbeat" || m.type === "app")) {
        // A stale leader (e.g. partitioned, or one whose PreVotes we could not see) learns of our
        // term this way and steps down; otherwise it could keep us from ever being heard.
        this.send(mkMsg<T>("appResp", this.id, m.from, this.term));
      } else if (m.type === "preVote") {
        const r = mkMsg<T>("preVoteResp", this.id, m.from, this.term);
        r.reject = true;
        this.send(r);
      }
      return;
    }

    switch (m.type) {
      case "vote":
      case "preVote": {
        const canVote =
          this.vote === m.from ||
          (this.vote === NONE && this.lead === NONE) ||
          (m.type === "preVote" && m.term > this.term);
        const respType = m.type === "vote" ? "voteResp" : "preVoteResp";
        if (canVote && (this.bugVoteNoLogCheck || this.isUpToDate(m.index, m.logTerm))) {
          // A granted response carries the candidate's term, so a pre-candidate can count it.
          this.send(mkMsg<T>(respType, this.id, m.from, m.term));
          if (m.type === "vote") {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          const r = mkMsg<T>(respType, this.id, m.from, this.term);
          r.reject = true;
          this.send(r);
        }
        return;
      }
    }
    if (this.role === "leader") this.stepLeader(m);
    else if (this.role === "follower") this.stepFollower(m);
    else this.stepCandidate(m);
  }

  // ---------------------------------------------------------------------------------------------
  // Output.

  hasReady(): boolean {
    return (
      this.msgs.length !== 0 ||
      this.unstableFrom <= this.lastIndex ||
      this.commit > this.applied ||
      this.readStates.length !== 0 ||
      this.readsDropped.length !== 0 ||
      this.quorumAckOut !== 0 ||
      this.roundOut !== 0 ||
      this.leadershipLostOut ||
      this.lead !== this.prevLead ||
      this.role !== this.prevRole ||
      this.term !== this.prevTerm ||
      this.vote !== this.prevVote ||
      this.commit !== this.prevCommit
    );
  }

  /** Drains everything the host must do. Call `advance()` once it is done, before the next ready(). */
  ready(): Ready<T> {
    if (this.readyOutstanding) throw new Error("RaftNode.ready: previous ready not advanced");
    this.readyOutstanding = true;
    let softState: SoftState | undefined;
    if (this.lead !== this.prevLead || this.role !== this.prevRole || this.term !== this.prevTerm) {
      softState = { lead: this.lead, role: this.role, term: this.term };
      this.prevLead = this.lead;
      this.prevRole = this.role;
    }
    let hardState: HardState | undefined;
    if (this.term !== this.prevTerm || this.vote !== this.prevVote || this.commit !== this.prevCommit) {
      hardState = { term: this.term, vote: this.vote, commit: this.commit };
      this.prevTerm = this.term;
      this.prevVote = this.vote;
      this.prevCommit = this.commit;
    }
    const leadershipLost = this.leadershipLostOut;
    this.leadershipLostOut = false;

    const last = this.lastIndex;
    const entriesToPersist: readonly Entry<T>[] =
      this.unstableFrom <= last ? this.log.slice(this.unstableFrom) : EMPTY;
    this.unstableFrom = last + 1;
    const committedEntries: readonly Entry<T>[] =
      this.commit > this.applied ? this.log.slice(this.applied + 1, this.commit + 1) : EMPTY;
    this.applied = this.commit;

    if (this.coalesceAcks && this.msgs.length > 1) this.coalesceAppendAcks();
    let rd = this.spareReady;
    if (rd === undefined) {
      rd = {
        softState,
        hardState,
        entriesToPersist,
        committedEntries,
        messages: this.msgs,
        readStates: this.readStates,
        readsDropped: this.readsDropped,
        quorumAck: this.quorumAckOut,
        heartbeatRound: this.roundOut,
        leadershipLost,
      };
    } else {
      this.spareReady = undefined;
      rd.softState = softState;
      rd.hardState = hardState;
      rd.entriesToPersist = entriesToPersist;
      rd.committedEntries = committedEntries;
      rd.messages = this.msgs;
      rd.readStates = this.readStates;
      rd.readsDropped = this.readsDropped;
      rd.quorumAck = this.quorumAckOut;
      rd.heartbeatRound = this.roundOut;
      rd.leadershipLost = leadershipLost;
    }
    if (this.msgs.length !== 0) {
      this.msgs = this.spareMsgs ?? [];
      this.spareMsgs = undefined;
    }
    if (this.readStates.length !== 0) {
      this.readStates = this.spareReadStates ?? [];
      this.spareReadStates = undefined;
    }
    if (this.readsDropped.length !== 0) this.readsDropped = [];
    this.quorumAckOut = 0;
    this.roundOut = 0;
    return rd;
  }

  /**
   * Keeps, of the accepting MsgAppResps of this ready to the same node in the same term, only one,
   * in the place of the last and with the highest index among them: within a term the leader's log
   * only grows, so an ack of index i vouches for every index below it. Rejections and every other
   * message stay, in order.
   */
  private coalesceAppendAcks(): void {
    const msgs = this.msgs;
    let last = -1;
    for (let i = msgs.length - 1; i >= 0; i--) {
      if (msgs[i].type === "appResp" && !msgs[i].reject) {
        last = i;
        break;
      }
    }
    if (last < 1) return;
    const keep = msgs[last];
    let dropped = 0;
    const kept: Message<T>[] = [];
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i];
      if (i !== last && m.type === "appResp" && !m.reject && m.to === keep.to && m.term === keep.term) {
        if (m.index > keep.index) keep.index = m.index;
        dropped++;
      } else kept.push(m);
    }
    if (dropped !== 0) this.msgs = kept;
  }

  /** The host has persisted, sent and applied what the last ready() asked for. */
  advance(): void {
    this.readyOutstanding = false;
  }

  /**
   * Hands back an advanced ready that nothing refers to any more (its messages sent, nothing kept
   * of the object or of its message array): the next ready() reuses both. Optional; a caller that
   * keeps its readies simply never calls it.
   */
  recycle(rd: Ready<T>): void {
    if (this.readyOutstanding) return;
    const msgs = rd.messages;
    // An empty message array is the node's own pending one (ready() hands it out without a swap).
    if (msgs.length !== 0 && msgs !== this.msgs) {
      // Emptied by pops, which keep the array's capacity (setting its length to 0 gives it up,
      // and the next push allocates it again).
      while (msgs.length !== 0) msgs.pop();
      this.spareMsgs = msgs;
    }
    const rs = rd.readStates;
    if (rs.length !== 0 && rs !== this.readStates) {
      while (rs.length !== 0) rs.pop();
      this.spareReadStates = rs;
    }
    this.spareReady = rd;
  }

  // ---------------------------------------------------------------------------------------------
  // Timers and role changes.

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.checkQuorumActive();
      // A transfer that has not finished within an election timeout is abandoned.
      if (this.role === "leader" && this.leadTransferee !== NONE) this.leadTransferee = NONE;
    }
    if (this.role !== "leader") return;
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  private checkQuorumActive(): void {
    let active = 0;
    for (let i = 0; i < this.n; i++) {
      const pr = this.progress[i];
      if (i === this.id || pr.recentActive) active++;
      if (i !== this.id) pr.recentActive = false;
    }
    if (active < this.quorum) this.becomeFollower(this.term, NONE);
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTicks + this.rand(this.electionTicks);
  }

  private reset(term: number): void {
    // Only a step-down resets a leader (a leader never campaigns).
    if (this.role === "leader") this.leadershipLostOut = true;
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    if (this.lead !== NONE || this.readOnly.hasForwarded) this.readOnly.dropForwarded(this.readsDropped);
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = NONE;
    this.timeoutNowSent = false;
    this.appendsDeferred = false;
    this.votes.reset();
    const last = this.lastIndex;
    for (const pr of this.progress) pr.reset(last);
    this.progress[this.id].match = last;
    this.readOnly.reset(this.id, this.readsDropped);
  }

  private becomeFollower(term: number, lead: number): void {
    this.reset(term);
    this.lead = lead;
    this.role = "follower";
  }

  private becomePreCandidate(): void {
    // Changes neither term nor vote: a node that cannot win does not disrupt the cluster.
    this.votes.reset();
    if (this.lead !== NONE) this.readOnly.dropForwarded(this.readsDropped);
    this.lead = NONE;
    this.role = "precandidate";
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
  }

  private becomeLeader(): void {
    this.reset(this.term);
    this.lead = this.id;
    this.role = "leader";
    const self = this.progress[this.id];
    self.state = "replicate";
    self.recentActive = true;
    // The empty entry lets the new leader commit (and so learn the commit index of) earlier terms.
    this.appendEntry(undefined);
  }

  private hup(transfer: boolean): void {
    if (this.role === "leader") return;
    if (this.preVote && !transfer) this.runCampaign("pre");
    else this.runCampaign(transfer ? "transfer" : "election");
  }

  private runCampaign(kind: "pre" | "election" | "transfer"): void {
    let term: number;
    let type: MessageType;
    if (kind === "pre") {
      this.becomePreCandidate();
      type = "preVote";
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      type = "vote";
      term = this.term;
    }
    if (this.votes.record(this.id, true) === "won") {
      if (kind === "pre") this.runCampaign("election");
      else this.becomeLeader();
      return;
    }
    const li = this.lastIndex;
    const lt = this.lastTerm;
    for (let i = 0; i < this.n; i++) {
      if (i === this.id) continue;
      const m = mkMsg<T>(type, this.id, i, term);
      m.index = li;
      m.logTerm = lt;
      if (kind === "transfer") m.ctx = CAMPAIGN_TRANSFER;
      this.msgs.push(m);
    }
  }

  private isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm;
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex);
  }

  // ---------------------------------------------------------------------------------------------
  // Per-role message handling.

  private stepFollower(m: Message<T>): void {
    switch (m.type) {
      case "prop":
        if (this.lead !== NONE && this.forwardProposals) {
          const f = mkMsg<T>("prop", this.id, this.lead, 0);
          f.entries = m.entries;
          this.msgs.push(f);
        }
        return;
      case "app":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case "heartbeat":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case "transferLeader":
        if (this.lead !== NONE) {
          const f = mkMsg<T>("transferLeader", this.id, this.lead, this.term);
          f.ctx = m.ctx;
          this.msgs.push(f);
        }
        return;
      case "timeoutNow":
        this.hup(true);
        return;
      case "readIndex":
        // A follower whose leader moved on: the requester times out.
        if (this.lead !== NONE) {
          const f = mkMsg<T>("readIndex", m.from, this.lead, 0);
          f.ctx = m.ctx;
          this.msgs.push(f);
        }
        return;
      case "readIndexResp":
        if (this.readOnly.answered(m.ctx)) this.readStates.push({ index: m.index, ctx: m.ctx });
        return;
    }
  }

  private stepCandidate(m: Message<T>): void {
    switch (m.type) {
      case "app":
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case "heartbeat":
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case "voteResp":
      case "preVoteResp": {
        if ((m.type === "preVoteResp") !== (this.role === "precandidate")) return;
        const res = this.votes.record(m.from, !m.reject);
        if (res === "won") {
          if (this.role === "precandidate") {
            this.runCampaign("election");
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (res === "lost") {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
    }
  }

  private stepLeader(m: Message<T>): void {
    switch (m.type) {
      case "prop":
        if (this.leadTransferee !== NONE) return;
        for (const e of m.entries) this.appendEntry(e.data);
        this.bcastAppend();
        return;
      case "readIndex":
        this.leaderReadIndex(m.from, m.ctx);
        return;
      case "transferLeader":
        this.leaderTransfer(m.ctx);
        return;
      case "appResp":
        this.handleAppendResponse(m);
        return;
      case "heartbeatResp":
        this.handleHeartbeatResponse(m);
        return;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Log replication.

  private matchTerm(index: number, term: number): boolean {
    return index < this.log.length && this.log[index].term === term;
  }

  private appendEntry(data: T | undefined): number {
    const index = this.log.length;
    this.log.push({ index, term: this.term, data });
    const self = this.progress[this.id];
    self.match = index;
    self.next = index + 1;
    this.maybeCommit();
    return index;
  }

  private handleAppend(m: Message<T>): void {
    if (m.index < this.commit) {
      const r = mkMsg<T>("appResp", this.id, m.from, this.term);
      r.index = this.commit;
      this.send(r);
      return;
    }
    if (this.matchTerm(m.index, m.logTerm)) {
      const ents = m.entries;
      const lastNew = m.index + ents.length;
      let ci = 0;
      for (let k = 0; k < ents.length; k++) {
        const e = ents[k];
        if (!this.matchTerm(e.index, e.term)) {
          ci = e.index;
          break;
        }
      }
      if (ci !== 0) {
        // ci > m.index >= commit: the check above keeps committed entries out of reach.
        if (ci < this.log.length) {
          this.log.length = ci;
          if (this.unstableFrom > ci) this.unstableFrom = ci;
        }
        for (let k = ci - m.index - 1; k < ents.length; k++) this.log.push(ents[k]);
      }
      const c = Math.min(m.commit, lastNew);
      if (c > this.commit) this.commit = c;
      const r = mkMsg<T>("appResp", this.id, m.from, this.term);
      r.index = lastNew;
      this.send(r);
    } else {
      const hint = Math.min(m.index, this.lastIndex);
      const hi = this.findConflictByTerm(hint, m.logTerm);
      const r = mkMsg<T>("appResp", this.id, m.from, this.term);
      r.index = m.index;
      r.reject = true;
      r.rejectHint = hi;
      r.logTerm = this.log[hi].term;
      this.send(r);
    }
  }

  private handleHeartbeat(m: Message<T>): void {
    // The leader sends min(match, commit), so this never points past what we share with it.
    const c = Math.min(m.commit, this.lastIndex);
    if (c > this.commit) this.commit = c;
    const r = mkMsg<T>("heartbeatResp", this.id, m.from, this.term);
    r.ctx = m.ctx;
    r.round = m.round;
    this.send(r);
  }

  /** Largest index ≤ index whose term is ≤ term (etcd findConflictByTerm): skips a whole term per probe. */
  private findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex);
    while (i > 0 && this.log[i].term > term) i--;
    return i;
  }

  private handleAppendResponse(m: Message<T>): void {
    const from = m.from;
    const pr = this.progress[from];
    pr.recentActive = true;
    if (m.reject) {
      let nextProbe = m.rejectHint;
      if (m.logTerm > 0) nextProbe = this.findConflictByTerm(m.rejectHint, m.logTerm);
      if (pr.maybeDecrTo(m.index, nextProbe)) {
        if (pr.state === "replicate") pr.becomeProbe();
        this.maybeSendAppend(from, true);
      }
      return;
    }
    // Only a broken election (a test-only bug) lets a follower claim more than the leader holds.
    if (m.index > this.lastIndex) return;
    const oldPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === "probe") pr.becomeReplicate();
    else pr.freeInflightTo(m.index);
    if (this.maybeCommit()) {
      this.releasePendingReadIndex();
      this.bcastAppend();
    } else if (oldPaused) {
      this.maybeSendAppend(from, true);
    }
    while (this.maybeSendAppend(from, false)) {
      // Keep the pipe full while the window allows.
    }
    if (from === this.leadTransferee && pr.match === this.lastIndex) this.sendTimeoutNow(from);
  }

  private handleHeartbeatResponse(m: Message<T>): void {
    const from = m.from;
    const pr = this.progress[from];
    pr.onHeartbeatResponse();
    if (pr.match < this.lastIndex) this.maybeSendAppend(from, true);
    if (this.readOnly.recvAck(from, m.round)) this.updateQuorumRound();
  }

  private maybeSendAppend(to: number, sendIfEmpty: boolean): boolean {
    const pr = this.progress[to];
    if (pr.isPaused()) return false;
    const prev = pr.next - 1;
    const last = this.lastIndex;
    let hi = prev + this.maxEntries;
    if (hi > last) hi = last;
    if (hi <= prev && !sendIfEmpty) return false;
    const m = mkMsg<T>("app", this.id, to, this.term);
    m.index = prev;
    m.logTerm = this.log[prev].term;
    if (hi > prev) m.entries = this.log.slice(prev + 1, hi + 1);
    m.commit = this.commit;
    this.msgs.push(m);
    if (hi > prev) pr.sentEntries(hi);
    return true;
  }

  private bcastAppend(): void {
    for (let i = 0; i < this.n; i++) if (i !== this.id) this.maybeSendAppend(i, true);
  }

  private maybeCommit(): boolean {
    const prs = this.progress;
    const matches = this.matchScratch;
    for (let i = 0; i < this.n; i++) matches[i] = prs[i].match;
    const mci = quorumValue(matches, this.n, this.quorum);
    if (mci > this.commit && (this.bugCommitByCount || this.log[mci].term === this.term)) {
      this.commit = mci;
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // Heartbeats, ReadIndex, transfer.

  private bcastHeartbeat(): void {
    const round = this.readOnly.startRound(this.id);
    this.roundOut = round;
    for (let i = 0; i < this.n; i++) {
      if (i === this.id) continue;
      const m = mkMsg<T>("heartbeat", this.id, i, this.term);
      m.commit = Math.min(this.progress[i].match, this.commit);
      m.round = round;
      this.msgs.push(m);
    }
    this.updateQuorumRound();
  }

  /** A follower acking round r acknowledged our leadership after every round ≤ r was sent. */
  private updateQuorumRound(): void {
    const q = this.readOnly.maybeAdvance();
    if (q === 0) return;
    this.quorumAckOut = q;
    for (const r of this.readOnly.takeConfirmed()) this.respondRead(r.from, r.index, r.ctx);
    if (this.readOnly.hasHeld) this.startHeldRound();
  }

  /** Batching: once no round is in flight, every held read joins one new round. */
  private startHeldRound(): void {
    const ro = this.readOnly;
    if (ro.inFlight || !ro.hasHeld) return;
    for (const r of ro.takeHeld()) ro.addRequest(this.commit, r.from, r.ctx);
    this.bcastHeartbeat();
  }

  private respondRead(from: number, index: number, ctx: number): void {
    if (from === this.id) {
      this.readStates.push({ index, ctx });
    } else {
      const m = mkMsg<T>("readIndexResp", this.id, from, this.term);
      m.index = index;
      m.ctx = ctx;
      this.msgs.push(m);
    }
  }

  private leaderReadIndex(from: number, ctx: number): void {
    if (this.n === 1) {
      this.respondRead(from, this.commit, ctx);
      return;
    }
    if (!this.committedInCurrentTerm) {
      // Until the leader commits in its term, its commit index may lag earlier commits.
      this.readOnly.wait(from, ctx);
      return;
    }
    if (this.readOnly.batching && this.readOnly.inFlight) {
      this.readOnly.hold(from, ctx);
      return;
    }
    this.readOnly.addRequest(this.commit, from, ctx);
    this.bcastHeartbeat();
  }

  private releasePendingReadIndex(): void {
    if (!this.readOnly.hasWaiting || !this.committedInCurrentTerm) return;
    for (const r of this.readOnly.takeWaiting()) this.leaderReadIndex(r.from, r.ctx);
  }

  private leaderTransfer(to: number): void {
    if (!(to >= 0 && to < this.n)) return;
    if (this.leadTransferee !== NONE) {
      if (this.leadTransferee === to) return;
      this.leadTransferee = NONE;
    }
    if (to === this.id) return;
    // The transfer must finish within one election timeout.
    this.electionElapsed = 0;
    this.leadTransferee = to;
    if (this.progress[to].match === this.lastIndex) this.sendTimeoutNow(to);
    else this.maybeSendAppend(to, true);
  }

  private sendTimeoutNow(to: number): void {
    this.timeoutNowSent = true;
    this.msgs.push(mkMsg<T>("timeoutNow", this.id, to, this.term));
  }

  private send(m: Message<T>): void {
    this.msgs.push(m);
  }
}
