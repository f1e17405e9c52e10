/**
 * Minimization of a failing run (design §3): shrink the scenario where it is expressible — remove
 * faults, clients and script steps, lower each generator's op count, skip its leading ops and drop
 * ones in the middle, shorten the run — and the choice tape, and keep a change only when the
 * caller's test says the same anomaly class still appears.
 *
 * Pure and deterministic: the test is a plain function (the edge wraps `runAndCheck`), the
 * budget is a callback, and the order of candidates depends only on the inputs and the answers.
 */
import type { Scenario } from "../workload/scenario.ts";
import { applyEdits, cloneEdits, type ScenarioEdits } from "./scenario.ts";
import { Attempts, type ShrinkLimits, shrinkTape, type TestOutcome, tapeKey, trimTape } from "./tape.ts";

export type { ScenarioEdits } from "./scenario.ts";
export { applyEdits, checkEdits, hasEdits } from "./scenario.ts";
export { Attempts, type ShrinkLimits, shrinkTape, type TestOutcome, trimTape } from "./tape.ts";

/**
 * One point in the search: edits of the original scenario, and what drives the run — a choice
 * tape, or (before the tape phase) the original seed.
 */
export interface Candidate {
  edits: ScenarioEdits;
  tape?: number[];
  seed?: number;
}

export interface ShrinkOptions extends ShrinkLimits {
  /**
   * An upper bound for a generator's op count when the scenario sets none (e.g. the failing
   * run's total client ops): the first cap tried, from which it is lowered.
   */
  opsHint?: number;
  /** For a seed-driven initial candidate: the tape its run consumed (saves one run at the switch). */
  seedTape?: readonly number[];
}

export interface ShrinkResult {
  best: Candidate;
  attempts: number;
  /** The budget ran out before a fixpoint was reached. */
  exhausted: boolean;
}

/**
 * Shrinks `initial` (which must pass `test`) against `original`, the unedited scenario.
 *
 * A seed-driven candidate is first shrunk in the scenario only, still driven by its seed: every
 * stream (each client, the network, the nemesis) draws from its own seeded generator, so removing
 * a client or capping ops leaves the others' choices untouched, and a failure that happens early
 * survives an op cap exactly. A tape, by contrast, is read in one global order, and any scenario
 * change shifts every later choice. Then the run's tape takes over, and scenario and tape passes
 * alternate until neither makes progress or the budget ends.
 */
export function shrinkFailure(
  original: Scenario,
  initial: Candidate,
  test: (c: Candidate) => TestOutcome,
  opts: ShrinkOptions = {},
): ShrinkResult {
  const attempts = new Attempts(opts);
  let best: Candidate =
    initial.tape !== undefined || initial.seed === undefined
      ? { edits: cloneEdits(initial.edits), tape: trimTape(initial.tape ?? []) }
      : { edits: cloneEdits(initial.edits), seed: initial.seed };
  // In the seed phase: the tape the best candidate's run consumed.
  let bestSeedTape: readonly number[] | undefined = best.tape === undefined ? opts.seedTape : undefined;
  const seen = new Set<string>([keyOf(best)]);

  const tryEdits = (edits: ScenarioEdits): boolean => {
    const e = cloneEdits(tidyDropOps(original, edits));
    const cand: Candidate =
      best.tape !== undefined ? { edits: e, tape: best.tape } : { edits: e, seed: best.seed! };
    const key = keyOf(cand);
    if (seen.has(key)) return false;
    if (!attempts.take()) return false;
    seen.add(key);
    const r = test(cand);
    if (!r.ok) return false;
    if (cand.tape !== undefined) best = { edits: e, tape: r.tape ? trimTape(r.tape) : cand.tape };
    else {
      best = cand;
      bestSeedTape = r.tape;
    }
    seen.add(keyOf(best));
    return true;
  };

  const scenarioPass = (): boolean => {
    let any = false;
    // Faults first: each one removed makes a counterexample much easier to explain.
    const nFaults = original.faults?.length ?? 0;
    for (let i = nFaults - 1; i >= 0 && !attempts.exhausted; i--) {
      if (best.edits.dropFaults?.includes(i)) continue;
      if (tryEdits({ ...best.edits, dropFaults: [...(best.edits.dropFaults ?? []), i] })) any = true;
    }
    if (capAllGenerators()) any = true;
    for (let i = original.clients.length - 1; i >= 0 && !attempts.exhausted; i--) {
      const dropped = best.edits.dropClients ?? [];
      if (dropped.includes(i) || dropped.length + 1 >= original.clients.length) continue;
      if (tryEdits({ ...best.edits, dropClients: [...dropped, i] })) any = true;
    }
    original.clients.forEach((c, i) => {
      if (attempts.exhausted || best.edits.dropClients?.includes(i)) return;
      // Fewer processes first: each one's draws come from its own stream, so the rest are unchanged.
      if (c.names.length > 1 && dropChunks("dropProcesses", i, c.names.length, 1)) any = true;
      if (c.script && c.script.length > 0 && dropChunks("dropSteps", i, c.script.length, 0)) any = true;
      if (c.generator && lowerOps(i, c.generator.maxOps)) any = true;
      if (c.generator && skipLeading(i)) any = true;
      if (c.generator && dropMiddle(i)) any = true;
    });
    // Under the seed a shorter run changes nothing before its end (see `shrinkFailure`); under a
    // tape it is the last resort (see `shortenRun`).
    if (best.tape === undefined && shortenRun()) any = true;
    return any;
  };

  // Once a client is capped, the ops that matter are often its last few: bisect for the most
  // leading ops that can be skipped (drawn, not issued), leaving at least one.
  const skipLeading = (ci: number): boolean => {
    const key = String(ci);
    const cap = best.edits.maxOps?.[key] ?? original.clients[ci]!.generator!.maxOps;
    if (cap === undefined || attempts.exhausted) return false;
    let lo = best.edits.skipOps?.[key] ?? 0;
    let hi = cap; // skipping every op idles the client: removing clients is the other pass's job
    let any = false;
    while (hi - lo > 1 && !attempts.exhausted) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (tryEdits({ ...best.edits, skipOps: { ...(best.edits.skipOps ?? {}), [key]: mid } })) {
        lo = mid;
        any = true;
      } else hi = mid;
    }
    return any;
  };

  // Ops in the middle of a capped client's sequence that only pass time (e.g. while another
  // client's slow retry is in flight): drop runs of them, largest first, halving down to single
  // ops. A dropped op is still drawn and its think time waited out, so the later ops are
  // unchanged; whether the gap its latency leaves matters, the run decides. The first and last
  // issued ops are left to `skipLeading` and `lowerOps`, which remove them more cheaply.
  const dropMiddle = (ci: number): boolean => {
    const key = String(ci);
    const cap = best.edits.maxOps?.[key] ?? original.clients[ci]!.generator!.maxOps;
    if (cap === undefined) return false;
    const interior = (): number[] => {
      const skip = best.edits.skipOps?.[key] ?? 0;
      const gone = new Set(best.edits.dropOps?.[key] ?? []);
      const issued = Array.from({ length: Math.max(0, cap - skip) }, (_, j) => skip + j).filter(
        (j) => !gone.has(j),
      );
      return issued.slice(1, -1);
    };
    let any = false;
    let k = 1;
    while (k * 2 <= interior().length) k *= 2;
    for (; k >= 1; k = Math.floor(k / 2)) {
      for (let end = interior().length; end - k >= 0 && !attempts.exhausted; end -= k) {
        const rem = interior();
        if (end > rem.length) end = rem.length;
        const chunk = rem.slice(Math.max(0, end - k), end);
        if (chunk.length === 0) continue;
        const per = { ...(best.edits.dropOps ?? {}) };
        per[key] = [...(per[key] ?? []), ...chunk];
        if (tryEdits({ ...best.edits, dropOps: per })) any = true;
      }
    }
    return any;
  };

  // A shorter run: random faults stop earlier, and uncapped generators issue fewer ops. Bisects to
  // a millisecond, which leaves the failure at the very end of the run, where almost any change of
  // the tape moves it past the end: so in the tape phase it is tried only once the other passes
  // are done.
  const shortenRun = (): boolean => {
    let hi = best.edits.runForUs ?? original.runForUs;
    let lo = 0;
    let any = false;
    while (hi - lo >= 2000 && !attempts.exhausted) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (tryEdits({ ...best.edits, runForUs: mid })) {
        hi = mid;
        any = true;
      } else lo = mid;
    }
    return any;
  };

  // One op cap for every generator at once, galloping up from 1 and then bisecting. Small runs are
  // cheap and a small counterexample usually exists, so this gets there in a few fast attempts,
  // where a bisection from the top would start with the slowest runs of all.
  const capAllGenerators = (): boolean => {
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
    for (let cap = 1; cap < upper && !attempts.exhausted; cap *= 2) {
      if (tryEdits(withCap(cap))) {
        hi = cap;
        break;
      }
      lo = cap;
    }
    if (hi === undefined) return false;
    let top: number = hi;
    while (top - lo > 1 && !attempts.exhausted) {
      const mid = lo + Math.floor((top - lo) / 2);
      if (tryEdits(withCap(mid))) top = mid;
      else lo = mid;
    }
    return true;
  };

  // Deletes chunks of one of a client's lists (script items, or process names), halving the chunk
  // size down to 1. `keep` items always remain (a client needs at least one process).
  const dropChunks = (field: "dropSteps" | "dropProcesses", ci: number, n: number, keep: number): boolean => {
    let any = false;
    const key = String(ci);
    const remaining = () => {
      const gone = new Set(best.edits[field]?.[key] ?? []);
      return Array.from({ length: n }, (_, j) => j).filter((j) => !gone.has(j));
    };
    let k = 1;
    while (k * 2 <= remaining().length - keep) k *= 2;
    for (; k >= 1; k = Math.floor(k / 2)) {
      for (let end = remaining().length; end - k >= 0 && !attempts.exhausted; end -= k) {
        const rem = remaining();
        if (end > rem.length) end = rem.length;
        const chunk = rem.slice(Math.max(0, end - k), end);
        if (chunk.length === 0 || rem.length - chunk.length < keep) continue;
        const per = { ...(best.edits[field] ?? {}) };
        per[key] = [...(per[key] ?? []), ...chunk];
        if (tryEdits({ ...best.edits, [field]: per })) any = true;
      }
    }
    return any;
  };

  // Binary search for the lowest op cap (per process of the client) that still fails.
  const lowerOps = (ci: number, declared: number | undefined): boolean => {
    const key = String(ci);
    const withCap = (cap: number) => ({
      ...best.edits,
      maxOps: { ...(best.edits.maxOps ?? {}), [key]: cap },
    });
    const cur = best.edits.maxOps?.[key] ?? declared;
    let any = false;
    let hi: number;
    if (cur !== undefined) hi = cur;
    else {
      // No cap yet: adopt the hint (the whole failing run's op count) if the failure survives it.
      const hint = Math.max(1, Math.floor(opts.opsHint ?? 0));
      if (opts.opsHint === undefined || !tryEdits(withCap(hint))) return false;
      hi = hint;
      any = true;
    }
    // A cap of 0 (or one that skips every op) would idle the client: removing clients is the other
    // pass's job.
    let lo = best.edits.skipOps?.[key] ?? 0;
    while (hi - lo > 1 && !attempts.exhausted) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (tryEdits(withCap(mid))) {
        hi = mid;
        any = true;
      } else lo = mid;
    }
    return any;
  };

  if (best.tape === undefined) {
    while (!attempts.exhausted && scenarioPass()) {}
    // Out of budget: a seed-driven counterexample is the more compact one to hand back.
    if (attempts.exhausted) return { best, attempts: attempts.count, exhausted: true };
    if (bestSeedTape === undefined) {
      // The tape of the seed run is needed to go on; without one (no hint given) run it once.
      if (!attempts.take()) return { best, attempts: attempts.count, exhausted: true };
      const r = test(best);
      if (!r.ok || r.tape === undefined)
        return { best, attempts: attempts.count, exhausted: attempts.exhausted };
      bestSeedTape = r.tape;
    }
    best = { edits: best.edits, tape: trimTape(bestSeedTape) };
    seen.add(keyOf(best));
  }

  const untilFixpoint = () => {
    let changed = true;
    while (changed && !attempts.exhausted) {
      changed = scenarioPass();
      const edits = best.edits;
      const r = shrinkTape(best.tape!, (tape) => test({ edits, tape }), attempts);
      if (r.improved) {
        best = { edits, tape: r.tape };
        changed = true;
      }
    }
  };
  untilFixpoint();
  while (!attempts.exhausted && shortenRun()) untilFixpoint();
  return { best, attempts: attempts.count, exhausted: attempts.exhausted };
}

/**
 * Forgets dropped ops that are skipped or past the op cap anyway: they change nothing, and a
 * repro is easier to read without them.
 */
function tidyDropOps(original: Scenario, e: ScenarioEdits): ScenarioEdits {
  if (e.dropOps === undefined) return e;
  const dropOps = Object.fromEntries(
    Object.entries(e.dropOps).map(([k, v]) => {
      const skip = e.skipOps?.[k] ?? 0;
      const cap = e.maxOps?.[k] ?? original.clients[Number(k)]?.generator?.maxOps ?? Number.POSITIVE_INFINITY;
      return [k, v.filter((j) => j >= skip && j < cap)];
    }),
  );
  return { ...e, dropOps };
}

function keyOf(c: Candidate): string {
  return `${JSON.stringify(c.edits)}#${c.tape !== undefined ? tapeKey(c.tape) : `seed:${c.seed}`}`;
}

/** The scenario a candidate runs (the original with the candidate's edits applied). */
export function candidateScenario(original: Scenario, c: Candidate): Scenario {
  return applyEdits(original, c.edits);
}
