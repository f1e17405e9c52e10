/**
 * The state of one shrink search and the moves every pass is made of: offer a batch of candidates
 * and adopt the first that passes (`firstOf`), and delta debugging over a list of removable
 * elements (`ddmin`). The passes themselves live in scenario-passes.ts; the order they run in, in
 * index.ts.
 */
import type { Scenario } from "../workload/scenario.ts";
import { cloneEdits, runStepIndex, type ScenarioEdits } from "./scenario.ts";
import { shortlexLess, type TestOutcome as TapeOutcome, tapeKey, trimTape } from "./tape.ts";

/** The default attempt budget of a shrink (runs of the system under test). */
export const DEFAULT_SHRINK_ATTEMPTS = 400;

/**
 * One point in the search: edits of the original scenario, and what drives the run — a choice
 * tape, or (before the tape phase) the original seed.
 */
export interface Candidate {
  edits: ScenarioEdits;
  tape?: number[];
  seed?: number;
}

/** How big a run is, as a reader of the repro sees it. */
export interface RunSize {
  /** Client ops (invocations), final reads included. */
  ops: number;
  /** Faults injected. */
  faults: number;
}

/** What one test of a candidate says. */
export interface TestOutcome extends TapeOutcome {
  /** The run's size: a candidate larger than the one held is not adopted, even if it fails. */
  size?: RunSize;
  /** The ids of the faults the run injected (see RunOutcome.faultIds): what can be removed next. */
  faultIds?: readonly string[];
  /** The keys the run's target anomalies name: ops on other keys are the next thing to try away. */
  anomalyKeys?: ReadonlyArray<number | string>;
  /** Per process and generated op: how long it held its process in this run (see opHoldsUs). */
  opHoldsUs?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** When the run's ops, script steps and faults happened: what orders them in time (see RunTimes). */
  times?: RunTimes;
}

/**
 * When things happened in a run (µs after the clients started): per process name and generated op
 * index, per process name and script step index, and per injected fault id. Lets a pass remove a
 * stretch of the run (the ops and faults of one moment) at once.
 */
export interface RunTimes {
  ops?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  steps?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  faults?: Readonly<Record<string, number>>;
  /** Per process name and script step index (in the script run): how long it held its process. */
  stepHolds?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/**
 * The size a passing candidate must keep to: no larger than the run held, or else a fault fewer
 * at the price of a few ops more (see `accepts`), never beyond `ceiling`.
 */
export interface SizeLimit extends RunSize {
  /** The size of the failure being shrunk: no candidate beyond it is accepted. */
  ceiling?: RunSize;
}

/** A batch of candidates, in the order a serial search would try them. */
export interface Batch {
  candidates: Candidate[];
  /** A passing candidate is accepted only when its size is within this. */
  limit?: SizeLimit;
}

/**
 * How many ops one fault weighs. A fault changes everything the run does after it, so a reader
 * follows a few more ops more easily than one more fault: a candidate with a fault fewer is
 * accepted even with up to this many ops more, minus one (the weighted size must go down).
 */
export const FAULT_WEIGHT = 4;

function weight(s: RunSize): number {
  return s.ops + FAULT_WEIGHT * s.faults;
}

/**
 * The outcomes of a prefix of a batch: up to and including the first accepted one, or all of them.
 * A shorter answer with none accepted means the driver's outer cap ended the search.
 */
export type Answer = TestOutcome[];

/**
 * Whether a driver stops at this outcome: it fails as required, and its run is no larger than
 * `limit` in ops and in faults, or it trades faults for fewer weighted ops (`FAULT_WEIGHT`) within
 * the ceiling. Every accepted run weighs no more than the one held and the weight only goes down
 * when the ops go up, so the search cannot go round in circles.
 */
export function accepts(o: TestOutcome, limit: SizeLimit | undefined): boolean {
  if (!o.ok) return false;
  if (limit === undefined || o.size === undefined) return true;
  if (o.size.ops <= limit.ops && o.size.faults <= limit.faults) return true;
  const c = limit.ceiling;
  return (
    c !== undefined &&
    o.size.faults < limit.faults &&
    o.size.ops <= c.ops &&
    o.size.faults <= c.faults &&
    weight(o.size) < weight(limit)
  );
}

export interface ShrinkOptions {
  /** At most this many test runs (default DEFAULT_SHRINK_ATTEMPTS). */
  maxAttempts?: number;
  /** Called before every attempt; returning false ends the search (an outer wall-clock cap). */
  budget?: () => boolean;
  /**
   * An upper bound for a generator's op count when the scenario sets none (e.g. the failing
   * run's total client ops): the first cap tried, from which it is lowered.
   */
  opsHint?: number;
  /** For a seed-driven initial candidate: the tape its run consumed (saves one run at the switch). */
  seedTape?: readonly number[];
  /** The size of the initial run: no candidate larger than it is ever adopted. */
  initialSize?: RunSize;
  /** The faults the initial run injected. */
  initialFaultIds?: readonly string[];
  /** The keys the anomaly names: ops on other keys are tried away all at once. */
  anomalyKeys?: ReadonlyArray<number | string>;
  /**
   * When (µs after the clients start) the anomaly's last op completed in the initial run: the run
   * is first cut to end shortly after it, which makes every later attempt cheaper.
   */
  failureAtUs?: number;
  /**
   * A typical op's latency in the initial run (µs): ops removed from a client's sequence are
   * waited out this long as well, so the ops after them stay where they were in time.
   */
  opLatencyUs?: number;
  /**
   * Per process name and generated op index: how long each op of the initial run held its process
   * (from its invocation until the process began its next think time). An op removed is waited
   * out exactly that long (`holdOpsUs`), so its process's later ops start at the same instants.
   */
  initialOpHoldsUs?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** When the initial run's ops, steps and faults happened (see RunTimes). */
  initialTimes?: RunTimes;
}

export interface ShrinkResult {
  best: Candidate;
  attempts: number;
  /** The budget ran out before a fixpoint was reached. */
  exhausted: boolean;
  /** The size of the best candidate's run, when the test reports sizes. */
  size?: RunSize;
}

/** How `SearchState.ddmin` chunks its list. */
export interface DdminOptions {
  /** Also sweep each chunk size offset by half a chunk (see `ddmin`). */
  shifted?: boolean;
  /** The smallest chunk tried (default 1: single elements). */
  minChunk?: number;
}

/** A step of the search: it yields batches and is answered with their outcomes. */
export type Search<T> = Generator<Batch, T, Answer>;

/**
 * What a search holds between attempts: the best candidate so far and what its run showed, the
 * attempts spent, and every candidate already tried (tried again, it would cost an attempt for
 * nothing).
 */
export class SearchState {
  readonly maxAttempts: number;
  attempts = 0;
  exhausted = false;
  best: Candidate;
  bestSize: RunSize | undefined;
  bestFaults: readonly string[];
  bestKeys: ReadonlyArray<number | string> | undefined;
  /** How long each op of the best candidate's run held its process (see initialOpHoldsUs). */
  bestHolds: Readonly<Record<string, Readonly<Record<string, number>>>> | undefined;
  /** When the best candidate's ops, steps and faults happened. */
  bestTimes: RunTimes | undefined;
  /** In the seed phase: the tape the best candidate's run consumed. */
  bestSeedTape: readonly number[] | undefined;
  private readonly seen: Set<string>;
  /** How long a removed op is waited out on top of its think time (see ShrinkOptions.opLatencyUs). */
  private readonly holdUs: number;

  constructor(
    readonly original: Scenario,
    initial: Candidate,
    readonly opts: ShrinkOptions,
  ) {
    this.maxAttempts = opts.maxAttempts ?? DEFAULT_SHRINK_ATTEMPTS;
    const edits = normalize(original, initial.edits);
    this.best =
      initial.tape !== undefined || initial.seed === undefined
        ? { edits, tape: trimTape(initial.tape ?? []) }
        : { edits, seed: initial.seed };
    this.bestSize = opts.initialSize;
    this.bestFaults = opts.initialFaultIds ?? [];
    this.bestKeys = opts.anomalyKeys;
    this.bestHolds = opts.initialOpHoldsUs;
    this.bestTimes = opts.initialTimes;
    this.bestSeedTape = this.best.tape === undefined ? opts.seedTape : undefined;
    this.seen = new Set([keyOf(this.best)]);
    this.holdUs = opts.opLatencyUs !== undefined ? Math.round(opts.opLatencyUs) : 0;
  }

  result(): ShrinkResult {
    return {
      best: this.best,
      attempts: this.attempts,
      exhausted: this.exhausted,
      ...(this.bestSize !== undefined ? { size: this.bestSize } : {}),
    };
  }

  /**
   * Tries `cands` in order and adopts the first that passes; returns its index in `cands`, or -1.
   * Candidates already tried are skipped without costing an attempt.
   */
  *firstOf(cands: Candidate[]): Search<number> {
    if (this.exhausted) return -1;
    const { batch, from } = this.untried(cands);
    if (batch.length === 0) return -1;
    const room = this.maxAttempts - this.attempts;
    if (room <= 0) {
      this.exhausted = true;
      return -1;
    }
    const offered = batch.slice(0, room);
    const ceiling = this.opts.initialSize;
    const limit: SizeLimit | undefined =
      this.bestSize !== undefined
        ? { ...this.bestSize, ...(ceiling !== undefined ? { ceiling } : {}) }
        : undefined;
    const answer: Answer = yield { candidates: offered, ...(limit !== undefined ? { limit } : {}) };
    if (answer.length > offered.length) throw new Error("shrink driver answered more outcomes than asked");
    this.attempts += answer.length;
    for (let j = 0; j < answer.length; j++) this.seen.add(keyOf(offered[j]!));
    const hit = answer.findIndex((o) => accepts(o, limit));
    if (hit < 0) {
      if (answer.length < offered.length || offered.length < batch.length) this.exhausted = true;
      return -1;
    }
    this.adopt(offered[hit]!, answer[hit]!);
    return from[hit]!;
  }

  /** The candidates in canonical form, without those tried before or twice; `from`: their indices. */
  private untried(cands: Candidate[]): { batch: Candidate[]; from: number[] } {
    const batch: Candidate[] = [];
    const from: number[] = [];
    const keys = new Set<string>();
    cands.forEach((c, i) => {
      const norm: Candidate = { ...c, edits: normalize(this.original, c.edits) };
      if (norm.tape !== undefined) norm.tape = trimTape(norm.tape);
      for (const form of this.skipForms(norm)) {
        const k = keyOf(form);
        if (this.seen.has(k) || keys.has(k)) continue;
        keys.add(k);
        batch.push(form);
        from.push(i);
      }
    });
    return { batch, from };
  }

  /**
   * A candidate (in canonical form) that skips leading ops the best one did not, in two forms: first
   * with every op it skips that the best one did not skip unheld, so that the client's later ops
   * start earlier, then as it is, those ops held for the time they took (see `withOpHolds`). Neither
   * form is the better one: holding keeps the rest of the run where it was, and moving it earlier
   * reaches other interleavings, and each has shrunk failures further than the other (the held
   * form alone shrinks F5's seed 13 and B17's seed 83 to 9 ops each in 400 attempts, the unheld
   * one to 6 and 3; docs/performance.md, "F5, B17 and the skipped ops").
   */
  private skipForms(c: Candidate): Candidate[] {
    const holds = c.edits.holdOpsUs;
    if (holds === undefined) return [c];
    const prev = this.best.edits;
    let unheld: Record<string, Record<string, number>> | undefined;
    for (const [ci, skip] of Object.entries(c.edits.skipOps ?? {})) {
      const before = prev.skipOps?.[ci] ?? 0;
      if (skip <= before) continue;
      for (const name of this.original.clients[Number(ci)]?.names ?? []) {
        for (let j = before; j < skip; j++) {
          if ((unheld ?? holds)[name]?.[String(j)] === undefined) continue;
          unheld ??= Object.fromEntries(Object.entries(holds).map(([n, m]) => [n, { ...m }]));
          delete unheld[name]![String(j)];
        }
      }
    }
    if (unheld === undefined) return [c];
    const kept = Object.fromEntries(Object.entries(unheld).filter(([, m]) => Object.keys(m).length > 0));
    const { holdOpsUs: _, ...rest } = c.edits;
    const edits = Object.keys(kept).length > 0 ? { ...rest, holdOpsUs: kept } : rest;
    return [{ ...c, edits }, c];
  }

  private adopt(c: Candidate, o: TestOutcome): void {
    if (c.tape !== undefined) {
      const used = o.tape ? trimTape(o.tape) : c.tape;
      this.best = { edits: c.edits, tape: shortlexLess(used, c.tape) ? used : c.tape };
    } else {
      this.best = c;
      if (o.tape) this.bestSeedTape = o.tape;
    }
    if (o.size) this.bestSize = o.size;
    if (o.faultIds) this.bestFaults = o.faultIds;
    if (o.anomalyKeys && o.anomalyKeys.length > 0) this.bestKeys = o.anomalyKeys;
    if (o.opHoldsUs) this.bestHolds = o.opHoldsUs;
    if (o.times) this.bestTimes = o.times;
    this.seen.add(keyOf(this.best));
  }

  /** Switches the search to the tape the best seed-driven run consumed. */
  driveByTape(tape: readonly number[]): void {
    this.best = { edits: this.best.edits, tape: trimTape(tape) };
    this.seen.add(keyOf(this.best));
  }

  /** The best candidate's driver with other edits. Removed ops keep their time, once there are any. */
  withEdits(raw: ScenarioEdits): Candidate {
    const dropsOps =
      raw.onlyKeys !== undefined ||
      Object.values(raw.skipOps ?? {}).some((v) => v > 0) ||
      Object.values(raw.dropOps ?? {}).some((v) => v.length > 0) ||
      Object.values(raw.dropProcessOps ?? {}).some((v) => v.length > 0);
    const held =
      this.holdUs > 0 && dropsOps && raw.holdUs === undefined ? { ...raw, holdUs: this.holdUs } : raw;
    const edits = this.keepingNodes(this.withStepHolds(dropsOps ? this.withOpHolds(held) : held));
    return this.best.tape !== undefined ? { edits, tape: this.best.tape } : { edits, seed: this.best.seed! };
  }

  /**
   * `edits` with the remaining processes kept on their nodes once a client or process is removed
   * (see ScenarioEdits.keepNodes), unless the best candidate already removed some without it (a
   * repro from before: its placement is part of the run being shrunk).
   */
  private keepingNodes(edits: ScenarioEdits): ScenarioEdits {
    const drops = (e: ScenarioEdits) =>
      (e.dropClients?.length ?? 0) > 0 || Object.values(e.dropProcesses ?? {}).some((v) => v.length > 0);
    if (edits.keepNodes !== undefined || !drops(edits)) return edits;
    const prev = this.best.edits;
    if (drops(prev) && prev.keepNodes !== true) return edits;
    return { ...edits, keepNodes: true };
  }

  /**
   * `edits` with every op it removes that the best candidate still issued held for exactly as long
   * as that op held its process in the best candidate's run (ops removed before keep their hold).
   */
  private withOpHolds(edits: ScenarioEdits): ScenarioEdits {
    const holds = this.bestHolds;
    if (holds === undefined) return edits;
    const prev = this.best.edits;
    let out: Record<string, Record<string, number>> | undefined;
    const add = (name: string, j: number): void => {
      const us = holds[name]?.[String(j)];
      if (us === undefined || edits.holdOpsUs?.[name]?.[String(j)] !== undefined) return;
      out ??= Object.fromEntries(Object.entries(edits.holdOpsUs ?? {}).map(([n, m]) => [n, { ...m }]));
      const per = out[name] ?? {};
      per[String(j)] = us;
      out[name] = per;
    };
    for (const [ci, js] of Object.entries(edits.dropOps ?? {})) {
      const had = new Set(prev.dropOps?.[ci] ?? []);
      const names = this.original.clients[Number(ci)]?.names ?? [];
      for (const j of js) if (!had.has(j)) for (const name of names) add(name, j);
    }
    // Ops newly skipped are held as dropped ones are.
    for (const [ci, skip] of Object.entries(edits.skipOps ?? {})) {
      const had = new Set(prev.dropOps?.[ci] ?? []);
      const names = this.original.clients[Number(ci)]?.names ?? [];
      for (let j = prev.skipOps?.[ci] ?? 0; j < skip; j++)
        if (!had.has(j)) for (const name of names) add(name, j);
    }
    for (const [key, js] of Object.entries(edits.dropProcessOps ?? {})) {
      const [ci, p] = key.split("/").map(Number) as [number, number];
      const name = this.original.clients[ci]?.names[p];
      if (name === undefined) continue;
      const had = new Set(prev.dropProcessOps?.[key] ?? []);
      for (const j of js) if (!had.has(j)) add(name, j);
    }
    return out !== undefined ? { ...edits, holdOpsUs: out } : edits;
  }

  /**
   * `edits` with every script step it removes that the best candidate still ran held for as long as
   * it held its process in the best candidate's run (steps removed before keep their hold).
   */
  private withStepHolds(edits: ScenarioEdits): ScenarioEdits {
    const holds = this.bestTimes?.stepHolds;
    if (holds === undefined) return edits;
    const prev = this.best.edits;
    let out: Record<string, Record<string, number>> | undefined;
    for (const [ci, js] of Object.entries(edits.dropSteps ?? {})) {
      const had = new Set(prev.dropSteps?.[ci] ?? []);
      const c = this.original.clients[Number(ci)];
      const gone = new Set(prev.dropProcesses?.[ci] ?? []);
      const name = c?.names.find((_, p) => !gone.has(p));
      if (name === undefined) continue;
      for (const j of js) {
        if (had.has(j) || edits.holdStepsUs?.[ci]?.[String(j)] !== undefined) continue;
        const us = holds[name]?.[String(runStepIndex(prev, Number(ci), j))];
        if (us === undefined) continue;
        out ??= Object.fromEntries(Object.entries(edits.holdStepsUs ?? {}).map(([k, m]) => [k, { ...m }]));
        out[ci] = { ...(out[ci] ?? {}), [String(j)]: us };
      }
    }
    return out !== undefined ? { ...edits, holdStepsUs: out } : edits;
  }

  /** Tries one set of edits; true when it was adopted. */
  *tryEdits(edits: ScenarioEdits): Search<boolean> {
    return (yield* this.firstOf([this.withEdits(edits)])) >= 0;
  }

  /**
   * Delta debugging over a list of removable elements (recomputed from the best candidate after
   * every success): chunks of half the list, then quarters, down to single elements, each sweep
   * from the end backwards and offered as one batch.
   */
  *ddmin<T>(
    elements: () => readonly T[],
    without: (chunk: T[]) => Candidate,
    opts: DdminOptions = {},
  ): Search<boolean> {
    let any = false;
    let k = 1;
    while (k * 2 <= elements().length) k *= 2;
    const smallest = opts.minChunk ?? 1;
    for (; k >= smallest && !this.exhausted; k = Math.floor(k / 2)) {
      if (yield* this.sweep(elements, without, k, 0, smallest)) any = true;
      // The same sizes again, offset by half a chunk: two elements that only go together but sit
      // on either side of a chunk boundary are otherwise never removed at once.
      if (opts.shifted === true && k > 1 && (yield* this.sweep(elements, without, k, k >> 1, smallest)))
        any = true;
    }
    return any;
  }

  /**
   * One sweep of `ddmin` at chunk size `k`: chunks end at the list's end minus `offset`, then every
   * `k` elements towards its start (the first chunk may be shorter, but not below `least`); each
   * batch runs from the end backwards, and after a removal the sweep goes on below it.
   */
  private *sweep<T>(
    elements: () => readonly T[],
    without: (chunk: T[]) => Candidate,
    k: number,
    offset: number,
    least: number,
  ): Search<boolean> {
    let any = false;
    let end = elements().length - offset;
    while (end > 0 && !this.exhausted) {
      const els = elements();
      end = Math.min(end, els.length);
      const ends: number[] = [];
      for (let e = end; e > 0; e -= k) if (Math.min(k, e) >= least) ends.push(e);
      if (ends.length === 0) break;
      const hit = yield* this.firstOf(ends.map((e) => without(els.slice(Math.max(0, e - k), e))));
      if (hit < 0) break;
      any = true;
      end = ends[hit]! - k;
    }
    return any;
  }

  /** Whether client `ci` of the original scenario is still in the best candidate. */
  live(ci: number): boolean {
    return !this.best.edits.dropClients?.includes(ci);
  }

  /** Client `ci`'s generator op cap in the best candidate (undefined: uncapped or no generator). */
  capOf(ci: number): number | undefined {
    return this.best.edits.maxOps?.[String(ci)] ?? this.original.clients[ci]!.generator?.maxOps;
  }
}

/**
 * Edits in their canonical form, so that two ways of writing the same run are tried once: dropped
 * ops past the cap or before the skip are forgotten, and a run of dropped ops at the end of a
 * client's sequence becomes a lower cap, at its start a larger skip.
 */
export function normalize(original: Scenario, edits: ScenarioEdits): ScenarioEdits {
  const e = cloneEdits(edits);
  if (e.dropOps !== undefined) {
    const maxOps = { ...(e.maxOps ?? {}) };
    const skipOps = { ...(e.skipOps ?? {}) };
    const dropOps: Record<string, number[]> = {};
    for (const [k, v] of Object.entries(e.dropOps)) {
      let skip = skipOps[k] ?? 0;
      let cap = maxOps[k] ?? original.clients[Number(k)]?.generator?.maxOps ?? Number.POSITIVE_INFINITY;
      const gone = new Set(v.filter((j) => j >= skip && j < cap));
      // Keep at least one op issued: a client with none is removed by another pass.
      while (Number.isFinite(cap) && cap - 1 > skip && gone.has(cap - 1)) gone.delete(--cap);
      while (skip + 1 < cap && gone.has(skip)) gone.delete(skip++);
      const declared = original.clients[Number(k)]?.generator?.maxOps;
      if (Number.isFinite(cap) && (maxOps[k] !== undefined || cap !== declared)) maxOps[k] = cap;
      if (skip > 0) skipOps[k] = skip;
      if (gone.size > 0) dropOps[k] = [...gone];
    }
    e.dropOps = dropOps;
    e.maxOps = maxOps;
    e.skipOps = skipOps;
  }
  if (e.holdOpsUs !== undefined) e.holdOpsUs = usedHolds(original, e);
  return cloneEdits(e);
}

/**
 * The per-op holds that still apply: those of ops skipped, or dropped below the cap (a hold of an
 * op that is issued again, or past the cap, changes nothing and would only tell two equal
 * candidates apart).
 */
function usedHolds(original: Scenario, e: ScenarioEdits): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  original.clients.forEach((c, ci) => {
    const key = String(ci);
    const skip = e.skipOps?.[key] ?? 0;
    const cap = e.maxOps?.[key] ?? c.generator?.maxOps ?? Number.POSITIVE_INFINITY;
    const all = new Set(e.dropOps?.[key] ?? []);
    c.names.forEach((name, p) => {
      const held = e.holdOpsUs?.[name];
      if (held === undefined) return;
      const own = new Set(e.dropProcessOps?.[`${ci}/${p}`] ?? []);
      // Skipped ops keep their holds too: the ops after them start where they did.
      const kept = Object.entries(held).filter(([js]) => {
        const j = Number(js);
        return j < cap && (j < skip || all.has(j) || own.has(j));
      });
      if (kept.length > 0) out[name] = Object.fromEntries(kept);
    });
  });
  return out;
}

function keyOf(c: Candidate): string {
  return `${JSON.stringify(c.edits)}#${c.tape !== undefined ? tapeKey(c.tape) : `seed:${c.seed}`}`;
}
