/**
 * Simulated wall clocks, one per node: true simulated time plus a per-node skew. Faults change the
 * skew, which may move a node's clock backwards; protocols that trust wall clocks (leases, HLC)
 * must cope with that, and that is what these faults are for.
 */
import type { Simulation } from "./sim.ts";

export class Clocks {
  private readonly skews: number[];
  private readonly watchers: Array<(node: number) => void> = [];

  constructor(
    private readonly sim: Simulation,
    readonly nodeCount: number,
  ) {
    if (!Number.isInteger(nodeCount) || nodeCount < 0) {
      throw new RangeError(`Clocks: nodeCount must be a non-negative integer, got ${nodeCount}`);
    }
    this.skews = new Array(nodeCount).fill(0);
  }

  /** The node's wall clock in microseconds: sim.now + skew(node), never negative. */
  wallUs(node: number): number {
    return Math.max(0, this.sim.now + this.skews[this.check(node)]);
  }

  /** Math.floor(wallUs(node) / 1000). */
  wallMs(node: number): number {
    return Math.floor(this.wallUs(node) / 1000);
  }

  skew(node: number): number {
    return this.skews[this.check(node)];
  }

  /**
   * Calls fn(node) just before a node's skew changes, with the old skew still in place. A timer
   * kept on a wall clock without a queued event per period (it computes where the clock was at
   * past instants from the current skew) brings itself up to date here.
   */
  onChange(fn: (node: number) => void): void {
    this.watchers.push(fn);
  }

  /** Fault: sets the node's skew (rounded to an integer number of microseconds). */
  setSkew(node: number, skewUs: number): void {
    if (!Number.isFinite(skewUs)) throw new RangeError(`Clocks.setSkew: skew must be finite, got ${skewUs}`);
    this.change(this.check(node), Math.round(skewUs));
  }

  /** Fault: the node's clock jumps by deltaUs (negative jumps go backwards). */
  jump(node: number, deltaUs: number): void {
    if (!Number.isFinite(deltaUs)) throw new RangeError(`Clocks.jump: delta must be finite, got ${deltaUs}`);
    const i = this.check(node);
    this.change(i, this.skews[i] + Math.round(deltaUs));
  }

  /** Sets every skew back to 0. */
  reset(): void {
    for (let i = 0; i < this.nodeCount; i++) this.change(i, 0);
  }

  private change(node: number, skewUs: number): void {
    if (this.skews[node] === skewUs) return;
    for (const fn of this.watchers) fn(node);
    this.skews[node] = skewUs;
  }

  private check(node: number): number {
    if (!(node >= 0 && node < this.nodeCount) || !Number.isInteger(node)) {
      throw new RangeError(`Clocks: no node ${node} (nodeCount ${this.nodeCount})`);
    }
    return node;
  }
}
