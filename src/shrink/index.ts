/**
 * Minimization of a failing run: shrink the scenario where it is expressible — remove faults
 * (whole specs and single random arrivals), clients and processes, issued ops across all clients
 * at once (delta debugging), ops on keys the anomaly does not name; compress time; shorten the
 * run — and the choice tape, and keep a change only when the caller's test says the same anomaly
 * class still appears and the run is no larger than the one held.
 *
 * Pure and deterministic: the search is a generator that hands out batches of candidates, in a
 * fixed order, and adopts the first one the driver reports as passing. A driver may run a batch's
 * candidates in parallel as long as it answers with the outcomes up to and including the first
 * accepted one: the search then goes exactly as a serial run would, attempt for attempt. Budgets
 * are counted in attempts; a wall-clock limit is only an outer cap the driver checks between
 * attempts (the one thing that can make two searches differ).
 */
import type { Scenario } from "../workload/scenario.ts";
import { applyEdits, cloneEdits, type ScenarioEdits } from "./scenario.ts";
import { shortlexLess, type TestOutcome as TapeOutcome, tapeKey, tapePasses, trimTape } from "./tape.ts";

export type { ScenarioEdits } from "./scenario.ts";
export { applyEdits, checkEdits, hasEdits } from "./scenario.ts";
export { Attempts, type ShrinkLimits, shrinkTape, trimTape } from "./tape.ts";

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
}

/** A batch of candidates, in the order a serial search would try them. */
export interface Batch {
  candidates: Candidate[];
  /** A passing candidate is accepted only when its size is within this. */
  limit?: RunSize;
}

/**
 * The outcomes of a prefix of a batch: up to and including the first accepted one, or all of them.
 * A shorter answer with none accepted means the driver's outer cap ended the search.
 */
export type Answer = TestOutcome[];

/** Whether a driver stops at this outcome (it fails as required and is no larger). */
export function accepts(o: TestOutcome, limit: RunSize | undefined): boolean {
  if (!o.ok) return false;
  if (limit === undefined || o.size === undefined) return true;
  return o.size.ops <= limit.ops && o.size.faults <= limit.faults;
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
}

export interface ShrinkResult {
  best: Candidate;
  attempts: number;
  /** The budget ran out before a fixpoint was reached. */
  exhausted: boolean;
  /** The size of the best candidate's run, when the test reports sizes. */
  size?: RunSize;
}

/** Simulated time kept after the anomaly's last op when the run is first cut. */
const FAILURE_MARGIN_US = 500_000;

type Search<T> = Generator<Batch, T, Answer>;

/**
 * The search itself. Drive it with `shrinkFailure` (serial) or `shrinkFailureAsync` (a batch at a
 * time, e.g. on a worker pool), or with any driver that keeps the Answer contract.
 *
 * A seed-driven candidate is first shrunk in the scenario only, still driven by its seed: every
 * stream (each client, the network, the nemesis) draws from its own seeded generator, so removing
 * a client, an op or a fault arrival leaves the others' choices untouched. A tape, by contrast, is
 * read in one global order, and any scenario change shifts every later choice. Then the run's tape
 * takes over, and scenario and tape passes alternate until neither makes progress or the budget
 * ends.
 */
export function* shrinkSearch(
  original: Scenario,
  initial: Candidate,
  opts: ShrinkOptions = {},
): Search<ShrinkResult> {
  const maxAttempts = opts.maxAttempts ?? DEFAULT_SHRINK_ATTEMPTS;
  let attempts = 0;
  let exhausted = false;
  let best: Candidate =
    initial.tape !== undefined || initial.seed === undefined
      ? { edits: normalize(original, initial.edits), tape: trimTape(initial.tape ?? []) }
      : { edits: normalize(original, initial.edits), seed: initial.seed };
  let bestSize = opts.initialSize;
  let bestFaults: readonly string[] = opts.initialFaultIds ?? [];
  let bestKeys: ReadonlyArray<number | string> | undefined = opts.anomalyKeys;
  // In the seed phase: the tape the best candidate's run consumed.
  let bestSeedTape: readonly number[] | undefined = best.tape === undefined ? opts.seedTape : undefined;
  const seen = new Set<string>([keyOf(best)]);

  const result = (): ShrinkResult => ({
    best,
    attempts,
    exhausted,
    ...(bestSize !== undefined ? { size: bestSize } : {}),
  });

  /**
   * Tries `cands` in order and adopts the first that passes; returns its index in `cands`, or -1.
   * Candidates already tried are skipped without costing an attempt.
   */
  function* firstOf(cands: Candidate[]): Search<number> {
    if (exhausted) return -1;
    const batch: Candidate[] = [];
    const from: number[] = [];
    const keys = new Set<string>();
    cands.forEach((c, i) => {
      const norm: Candidate = { ...c, edits: normalize(original, c.edits) };
      if (norm.tape !== undefined) norm.tape = trimTape(norm.tape);
      const k = keyOf(norm);
      if (seen.has(k) || keys.has(k)) return;
      keys.add(k);
      batch.push(norm);
      from.push(i);
    });
    if (batch.length === 0) return -1;
    const room = maxAttempts - attempts;
    if (room <= 0) {
      exhausted = true;
      return -1;
    }
    const offered = batch.slice(0, room);
    const limit = bestSize;
    const answer: Answer = yield { candidates: offered, ...(limit !== undefined ? { limit } : {}) };
    if (answer.length > offered.length) throw new Error("shrink driver answered more outcomes than asked");
    attempts += answer.length;
    for (let j = 0; j < answer.length; j++) seen.add(keyOf(offered[j]!));
    const hit = answer.findIndex((o) => accepts(o, limit));
    if (hit < 0) {
      if (answer.length < offered.length || offered.length < batch.length) exhausted = true;
      return -1;
    }
    adopt(offered[hit]!, answer[hit]!);
    return from[hit]!;
  }

  const adopt = (c: Candidate, o: TestOutcome) => {
    if (c.tape !== undefined) {
      const used = o.tape ? trimTape(o.tape) : c.tape;
      best = { edits: c.edits, tape: shortlexLess(used, c.tape) ? used : c.tape };
    } else {
      best = c;
      if (o.tape) bestSeedTape = o.tape;
    }
    if (o.size) bestSize = o.size;
    if (o.faultIds) bestFaults = o.faultIds;
    if (o.anomalyKeys && o.anomalyKeys.length > 0) bestKeys = o.anomalyKeys;
    seen.add(keyOf(best));
  };

  const hold = opts.opLatencyUs !== undefined ? Math.round(opts.opLatencyUs) : 0;
  const withEdits = (raw: ScenarioEdits): Candidate => {
    // Removed ops keep their time (see ShrinkOptions.opLatencyUs), once there are any.
    const dropsOps =
      raw.onlyKeys !== undefined ||
      Object.values(raw.dropOps ?? {}).some((v) => v.length > 0) ||
      Object.values(raw.dropProcessOps ?? {}).some((v) => v.length > 0);
    const edits = hold > 0 && dropsOps && raw.holdUs === undefined ? { ...raw, holdUs: hold } : raw;
    return best.tape !== undefined ? { edits, tape: best.tape } : { edits, seed: best.seed! };
  };
  const tryEdits = function* (edits: ScenarioEdits): Search<boolean> {
    return (yield* firstOf([withEdits(edits)])) >= 0;
  };

  // ---- passes ----

  // The run cut to end shortly after the anomaly: every later attempt simulates less.
  function* cutRun(): Search<boolean> {
    if (opts.failureAtUs === undefined || best.tape !== undefined) return false;
    const cur = best.edits.runForUs ?? original.runForUs;
    const cut = Math.ceil((opts.failureAtUs + FAILURE_MARGIN_US) / 1000) * 1000;
    if (cut >= cur) return false;
    return yield* tryEdits({ ...best.edits, runForUs: cut });
  }

  // Faults: each one removed makes a counterexample much easier to explain. Delta debugging over
  // every removable unit at once: scripted fault specs, whole random specs, and the single random
  // arrivals the run injected (removing one leaves the others where they were).
  function* faultsPass(): Search<boolean> {
    const units = (): string[] => {
      const out: string[] = [];
      (original.faults ?? []).forEach((f, i) => {
        if (!best.edits.dropFaults?.includes(i)) out.push(`${f.kind === "scripted" ? "s" : "R"}${i}`);
      });
      for (const id of bestFaults) if (id.startsWith("r")) out.push(id);
      return out;
    };
    const without = (chunk: readonly string[]): Candidate => {
      const dropFaults = [...(best.edits.dropFaults ?? [])];
      const per: Record<string, number[]> = { ...(best.edits.dropArrivals ?? {}) };
      for (const id of chunk) {
        const m = /^r(\d+)\/(.+)#(\d+)$/.exec(id);
        if (m) {
          const key = `${m[1]}/${m[2]}`;
          per[key] = [...(per[key] ?? []), Number(m[3])];
        } else dropFaults.push(Number(id.slice(1)));
      }
      // Arrivals of a removed spec no longer mean anything.
      for (const key of Object.keys(per)) if (dropFaults.includes(Number(key.split("/")[0]))) delete per[key];
      return withEdits({ ...best.edits, dropFaults, dropArrivals: per });
    };
    if (units().length > 1 && (yield* firstOf([without(units())])) >= 0) return true;
    return yield* ddmin(units, without);
  }

  /**
   * Delta debugging over a list of removable elements (recomputed from the best candidate after
   * every success): chunks of half the list, then quarters, down to single elements, each sweep
   * from the end backwards and offered as one batch.
   */
  function* ddmin<T>(elements: () => readonly T[], without: (chunk: T[]) => Candidate): Search<boolean> {
    let any = false;
    let k = 1;
    while (k * 2 <= elements().length) k *= 2;
    for (; k >= 1 && !exhausted; k = Math.floor(k / 2)) {
      let end = elements().length;
      while (end > 0 && !exhausted) {
        const els = elements();
        end = Math.min(end, els.length);
        const ends: number[] = [];
        for (let e = end; e > 0; e -= k) ends.push(e);
        const hit = yield* firstOf(ends.map((e) => without(els.slice(Math.max(0, e - k), e))));
        if (hit < 0) break;
        any = true;
        end = ends[hit]! - k;
      }
    }
    return any;
  }

  // One op cap for every generator at once, galloping up from 1 and then bisecting. Small runs are
  // cheap and a small counterexample usually exists, so this gets there in a few fast attempts,
  // where a bisection from the top would start with the slowest runs of all.
  function* capAllGenerators(): Search<boolean> {
    const gens = original.clients
      .map((c, i) => ({ c, i }))
      .filter(({ c, i }) => c.generator !== undefined && !best.edits.dropClients?.includes(i));
    if (gens.length === 0) return false;
    const capOf = (i: number) =>
      best.edits.maxOps?.[String(i)] ??
      original.clients[i]!.generator!.maxOps ??
      opts.opsHint ??
      Number.POSITIVE_INFINITY;
    const upper = Math.max(...gens.map((g) => capOf(g.i)));
    if (!Number.isFinite(upper)) return false;
    const withCap = (cap: number): ScenarioEdits => ({
      ...best.edits,
      maxOps: {
        ...(best.edits.maxOps ?? {}),
        ...Object.fromEntries(gens.map((g) => [String(g.i), Math.min(cap, capOf(g.i))])),
      },
    });
    let lo = 0;
    let hi: number | undefined;
    for (let cap = 1; cap < upper && !exhausted; cap *= 2) {
      if (yield* tryEdits(withCap(cap))) {
        hi = cap;
        break;
      }
      lo = cap;
    }
    if (hi === undefined) {
      // No cap below the largest: still give every uncapped generator that cap, so that the op
      // passes below have a finite sequence to work on.
      const uncapped = gens.some((g) => best.edits.maxOps?.[String(g.i)] === undefined);
      return uncapped && !exhausted ? yield* tryEdits(withCap(upper)) : false;
    }
    let top: number = hi;
    while (top - lo > 1 && !exhausted) {
      const mid = lo + Math.floor((top - lo) / 2);
      if (yield* tryEdits(withCap(mid))) top = mid;
      else lo = mid;
    }
    return true;
  }

  function* dropClients(): Search<boolean> {
    let any = false;
    for (;;) {
      const dropped = best.edits.dropClients ?? [];
      const live = original.clients.map((_, i) => i).filter((i) => !dropped.includes(i));
      if (live.length <= 1) break;
      const hit = yield* firstOf(
        live.reverse().map((i) => withEdits({ ...best.edits, dropClients: [...dropped, i] })),
      );
      if (hit < 0) break;
      any = true;
    }
    return any;
  }

  // Fewer processes: each one's draws come from its own stream, so the rest are unchanged.
  function* dropProcesses(): Search<boolean> {
    let any = false;
    for (let ci = 0; ci < original.clients.length && !exhausted; ci++) {
      const c = original.clients[ci]!;
      if (best.edits.dropClients?.includes(ci) || c.names.length <= 1) continue;
      const key = String(ci);
      const remaining = () => {
        const gone = new Set(best.edits.dropProcesses?.[key] ?? []);
        const rest = c.names.map((_, j) => j).filter((j) => !gone.has(j));
        // One process always remains (removing the client is another candidate).
        return rest.slice(1);
      };
      const without = (chunk: number[]) =>
        withEdits({
          ...best.edits,
          dropProcesses: {
            ...(best.edits.dropProcesses ?? {}),
            [key]: [...(best.edits.dropProcesses?.[key] ?? []), ...chunk],
          },
        });
      if (yield* ddmin(remaining, without)) any = true;
    }
    return any;
  }

  // Ops on keys the anomaly does not name, all at once: usually most of a run's ops. Tried again
  // whenever the anomaly of the run held names fewer keys than the ops kept.
  function* keysPass(): Search<boolean> {
    const keys = bestKeys;
    if (keys === undefined || keys.length === 0) return false;
    const kept = best.edits.onlyKeys;
    if (kept !== undefined && (keys.length >= kept.length || !keys.every((k) => kept.includes(k))))
      return false;
    const any = original.clients.some(
      (c, i) =>
        c.generator !== undefined && !best.edits.dropClients?.includes(i) && c.generator.keys.length > 0,
    );
    if (!any) return false;
    return yield* tryEdits({ ...best.edits, onlyKeys: [...keys] });
  }

  // Each client's tail on its own: the ops a client issues after the anomaly are usually not
  // needed, and bisecting its cap removes them in a few attempts where delta debugging would take
  // them off one at a time.
  function* capEachGenerator(): Search<boolean> {
    let any = false;
    for (let ci = 0; ci < original.clients.length && !exhausted; ci++) {
      if (best.edits.dropClients?.includes(ci) || !original.clients[ci]!.generator) continue;
      const key = String(ci);
      const cap = best.edits.maxOps?.[key] ?? original.clients[ci]!.generator!.maxOps;
      if (cap === undefined) continue;
      let lo = best.edits.skipOps?.[key] ?? 0; // at least one op issued
      let hi = cap;
      while (hi - lo > 1 && !exhausted) {
        const mid = lo + Math.ceil((hi - lo) / 2);
        if (mid >= hi) break;
        if (yield* tryEdits({ ...best.edits, maxOps: { ...(best.edits.maxOps ?? {}), [key]: mid } })) {
          hi = mid;
          any = true;
        } else lo = mid;
      }
    }
    return any;
  }

  // Once a client is capped, the ops that matter are often its last few: bisect for the most
  // leading ops that can be skipped (drawn, not issued), leaving at least one.
  function* skipLeading(): Search<boolean> {
    let any = false;
    for (let ci = 0; ci < original.clients.length && !exhausted; ci++) {
      if (best.edits.dropClients?.includes(ci) || !original.clients[ci]!.generator) continue;
      const key = String(ci);
      const cap = best.edits.maxOps?.[key] ?? original.clients[ci]!.generator!.maxOps;
      if (cap === undefined) continue;
      let lo = best.edits.skipOps?.[key] ?? 0;
      let hi = cap; // skipping every op idles the client: removing clients is the other pass's job
      while (hi - lo > 1 && !exhausted) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (yield* tryEdits({ ...best.edits, skipOps: { ...(best.edits.skipOps ?? {}), [key]: mid } })) {
          lo = mid;
          any = true;
        } else hi = mid;
      }
    }
    return any;
  }

  /**
   * Delta debugging over every op the run issues, across all clients at once: generated ops (by
   * their index in each process's sequence; a removed op is drawn and its think time waited out,
   * so the ones after it are unchanged) and script steps. Ordered by position in their sequence,
   * then client, which roughly follows time.
   */
  function* opsPass(): Search<boolean> {
    type Op = { ci: number; j: number; step: boolean };
    const elements = (): Op[] => {
      const e = best.edits;
      const out: Op[] = [];
      original.clients.forEach((c, ci) => {
        if (e.dropClients?.includes(ci)) return;
        const key = String(ci);
        const goneSteps = new Set(e.dropSteps?.[key] ?? []);
        (c.script ?? []).forEach((item, j) => {
          if (Array.isArray(item) && !goneSteps.has(j)) out.push({ ci, j, step: true });
        });
        const g = c.generator;
        const cap = e.maxOps?.[key] ?? g?.maxOps;
        if (!g || cap === undefined) return;
        const gone = new Set(e.dropOps?.[key] ?? []);
        for (let j = e.skipOps?.[key] ?? 0; j < cap; j++) if (!gone.has(j)) out.push({ ci, j, step: false });
      });
      return out.sort((a, b) => a.j - b.j || a.ci - b.ci || Number(a.step) - Number(b.step));
    };
    const without = (chunk: Op[]): Candidate => {
      const e = best.edits;
      const dropOps = { ...(e.dropOps ?? {}) };
      const dropSteps = { ...(e.dropSteps ?? {}) };
      for (const op of chunk) {
        const per = op.step ? dropSteps : dropOps;
        per[String(op.ci)] = [...(per[String(op.ci)] ?? []), op.j];
      }
      return withEdits({ ...e, dropOps, dropSteps });
    };
    return yield* ddmin(elements, without);
  }

  /**
   * Delta debugging over the ops of single processes: where the ops pass can only drop an op index
   * from every process of a client at once, this drops it from one (the client then runs as one
   * client per process, which changes nothing else). Ordered like the ops pass, roughly by time.
   */
  function* processOpsPass(): Search<boolean> {
    type Op = { ci: number; p: number; j: number };
    const elements = (): Op[] => {
      const e = best.edits;
      const out: Op[] = [];
      original.clients.forEach((c, ci) => {
        const g = c.generator;
        if (e.dropClients?.includes(ci) || !g || c.names.length <= 1) return;
        const key = String(ci);
        const cap = e.maxOps?.[key] ?? g.maxOps;
        if (cap === undefined) return;
        const goneProcs = new Set(e.dropProcesses?.[key] ?? []);
        const live = c.names.map((_, p) => p).filter((p) => !goneProcs.has(p));
        if (live.length <= 1) return;
        const goneAll = new Set(e.dropOps?.[key] ?? []);
        for (const p of live) {
          const gone = new Set(e.dropProcessOps?.[`${ci}/${p}`] ?? []);
          for (let j = e.skipOps?.[key] ?? 0; j < cap; j++)
            if (!goneAll.has(j) && !gone.has(j)) out.push({ ci, p, j });
        }
      });
      return out.sort((a, b) => a.j - b.j || a.ci - b.ci || a.p - b.p);
    };
    const without = (chunk: Op[]): Candidate => {
      const dropProcessOps = { ...(best.edits.dropProcessOps ?? {}) };
      for (const op of chunk) {
        const key = `${op.ci}/${op.p}`;
        dropProcessOps[key] = [...(dropProcessOps[key] ?? []), op.j];
      }
      return withEdits({ ...best.edits, dropProcessOps });
    };
    return yield* ddmin(elements, without);
  }

  // Time compression: everything the scenario schedules runs 2, 4, 8… times faster, in the same
  // order, for as long as the failure survives it.
  function* compress(): Search<boolean> {
    let any = false;
    for (let d = (best.edits.timeDivisor ?? 1) * 2; d <= 64 && !exhausted; d *= 2) {
      if (!(yield* tryEdits({ ...best.edits, timeDivisor: d }))) break;
      any = true;
    }
    return any;
  }

  // A shorter run: random faults stop earlier, and uncapped generators issue fewer ops. Bisects to
  // a millisecond, which leaves the failure at the very end of the run, where almost any change of
  // the tape moves it past the end: so in the tape phase it is tried only once the other passes
  // are done.
  function* shortenRun(): Search<boolean> {
    let hi = best.edits.runForUs ?? original.runForUs;
    let lo = 0;
    let any = false;
    while (hi - lo >= 2000 && !exhausted) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (yield* tryEdits({ ...best.edits, runForUs: mid })) {
        hi = mid;
        any = true;
      } else lo = mid;
    }
    return any;
  }

  function* scenarioPass(): Search<boolean> {
    let any = false;
    if (yield* cutRun()) any = true;
    // Small runs first: every later attempt is cheaper.
    if (yield* capAllGenerators()) any = true;
    if (yield* faultsPass()) any = true;
    if (yield* dropClients()) any = true;
    if (yield* dropProcesses()) any = true;
    if (yield* keysPass()) any = true;
    if (yield* capEachGenerator()) any = true;
    if (yield* skipLeading()) any = true;
    if (yield* opsPass()) any = true;
    if (yield* processOpsPass()) any = true;
    if (yield* compress()) any = true;
    // Under the seed a shorter run changes nothing before its end (see `shrinkSearch`); under a
    // tape it is the last resort (see `shortenRun`).
    if (best.tape === undefined && (yield* shortenRun())) any = true;
    return any;
  }

  function* tapePass(which: "structure" | "values"): Search<boolean> {
    const edits = best.edits;
    return yield* tapePasses(
      () => best.tape!,
      (tapes) => firstOf(tapes.map((tape) => ({ edits, tape }))),
      () => exhausted,
      which,
    );
  }

  // ---- the search ----
  if (best.tape === undefined) {
    while (!exhausted && (yield* scenarioPass())) {}
    // Out of budget: a seed-driven counterexample is the more compact one to hand back.
    if (exhausted) return result();
    if (bestSeedTape === undefined) {
      // The tape of the seed run is needed to go on; without one (no hint given) run it once.
      if (attempts >= maxAttempts) {
        exhausted = true;
        return result();
      }
      const answer: Answer = yield { candidates: [best] };
      attempts += answer.length;
      const o = answer[0];
      if (o === undefined) {
        exhausted = true;
        return result();
      }
      if (!o.ok || o.tape === undefined) return result();
      bestSeedTape = o.tape;
    }
    best = { edits: best.edits, tape: trimTape(bestSeedTape) };
    seen.add(keyOf(best));
  }

  // Structure first (scenario edits, tape deletions and zeroings: fewer ops, faults and pauses),
  // then values (lowering tape entries), which rarely removes anything but makes the run simpler.
  const untilFixpoint = function* (): Search<void> {
    let changed = true;
    while (changed && !exhausted) {
      changed = yield* scenarioPass();
      if (yield* tapePass("structure")) changed = true;
      if (!changed && (yield* tapePass("values"))) changed = true;
    }
  };
  yield* untilFixpoint();
  while (!exhausted && (yield* shortenRun())) yield* untilFixpoint();
  return result();
}

/** Runs the search serially: one candidate after another, in the search's order. */
export function shrinkFailure(
  original: Scenario,
  initial: Candidate,
  test: (c: Candidate) => TestOutcome,
  opts: ShrinkOptions = {},
): ShrinkResult {
  const search = shrinkSearch(original, initial, opts);
  let step = search.next();
  while (!step.done) {
    const { candidates, limit } = step.value;
    const answer: Answer = [];
    for (const c of candidates) {
      if (opts.budget !== undefined && !opts.budget()) break;
      const o = test(c);
      answer.push(o);
      if (accepts(o, limit)) break;
    }
    step = search.next(answer);
  }
  return step.value;
}

/**
 * Runs the search `width` candidates at a time (`testMany` may run them in parallel, e.g. on a
 * worker pool). The first accepted candidate in the search's order wins and the outcomes after it
 * are discarded, so the result and the attempt count are those of `shrinkFailure`.
 */
export async function shrinkFailureAsync(
  original: Scenario,
  initial: Candidate,
  testMany: (cs: Candidate[]) => Promise<TestOutcome[]>,
  opts: ShrinkOptions & { width: number },
): Promise<ShrinkResult> {
  const width = Math.max(1, Math.floor(opts.width));
  const search = shrinkSearch(original, initial, opts);
  let step = search.next();
  while (!step.done) {
    const { candidates, limit } = step.value;
    const answer: Answer = [];
    for (let i = 0; i < candidates.length; i += width) {
      if (opts.budget !== undefined && !opts.budget()) break;
      const outs = await testMany(candidates.slice(i, i + width));
      const hit = outs.findIndex((o) => accepts(o, limit));
      answer.push(...(hit >= 0 ? outs.slice(0, hit + 1) : outs));
      if (hit >= 0) break;
    }
    step = search.next(answer);
  }
  return step.value;
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
  return cloneEdits(e);
}

function keyOf(c: Candidate): string {
  return `${JSON.stringify(c.edits)}#${c.tape !== undefined ? tapeKey(c.tape) : `seed:${c.seed}`}`;
}

/** The scenario a candidate runs (the original with the candidate's edits applied). */
export function candidateScenario(original: Scenario, c: Candidate): Scenario {
  return applyEdits(original, c.edits);
}
