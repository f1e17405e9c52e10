/**
 * ReadIndex bookkeeping (etcd's `readOnly`): which read requests wait for what, and which
 * heartbeat rounds a quorum has acknowledged.
 *
 * A leader serves a read at its commit index once a quorum has confirmed, after the request
 * arrived, that it still leads. Confirmation rides on heartbeats: each broadcast starts a numbered
 * round, followers echo the round, and a request queued while round r-1 was the latest is confirmed
 * once a quorum has acknowledged round r or later. A follower acking round r vouches for every
 * round ≤ r, so one acknowledged index per node suffices (etcd keeps the same per-node maximum,
 * counted in requests rather than rounds). The rounds a quorum acknowledged also feed the host's
 * leader lease.
 *
 * With batching on (the real engine's read loop), a request that arrives while a round is in
 * flight is held instead of starting a round of its own; once the round in flight is confirmed,
 * every held request joins one new round, read at the commit index of that moment.
 *
 * Two more queues live here: reads that reach a new leader before it has committed an entry of
 * its term (its commit index may still lag the real one, so they wait), and, on a follower, the
 * ids of reads it forwarded to its leader and has not heard back about.
 */
import { quorumValue } from "./quorum.ts";

export interface PendingRead {
  /** The commit index when the request arrived: the read waits until it is applied. */
  index: number;
  /** The node that asked (the leader itself or a follower). */
  from: number;
  ctx: number;
  /** The heartbeat round whose quorum acknowledgement confirms this read. */
  round: number;
}

/** A read that arrived before the leader committed in its term. */
export interface WaitingRead {
  from: number;
  ctx: number;
}

const NOTHING: readonly PendingRead[] = Object.freeze([]);

export class ReadOnly {
  /** Heartbeat rounds this node has started as leader, over its whole life (never reset). */
  round = 0;
  /** The highest round a quorum has acknowledged in the current term. */
  quorumRound = 0;
  /** Per node: the highest round it acknowledged in the current term (the leader counts its own). */
  private readonly acks: number[];
  /** Reads waiting for a quorum to acknowledge their round, in arrival (and round) order. */
  private queue: PendingRead[] = [];
  /** Reads waiting for the leader to commit an entry of its term. */
  private waiting: WaitingRead[] = [];
  /** Follower: read ids forwarded to the leader and not yet answered. */
  private readonly forwarded: number[] = [];
  /** What `takeConfirmed` hands out, refilled by each call. */
  private readonly confirmed: PendingRead[] = [];
  /** Batching: reads that arrived while a round was in flight, for the next round. */
  private held: WaitingRead[] = [];

  constructor(
    private readonly n: number,
    private readonly quorum: number,
    /** Requests arriving while a round is in flight wait for the next single round. */
    readonly batching = false,
  ) {
    this.acks = new Array(n).fill(0);
  }

  /** A new term (or role): every request of this node in flight is dropped into `dropped`. */
  reset(self: number, dropped: number[]): void {
    this.acks.fill(0);
    for (const r of this.queue) if (r.from === self) dropped.push(r.ctx);
    for (const r of this.waiting) if (r.from === self) dropped.push(r.ctx);
    for (const r of this.held) if (r.from === self) dropped.push(r.ctx);
    if (this.queue.length !== 0) this.queue = [];
    if (this.held.length !== 0) this.held = [];
    if (this.waiting.length !== 0) this.waiting = [];
    this.quorumRound = this.round;
  }

  /** Starts a heartbeat round, which the leader itself acknowledges at once; returns its number. */
  startRound(self: number): number {
    this.round++;
    this.acks[self] = this.round;
    return this.round;
  }

  /** Queues a read at `index`, to be confirmed by the next round. */
  addRequest(index: number, from: number, ctx: number): void {
    this.queue.push({ index, from, ctx, round: this.round + 1 });
  }

  /** `from` acknowledged `round`; returns whether that is news. */
  recvAck(from: number, round: number): boolean {
    if (round <= this.acks[from]) return false;
    this.acks[from] = round;
    return true;
  }

  /** Returns the round a quorum newly acknowledged, or 0 when the quorum round did not move. */
  maybeAdvance(): number {
    const q = quorumValue(this.acks, this.n, this.quorum);
    if (q <= this.quorumRound) return 0;
    this.quorumRound = q;
    return q;
  }

  /**
   * Removes and returns the reads the current quorum round confirms, oldest first, in an array
   * the next call refills: read it before calling again.
   */
  takeConfirmed(): readonly PendingRead[] {
    const rq = this.queue;
    if (rq.length === 0) return NOTHING;
    let k = 0;
    while (k < rq.length && rq[k].round <= this.quorumRound) k++;
    if (k === 0) return NOTHING;
    // One array for every call, and shifts off the queue, which keep its capacity: a splice
    // made an array per confirmed round and left the emptied queue to allocate again.
    const out = this.confirmed;
    while (out.length !== 0) out.pop();
    for (let i = 0; i < k; i++) out.push(rq.shift()!);
    return out;
  }

  /** Whether a round with requests is waiting for its quorum (confirmed ones leave the queue at once). */
  get inFlight(): boolean {
    return this.queue.length !== 0;
  }

  /** Batching: holds a read that arrived while a round was in flight. */
  hold(from: number, ctx: number): void {
    this.held.push({ from, ctx });
  }

  /** Batching: removes and returns the held reads, in arrival order. */
  takeHeld(): readonly WaitingRead[] {
    const h = this.held;
    if (h.length !== 0) this.held = [];
    return h;
  }

  get hasHeld(): boolean {
    return this.held.length !== 0;
  }

  /** Holds a read until the leader commits in its term. */
  wait(from: number, ctx: number): void {
    this.waiting.push({ from, ctx });
  }

  /** Removes and returns the reads held by `wait`. */
  takeWaiting(): readonly WaitingRead[] {
    const w = this.waiting;
    if (w.length !== 0) this.waiting = [];
    return w;
  }

  get hasWaiting(): boolean {
    return this.waiting.length !== 0;
  }

  /** Follower: a read was forwarded to the leader. */
  forward(ctx: number): void {
    this.forwarded.push(ctx);
  }

  /** Follower: the leader answered `ctx`; returns whether this node was waiting for it. */
  answered(ctx: number): boolean {
    const i = this.forwarded.indexOf(ctx);
    if (i < 0) return false;
    this.forwarded.splice(i, 1);
    return true;
  }

  get hasForwarded(): boolean {
    return this.forwarded.length !== 0;
  }

  /** Follower: the leader is gone, so forwarded reads will not be answered. */
  dropForwarded(dropped: number[]): void {
    for (const c of this.forwarded) dropped.push(c);
    this.forwarded.length = 0;
  }

  /** `round=4 quorum=3 queued=1 waiting=0 forwarded=0` (test output). */
  toString(): string {
    return (
      `round=${this.round} quorum-round=${this.quorumRound} queued=${this.queue.length}` +
      ` waiting=${this.waiting.length} forwarded=${this.forwarded.length}` +
      (this.batching ? ` held=${this.held.length}` : "")
    );
  }
}
