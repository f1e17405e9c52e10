/**
 * Hybrid logical clock as elastickv has it (docs/model.md, `kv/hlc.go`):
 * value = physicalMs * 65536 + logical (16 bits). Physical = max(wall, ceiling) floored at the
 * last issued/observed value; within one ms the logical counter increments and its overflow bumps
 * the physical part by one. The wall clock is injected, so the simulation decides what "now" is.
 */
import type { KvKnobs } from "./knobs.ts";

export const HLC_LOGICAL_BITS = 16;
export const HLC_LOGICAL_RANGE = 65_536;

export function hlcPhysical(ts: number): number {
  return Math.floor(ts / HLC_LOGICAL_RANGE);
}

export function hlcLogical(ts: number): number {
  return ts % HLC_LOGICAL_RANGE;
}

export function hlcValue(physicalMs: number, logical: number): number {
  return physicalMs * HLC_LOGICAL_RANGE + logical;
}

/** `NextFenced` refused: the Raft-agreed ceiling is reached (elastickv `ErrCeilingExpired`). */
export class CeilingExpiredError extends Error {
  readonly code = "ERR_CEILING_EXPIRED";
  constructor(
    readonly wallMs: number,
    readonly ceilingMs: number,
  ) {
    super(`hlc: physical/logical ceiling exhausted (wall ${wallMs} ms, ceiling ${ceilingMs} ms)`);
    this.name = "CeilingExpiredError";
  }
}

export interface HlcOptions {
  /** Apply lease entries as a physical ceiling; when false `applyCeiling` is ignored. */
  ceiling: boolean;
  /** Persistence allocations (`allocate`, `nextTimestampAfterThrough`) use `nextFenced`. */
  fenced: boolean;
  /** `becomeLeader` observes the max applied commitTS. */
  leaderFloor: boolean;
}

export class Hlc {
  private last = 0;
  private ceilingMs = 0;
  /** Count of `nextFenced` refusals, for probes and traces. */
  fencedRejections = 0;
  readonly options: HlcOptions;

  constructor(
    private readonly wall: () => number,
    options: Partial<HlcOptions> = {},
  ) {
    this.options = { ceiling: true, fenced: true, leaderFloor: false, ...options };
  }

  static fromKnobs(wall: () => number, knobs: KvKnobs): Hlc {
    return new Hlc(wall, {
      ceiling: knobs.hlcCeiling,
      fenced: knobs.hlcFenced,
      leaderFloor: knobs.hlcLeaderFloor,
    });
  }

  /** The injected wall clock, in whole milliseconds. */
  wallMs(): number {
    return Math.floor(this.wall());
  }

  /** Last issued or observed value; 0 before the first. */
  current(): number {
    return this.last;
  }

  physicalCeiling(): number {
    return this.ceilingMs;
  }

  /** Unfenced `Next()`: never fails. */
  next(): number {
    let now = this.wallMs();
    if (this.ceilingMs > 0 && now < this.ceilingMs) now = this.ceilingMs;
    return this.issue(now);
  }

  /**
   * `NextFenced()`: with a ceiling, refuses when wall ≥ ceiling or when the logical counter would
   * push the physical part above the ceiling. Ceiling 0 (none yet) is unfenced.
   */
  nextFenced(): number {
    const c = this.ceilingMs;
    if (c <= 0) return this.next();
    const wall = this.wallMs();
    if (wall >= c) {
      this.fencedRejections++;
      throw new CeilingExpiredError(wall, c);
    }
    const physical = this.nextPhysical(c);
    if (physical > c) {
      this.fencedRejections++;
      throw new CeilingExpiredError(wall, c);
    }
    return this.issue(c);
  }

  /** Persistence allocation as the knobs choose: fenced or not. */
  allocate(): number {
    return this.options.fenced ? this.nextFenced() : this.next();
  }

  /** Observe(startTS) then allocate ⇒ a timestamp strictly above startTS (`kv/tso.go`). */
  nextTimestampAfterThrough(startTS: number): number {
    this.observe(startTS);
    const ts = this.allocate();
    if (ts <= startTS) throw new Error(`hlc: allocated ${ts} not above ${startTS}`);
    return ts;
  }

  /** Raise `last` to ts if ts is newer. */
  observe(ts: number): void {
    if (ts > this.last) this.last = ts;
  }

  /** Raise the physical ceiling (monotone); ignored when the ceiling knob is off. */
  applyCeiling(ms: number): void {
    if (!this.options.ceiling) return;
    if (ms > this.ceilingMs) this.ceilingMs = ms;
  }

  /** Leader initialization: floor the clock at the max applied commitTS when the knob says so. */
  becomeLeader(maxAppliedTS: number): void {
    if (this.options.leaderFloor) this.observe(maxAppliedTS);
  }

  /** Physical part the next issue would use given a floored now. */
  private nextPhysical(now: number): number {
    const prevWall = hlcPhysical(this.last);
    if (now > prevWall) return now;
    return hlcLogical(this.last) + 1 === HLC_LOGICAL_RANGE ? prevWall + 1 : prevWall;
  }

  private issue(now: number): number {
    const prevWall = hlcPhysical(this.last);
    let ts: number;
    if (now > prevWall) {
      ts = hlcValue(now, 0);
    } else {
      const logical = hlcLogical(this.last) + 1;
      ts = logical === HLC_LOGICAL_RANGE ? hlcValue(prevWall + 1, 0) : hlcValue(prevWall, logical);
    }
    this.last = ts;
    return ts;
  }
}
