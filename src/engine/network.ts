/**
 * The simulated network. Every delivery is a simulation event; every random decision (drop, delay,
 * duplicate) comes from the network's stream, in a fixed order per send: drop (only when
 * dropRate > 0), delay (only when maxDelayUs > minDelayUs), then duplicate (only when
 * dupRate > 0) and the duplicate's delay. Lower choices are simpler: no drop, minimum delay, no
 * duplicate.
 *
 * Reachability is checked both when a message is sent and when it arrives, so a message in flight
 * when a partition starts never crosses it. Clogged links hold messages (in order) until the clog
 * ends. A message to a node that crashes or restarts while it is in flight is dropped, as a
 * connection reset would lose it; messages already sent by a node that then crashes still arrive.
 * Self-sends skip partitions, clogs, drops and random delay: they arrive after minDelayUs.
 */
import type { Stream } from "./rng.ts";
import type { Simulation } from "./sim.ts";

export interface NetConfig {
  /** Per-message delay is drawn uniformly in [minDelayUs, maxDelayUs]. */
  minDelayUs: number;
  maxDelayUs: number;
  /** Probability that a message is lost. */
  dropRate: number;
  /** Probability that a delivered message also arrives a second time (with its own delay). */
  dupRate: number;
  /**
   * When false, messages on one link are delivered FIFO (a later message never overtakes an
   * earlier one); when true, each message's delay is independent.
   */
  reorder: boolean;
}

export interface NetStats {
  /** send() calls. */
  sent: number;
  /** Handler invocations (duplicates included). */
  delivered: number;
  /** Messages lost for any reason: random drops, partitions and blocked links, down nodes. */
  dropped: number;
  /** Extra copies created by dupRate. */
  duplicated: number;
  /** The part of `dropped` due to partitions and blocked links. */
  partitionDrops: number;
  /** The part of `dropped` due to a down (or restarted) node, or a node with no handler. */
  downDrops: number;
}

interface Packet<M> {
  from: number;
  to: number;
  msg: M;
  /** The destination's incarnation when the message was sent. */
  epoch: number;
}

/** Sees the network's traffic without changing it. */
export interface NetworkObserver<M> {
  /** After a send; `dropped` when the network dropped the message at once (down node, partition, loss). */
  sent?(from: number, to: number, msg: M, dropped: boolean): void;
  /** Just before a message reaches its receiver. */
  delivered?(from: number, to: number, msg: M): void;
}

/**
 * A stream per directed link: the draws of one link (drops, delays, duplicates) then do not move
 * when another link carries more or fewer messages.
 */
export type LinkStreams = (from: number, to: number) => Stream;

export class Network<M> {
  readonly stats: NetStats = {
    sent: 0,
    delivered: 0,
    dropped: 0,
    duplicated: 0,
    partitionDrops: 0,
    downDrops: 0,
  };

  private cfg: NetConfig;
  private readonly handlers: Array<((from: number, msg: M) => void) | undefined>;
  private readonly observers: NetworkObserver<M>[] = [];
  private readonly routes: Array<{
    accepts: (msg: M) => boolean;
    handler: (to: number, from: number, msg: M) => void;
  }> = [];
  /** Partition group of each node; all 0 when healed. */
  private readonly groupOf: Int32Array;
  private partitioned = false;
  /** Blocked directed links, index from * n + to. */
  private readonly blocked: Uint8Array;
  private blockedCount = 0;
  private readonly down: Uint8Array;
  private readonly epochs: Int32Array;
  /** Latest scheduled arrival per directed link, for FIFO. */
  private readonly lastArrival: Float64Array;
  private readonly clogNodeUntil: Float64Array;
  private readonly clogLinkUntil: Float64Array;
  /** The latest end of any clog; arrivals after it skip the clog checks. */
  private clogHorizon = 0;
  private readonly held: Array<Packet<M>[] | undefined>;
  private heldCount = 0;
  /** Time of the pending release event per link, -1 when none. */
  private readonly releaseAt: Float64Array;
  private readonly arriveFn: (p: Packet<M>) => void;
  private readonly releaseFn: (link: number) => void;
  /** One stream for every link, or none (then `linkRng` gives each directed link its own). */
  private readonly rng: Stream | undefined;
  private readonly linkRng: LinkStreams | undefined;
  private readonly links: Array<Stream | undefined>;
  /**
   * Packets delivered or dropped, for reuse by the next sends. A packet is only ever the argument
   * of its arrival event and, while a clog holds it, an entry of a held queue; it is done with once
   * its message reaches the handler (or is lost). Packets were 3 % of what a run of `mixed`
   * allocated; a loop of messages passed on at each delivery ran 19 % faster with the reuse.
   */
  private readonly freePackets: Packet<M>[] = [];

  constructor(
    private readonly sim: Simulation,
    rng: Stream | LinkStreams,
    readonly nodeCount: number,
    config: NetConfig,
  ) {
    if (!Number.isInteger(nodeCount) || nodeCount < 1) {
      throw new RangeError(`Network: nodeCount must be a positive integer, got ${nodeCount}`);
    }
    this.cfg = checkConfig({ ...config });
    const n = nodeCount;
    if (typeof rng === "function") {
      this.rng = undefined;
      this.linkRng = rng;
    } else {
      this.rng = rng;
      this.linkRng = undefined;
    }
    this.links = new Array(n * n).fill(undefined);
    this.handlers = new Array(n).fill(undefined);
    this.groupOf = new Int32Array(n);
    this.blocked = new Uint8Array(n * n);
    this.down = new Uint8Array(n);
    this.epochs = new Int32Array(n);
    this.lastArrival = new Float64Array(n * n);
    this.clogNodeUntil = new Float64Array(n);
    this.clogLinkUntil = new Float64Array(n * n);
    this.held = new Array(n * n).fill(undefined);
    this.releaseAt = new Float64Array(n * n).fill(-1);
    this.arriveFn = (p) => this.arrive(p);
    this.releaseFn = (link) => this.release(link);
  }

  /** A copy of the current configuration. */
  get config(): NetConfig {
    return { ...this.cfg };
  }

  register(node: number, handler: (from: number, msg: M) => void): void {
    this.handlers[this.node(node)] = handler;
  }

  /** Adds an observer of every send and delivery (traces); it sees traffic but cannot change it. */
  observe(observer: NetworkObserver<M>): void {
    this.observers.push(observer);
  }

  /**
   * Hands the messages `accepts` picks to `handler` instead of the receiver's registered handler,
   * so that two protocols can share one network (and so one set of partitions and clogs). A
   * message reaches a route only where the receiver has a registered handler; the first route
   * that accepts it wins.
   */
  route(accepts: (msg: M) => boolean, handler: (to: number, from: number, msg: M) => void): void {
    this.routes.push({ accepts, handler });
  }

  send(from: number, to: number, msg: M): void {
    if (this.observers.length === 0) {
      this.transmit(from, to, msg);
      return;
    }
    const before = this.stats.dropped;
    this.transmit(from, to, msg);
    const dropped = this.stats.dropped > before;
    for (const o of this.observers) o.sent?.(from, to, msg, dropped);
  }

  private transmit(from: number, to: number, msg: M): void {
    const n = this.nodeCount;
    if (!(from >= 0 && from < n && to >= 0 && to < n) || (from | 0) !== from || (to | 0) !== to) {
      throw new RangeError(`Network.send: no link ${from} -> ${to} (nodeCount ${n})`);
    }
    const stats = this.stats;
    stats.sent++;
    if (this.down[from] !== 0) {
      stats.dropped++;
      stats.downDrops++;
      return;
    }
    const cfg = this.cfg;
    if (from === to) {
      this.enqueue(from, to, msg, cfg.minDelayUs);
      return;
    }
    if (!this.connected(from, to)) {
      stats.dropped++;
      stats.partitionDrops++;
      return;
    }
    const rng = this.rng ?? this.linkStream(from, to);
    if (cfg.dropRate > 0 && rng.chance(cfg.dropRate)) {
      stats.dropped++;
      return;
    }
    this.enqueue(from, to, msg, this.delay(rng));
    if (cfg.dupRate > 0 && rng.chance(cfg.dupRate)) {
      stats.duplicated++;
      this.enqueue(from, to, msg, this.delay(rng));
    }
  }

  setConfig(partial: Partial<NetConfig>): void {
    this.cfg = checkConfig({ ...this.cfg, ...partial });
  }

  /** Nodes in different groups cannot talk; nodes not listed form their own singleton groups. */
  partition(groups: number[][]): void {
    const n = this.nodeCount;
    const g = this.groupOf;
    g.fill(-1);
    groups.forEach((group, gi) => {
      for (const node of group) {
        this.node(node);
        if (g[node] !== -1) throw new RangeError(`Network.partition: node ${node} is in two groups`);
        g[node] = gi;
      }
    });
    let next = groups.length;
    for (let i = 0; i < n; i++) if (g[i] === -1) g[i] = next++;
    let split = false;
    for (let i = 1; i < n; i++) if (g[i] !== g[0]) split = true;
    this.partitioned = split;
    if (!split) g.fill(0);
  }

  /** Removes partitions and blocked links (not clogs). */
  heal(): void {
    this.groupOf.fill(0);
    this.partitioned = false;
    if (this.blockedCount !== 0) {
      this.blocked.fill(0);
      this.blockedCount = 0;
    }
  }

  /** Partitions [node] from everyone else. */
  isolate(node: number): void {
    this.node(node);
    const rest: number[] = [];
    for (let i = 0; i < this.nodeCount; i++) if (i !== node) rest.push(i);
    this.partition([[node], rest]);
  }

  /**
   * Blocks individual links, on top of any partition (for shapes that are not group partitions,
   * such as a majority ring or a bridge). Each pair blocks both directions unless `directed`,
   * in which case [from, to] blocks only from -> to. `heal()` clears them.
   */
  blockLinks(pairs: ReadonlyArray<readonly [number, number]>, opts?: { directed?: boolean }): void {
    const n = this.nodeCount;
    const set = (a: number, b: number) => {
      const k = a * n + b;
      if (this.blocked[k] === 0) {
        this.blocked[k] = 1;
        this.blockedCount++;
      }
    };
    for (const [a, b] of pairs) {
      this.node(a);
      this.node(b);
      if (a === b) continue;
      set(a, b);
      if (!opts?.directed) set(b, a);
    }
  }

  /** Messages to and from node are held (not dropped) until the clog ends, then delivered in order. */
  clogNode(node: number, durationUs: number): void {
    const until = this.sim.now + checkDuration(durationUs);
    const i = this.node(node);
    if (until > this.clogNodeUntil[i]) this.clogNodeUntil[i] = until;
    if (until > this.clogHorizon) this.clogHorizon = until;
  }

  /** Messages between a and b (both directions) are held until the clog ends. */
  clogLink(a: number, b: number, durationUs: number): void {
    const until = this.sim.now + checkDuration(durationUs);
    const n = this.nodeCount;
    for (const k of [this.node(a) * n + this.node(b), b * n + a]) {
      if (until > this.clogLinkUntil[k]) this.clogLinkUntil[k] = until;
    }
    if (until > this.clogHorizon) this.clogHorizon = until;
  }

  /** Ends every clog now; held messages are delivered (in order) by events at the current time. */
  unclog(): void {
    const now = this.sim.now;
    this.clogNodeUntil.fill(0);
    this.clogLinkUntil.fill(0);
    this.clogHorizon = 0;
    for (let k = 0; k < this.held.length; k++) {
      if (this.held[k] !== undefined) {
        this.releaseAt[k] = now;
        this.sim.atWith(now, this.releaseFn, k, "net.release");
      }
    }
  }

  /** A down node receives nothing and sends nothing. */
  crash(node: number): void {
    const i = this.node(node);
    if (this.down[i] !== 0) return;
    this.down[i] = 1;
    this.epochs[i]++;
  }

  restart(node: number): void {
    const i = this.node(node);
    if (this.down[i] === 0) return;
    this.down[i] = 0;
    this.epochs[i]++;
  }

  isDown(node: number): boolean {
    return this.down[this.node(node)] !== 0;
  }

  /** Whether a message sent now from -> to could arrive: both nodes up, no partition or block between them. */
  canDeliver(from: number, to: number): boolean {
    this.node(from);
    this.node(to);
    if (this.down[from] !== 0 || this.down[to] !== 0) return false;
    return from === to || this.connected(from, to);
  }

  /** Messages currently held by clogs. */
  get heldMessages(): number {
    return this.heldCount;
  }

  private connected(from: number, to: number): boolean {
    if (this.partitioned && this.groupOf[from] !== this.groupOf[to]) return false;
    return this.blockedCount === 0 || this.blocked[from * this.nodeCount + to] === 0;
  }

  private delay(rng: Stream): number {
    const { minDelayUs, maxDelayUs } = this.cfg;
    return maxDelayUs > minDelayUs ? rng.range(minDelayUs, maxDelayUs) : minDelayUs;
  }

  private linkStream(from: number, to: number): Stream {
    const k = from * this.nodeCount + to;
    let s = this.links[k];
    if (s === undefined) {
      s = this.linkRng!(from, to);
      this.links[k] = s;
    }
    return s;
  }

  private enqueue(from: number, to: number, msg: M, delayUs: number): void {
    let t = this.sim.now + delayUs;
    const k = from * this.nodeCount + to;
    const last = this.lastArrival[k];
    if (t < last && !this.cfg.reorder) t = last;
    if (t > last) this.lastArrival[k] = t;
    const free = this.freePackets;
    let p: Packet<M>;
    if (free.length !== 0) {
      p = free.pop()!;
      p.from = from;
      p.to = to;
      p.msg = msg;
      p.epoch = this.epochs[to];
    } else {
      p = { from, to, msg, epoch: this.epochs[to] };
    }
    this.sim.atWith(t, this.arriveFn, p, packetKind);
  }

  private arrive(p: Packet<M>): void {
    if (p.from !== p.to && (this.heldCount !== 0 || this.sim.now < this.clogHorizon)) {
      const k = p.from * this.nodeCount + p.to;
      const until = this.clogEnd(k, p.from, p.to);
      let q = this.held[k];
      if (q !== undefined || until > this.sim.now) {
        // Join the queue even if the clog just ended, so an earlier held message is not overtaken.
        if (q === undefined) {
          q = [];
          this.held[k] = q;
        }
        q.push(p);
        this.heldCount++;
        if (this.releaseAt[k] < 0) {
          const at = Math.max(until, this.sim.now);
          this.releaseAt[k] = at;
          this.sim.atWith(at, this.releaseFn, k, "net.release");
        }
        return;
      }
    }
    this.deliver(p);
  }

  private release(k: number): void {
    const now = this.sim.now;
    if (this.releaseAt[k] !== now) return; // superseded by a later release
    const n = this.nodeCount;
    const until = this.clogEnd(k, Math.floor(k / n), k % n);
    if (until > now) {
      this.releaseAt[k] = until;
      this.sim.atWith(until, this.releaseFn, k, "net.release");
      return;
    }
    this.releaseAt[k] = -1;
    const q = this.held[k];
    this.held[k] = undefined;
    if (q === undefined) return;
    this.heldCount -= q.length;
    for (const p of q) this.deliver(p);
  }

  private clogEnd(k: number, from: number, to: number): number {
    return Math.max(this.clogNodeUntil[from], this.clogNodeUntil[to], this.clogLinkUntil[k]);
  }

  /** Delivers a packet's message (or drops it); the packet goes back to the free list first. */
  private deliver(p: Packet<M>): void {
    const stats = this.stats;
    const { from, to, msg, epoch } = p;
    p.msg = undefined as M;
    this.freePackets.push(p);
    if (this.down[to] !== 0 || this.epochs[to] !== epoch) {
      stats.dropped++;
      stats.downDrops++;
      return;
    }
    if (from !== to && !this.connected(from, to)) {
      stats.dropped++;
      stats.partitionDrops++;
      return;
    }
    const h = this.handlers[to];
    if (h === undefined) {
      stats.dropped++;
      stats.downDrops++;
      return;
    }
    stats.delivered++;
    if (this.observers.length !== 0) for (const o of this.observers) o.delivered?.(from, to, msg);
    const routes = this.routes;
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i];
      if (r.accepts(msg)) {
        r.handler(to, from, msg);
        return;
      }
    }
    h(from, msg);
  }

  private node(i: number): number {
    if (!(i >= 0 && i < this.nodeCount) || !Number.isInteger(i)) {
      throw new RangeError(`Network: no node ${i} (nodeCount ${this.nodeCount})`);
    }
    return i;
  }
}

function checkConfig(c: NetConfig): NetConfig {
  const min = Math.round(c.minDelayUs);
  const max = Math.round(c.maxDelayUs);
  if (!(min >= 0) || !(max >= min) || !Number.isFinite(max)) {
    throw new RangeError(
      `Network: need 0 <= minDelayUs <= maxDelayUs, got [${c.minDelayUs}, ${c.maxDelayUs}]`,
    );
  }
  for (const k of ["dropRate", "dupRate"] as const) {
    if (!(c[k] >= 0 && c[k] <= 1)) throw new RangeError(`Network: ${k} must be in [0, 1], got ${c[k]}`);
  }
  return { minDelayUs: min, maxDelayUs: max, dropRate: c.dropRate, dupRate: c.dupRate, reorder: !!c.reorder };
}

function checkDuration(d: number): number {
  const r = Math.round(d);
  if (!(r >= 0) || !Number.isFinite(r)) throw new RangeError(`Network: duration must be >= 0, got ${d}`);
  return r;
}

/**
 * A delivery's kind for event profiles: the message's own `type` (or `t`) when it has a string
 * one, so that the network stays ignorant of what the messages mean.
 */
function packetKind(p: Packet<unknown>): string {
  const m = p.msg as { type?: unknown; t?: unknown } | null;
  if (m !== null && typeof m === "object") {
    if (typeof m.type === "string") return `net:${m.type}`;
    if (typeof m.t === "string") return `net:${m.t}`;
  }
  return "net:message";
}
