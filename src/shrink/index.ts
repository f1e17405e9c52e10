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
import { opsPass, processOpsPass } from "./op-passes.ts";
import { applyEdits } from "./scenario.ts";
import {
  capAllGenerators,
  capEachGenerator,
  compress,
  cutRun,
  dropClients,
  dropFinalReads,
  dropProcesses,
  faultsPass,
  keysPass,
  shortenRun,
  skipLeading,
} from "./scenario-passes.ts";
import {
  type Answer,
  accepts,
  type Candidate,
  type Search,
  SearchState,
  type ShrinkOptions,
  type ShrinkResult,
  type TestOutcome,
} from "./search.ts";
import { tapePasses } from "./tape.ts";
import { windowsPass } from "./window-pass.ts";

export type { ScenarioEdits } from "./scenario.ts";
export { applyEdits, checkEdits, hasEdits } from "./scenario.ts";
export {
  type Answer,
  accepts,
  type Batch,
  type Candidate,
  DEFAULT_SHRINK_ATTEMPTS,
  FAULT_WEIGHT,
  normalize,
  type RunSize,
  type RunTimes,
  type ShrinkOptions,
  type ShrinkResult,
  type TestOutcome,
} from "./search.ts";
export { Attempts, type ShrinkLimits, shrinkTape, trimTape } from "./tape.ts";

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
  const s = new SearchState(original, initial, opts);
  if (s.best.tape === undefined) {
    yield* scenarioFixpoint(s);
    // Out of budget: a seed-driven counterexample is the more compact one to hand back.
    if (s.exhausted || !(yield* switchToTape(s))) return s.result();
    // The scenario passes have just found nothing more under the seed: the tape goes first.
    yield* untilFixpoint(s, true);
  } else yield* untilFixpoint(s, false);
  while (!s.exhausted && (yield* shortenRun(s))) yield* untilFixpoint(s, false);
  return s.result();
}

type Pass = (s: SearchState) => Search<boolean>;

/** The scenario passes in the order a round runs them, small runs first (every later attempt is cheaper). */
const SCENARIO_PASSES: ReadonlyArray<Pass> = [
  cutRun,
  capAllGenerators,
  dropFinalReads,
  dropClients,
  dropProcesses,
  keysPass,
  capEachGenerator,
  skipLeading,
  opsPass,
  processOpsPass,
  // Faults after the ops: removing a fault changes everything after it, and a run that keeps its
  // faults while its ops go keeps more of the ways its anomaly can happen; once the ops are few,
  // a fault may also go at the price of an op or two (see `accepts`).
  faultsPass,
  windowsPass,
  compress,
  // Under the seed a shorter run changes nothing before its end (see `shrinkSearch`); under a
  // tape it is the last resort (see `shortenRun`).
  function* shortenUnderSeed(s: SearchState): Search<boolean> {
    return s.best.tape === undefined && (yield* shortenRun(s));
  },
];

/**
 * One round of the scenario passes, or of those in `only`; returns the passes that adopted
 * something.
 */
function* scenarioRound(s: SearchState, only?: ReadonlySet<Pass>): Search<Set<Pass>> {
  const hits = new Set<Pass>();
  for (const pass of SCENARIO_PASSES) {
    if (s.exhausted) break;
    if (only !== undefined && !only.has(pass)) continue;
    if (yield* pass(s)) hits.add(pass);
  }
  return hits;
}

/**
 * Scenario rounds until a full round adopts nothing. After a round that made progress, the next
 * runs only the passes that did (a pass that found nothing a moment ago rarely finds something
 * now, and the budget is better spent where removals are still coming); once those run dry, a
 * full round confirms the fixpoint or starts the cycle again. Returns whether anything was adopted.
 */
function* scenarioFixpoint(s: SearchState): Search<boolean> {
  let any = false;
  let only: Set<Pass> | undefined;
  while (!s.exhausted) {
    const hits = yield* scenarioRound(s, only);
    if (hits.size > 0) {
      any = true;
      only = hits;
    } else if (only !== undefined) only = undefined;
    else break;
  }
  return any;
}
/**
 * From the seed to the tape the best seed-driven run consumed; false when the search ends here
 * (no budget left to run it, or it no longer fails).
 */
function* switchToTape(s: SearchState): Search<boolean> {
  let tape = s.bestSeedTape;
  if (tape === undefined) {
    // The tape of the seed run is needed to go on; without one (no hint given) run it once.
    if (s.attempts >= s.maxAttempts) {
      s.exhausted = true;
      return false;
    }
    const answer: Answer = yield { candidates: [s.best] };
    s.attempts += answer.length;
    const o = answer[0];
    if (o === undefined) {
      s.exhausted = true;
      return false;
    }
    if (!o.ok || o.tape === undefined) return false;
    tape = o.tape;
  }
  s.driveByTape(tape);
  return true;
}

function* tapePass(s: SearchState, which: "structure" | "values"): Search<boolean> {
  const edits = s.best.edits;
  return yield* tapePasses(
    () => s.best.tape!,
    (tapes) => s.firstOf(tapes.map((tape) => ({ edits, tape }))),
    () => s.exhausted,
    which,
  );
}

/**
 * Structure first (scenario edits, tape deletions and zeroings: fewer ops, faults and pauses),
 * then values (lowering tape entries), which rarely removes anything but makes the run simpler.
 * `tapeFirst`: the scenario is already at a fixpoint, so a round starts with the tape.
 */
function* untilFixpoint(s: SearchState, tapeFirst: boolean): Search<void> {
  let changed = true;
  let skipScenario = tapeFirst;
  while (changed && !s.exhausted) {
    changed = false;
    if (!skipScenario && (yield* scenarioFixpoint(s))) changed = true;
    skipScenario = false;
    if (yield* tapePass(s, "structure")) changed = true;
    if (!changed && (yield* tapePass(s, "values"))) changed = true;
  }
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

/** The scenario a candidate runs (the original with the candidate's edits applied). */
export function candidateScenario(original: Scenario, c: Candidate): Scenario {
  return applyEdits(original, c.edits);
}
