/**
 * The passes that shrink a failing run's scenario: each proposes edits of the best candidate (fewer
 * faults, clients, processes and ops, less time) and keeps those whose run still fails the same way
 * and is no larger. Each returns whether it adopted anything.
 */
import type { ScenarioEdits } from "./scenario.ts";
import type { Candidate, Search, SearchState } from "./search.ts";

/** Simulated time kept after the anomaly's last op when the run is first cut. */
const FAILURE_MARGIN_US = 500_000;

/** The run cut to end shortly after the anomaly: every later attempt simulates less. */
export function* cutRun(s: SearchState): Search<boolean> {
  if (s.opts.failureAtUs === undefined || s.best.tape !== undefined) return false;
  const cur = s.best.edits.runForUs ?? s.original.runForUs;
  const cut = Math.ceil((s.opts.failureAtUs + FAILURE_MARGIN_US) / 1000) * 1000;
  if (cut >= cur) return false;
  return yield* s.tryEdits({ ...s.best.edits, runForUs: cut });
}

/**
 * The final reads (one per key the run touched) are ops like any other in the repro's count:
 * they go when the anomaly shows without them.
 */
export function* dropFinalReads(s: SearchState): Search<boolean> {
  if (s.best.edits.finalReads === false || s.original.finalReads === false) return false;
  return yield* s.tryEdits({ ...s.best.edits, finalReads: false });
}

/**
 * Faults: each one removed makes a counterexample much easier to explain. Delta debugging over
 * every removable unit at once: scripted fault specs, whole random specs, and the single random
 * arrivals the run injected (removing one leaves the others where they were).
 */
export function* faultsPass(s: SearchState): Search<boolean> {
  const units = (): string[] => {
    const out: string[] = [];
    (s.original.faults ?? []).forEach((f, i) => {
      if (!s.best.edits.dropFaults?.includes(i)) out.push(`${f.kind === "scripted" ? "s" : "R"}${i}`);
    });
    for (const id of s.bestFaults) if (id.startsWith("r")) out.push(id);
    return out;
  };
  const without = (chunk: readonly string[]): Candidate => s.withEdits(withoutFaults(s.best.edits, chunk));
  if (units().length > 1 && (yield* s.firstOf([without(units())])) >= 0) return true;
  // Offset chunks too: faults often go in pairs that undo each other (a leader moved away and
  // back), and such a pair is as likely to straddle a chunk boundary as not.
  return yield* s.ddmin(units, without, { shifted: true });
}

/** `edits` with fault units (`s<i>`/`R<i>`: a spec; `r<i>/<kind>#<n>`: one random arrival) removed. */
export function withoutFaults(edits: ScenarioEdits, chunk: readonly string[]): ScenarioEdits {
  const dropFaults = [...(edits.dropFaults ?? [])];
  const per: Record<string, number[]> = { ...(edits.dropArrivals ?? {}) };
  for (const id of chunk) {
    const m = /^r(\d+)\/(.+)#(\d+)$/.exec(id);
    if (m) {
      const key = `${m[1]}/${m[2]}`;
      per[key] = [...(per[key] ?? []), Number(m[3])];
    } else dropFaults.push(Number(id.slice(1)));
  }
  // Arrivals of a removed spec no longer mean anything.
  for (const key of Object.keys(per)) if (dropFaults.includes(Number(key.split("/")[0]))) delete per[key];
  return { ...edits, dropFaults, dropArrivals: per };
}

/**
 * One op cap for every generator at once, galloping up from 1 and then bisecting. Small runs are
 * cheap and a small counterexample usually exists, so this gets there in a few fast attempts,
 * where a bisection from the top would start with the slowest runs of all.
 */
export function* capAllGenerators(s: SearchState): Search<boolean> {
  const gens = s.original.clients
    .map((c, i) => ({ c, i }))
    .filter(({ c, i }) => c.generator !== undefined && s.live(i));
  if (gens.length === 0) return false;
  const capOf = (i: number) => s.capOf(i) ?? s.opts.opsHint ?? Number.POSITIVE_INFINITY;
  const upper = Math.max(...gens.map((g) => capOf(g.i)));
  if (!Number.isFinite(upper)) return false;
  const withCap = (cap: number): ScenarioEdits => ({
    ...s.best.edits,
    maxOps: {
      ...(s.best.edits.maxOps ?? {}),
      ...Object.fromEntries(gens.map((g) => [String(g.i), Math.min(cap, capOf(g.i))])),
    },
  });
  let lo = 0;
  let hi: number | undefined;
  for (let cap = 1; cap < upper && !s.exhausted; cap *= 2) {
    if (yield* s.tryEdits(withCap(cap))) {
      hi = cap;
      break;
    }
    lo = cap;
  }
  if (hi === undefined) {
    // No cap below the largest: still give every uncapped generator that cap, so that the op
    // passes below have a finite sequence to work on.
    const uncapped = gens.some((g) => s.best.edits.maxOps?.[String(g.i)] === undefined);
    return uncapped && !s.exhausted ? yield* s.tryEdits(withCap(upper)) : false;
  }
  let top: number = hi;
  while (top - lo > 1 && !s.exhausted) {
    const mid = lo + Math.floor((top - lo) / 2);
    if (yield* s.tryEdits(withCap(mid))) top = mid;
    else lo = mid;
  }
  return true;
}

/** Whole clients, the last first, one at a time until none more can go. */
export function* dropClients(s: SearchState): Search<boolean> {
  let any = false;
  for (;;) {
    const dropped = s.best.edits.dropClients ?? [];
    const live = s.original.clients.map((_, i) => i).filter((i) => !dropped.includes(i));
    if (live.length <= 1) break;
    const hit = yield* s.firstOf(
      live.reverse().map((i) => s.withEdits({ ...s.best.edits, dropClients: [...dropped, i] })),
    );
    if (hit < 0) break;
    any = true;
  }
  return any;
}

/** Fewer processes: each one's draws come from its own stream, so the rest are unchanged. */
export function* dropProcesses(s: SearchState): Search<boolean> {
  let any = false;
  for (let ci = 0; ci < s.original.clients.length && !s.exhausted; ci++) {
    const c = s.original.clients[ci]!;
    if (!s.live(ci) || c.names.length <= 1) continue;
    const key = String(ci);
    const remaining = () => {
      const gone = new Set(s.best.edits.dropProcesses?.[key] ?? []);
      const rest = c.names.map((_, j) => j).filter((j) => !gone.has(j));
      // One process always remains (removing the client is another candidate).
      return rest.slice(1);
    };
    const without = (chunk: number[]) =>
      s.withEdits({
        ...s.best.edits,
        dropProcesses: {
          ...(s.best.edits.dropProcesses ?? {}),
          [key]: [...(s.best.edits.dropProcesses?.[key] ?? []), ...chunk],
        },
      });
    if (yield* s.ddmin(remaining, without)) any = true;
  }
  return any;
}

/**
 * Ops on keys the anomaly does not name, all at once: usually most of a run's ops. Tried again
 * whenever the anomaly of the run held names fewer keys than the ops kept.
 */
export function* keysPass(s: SearchState): Search<boolean> {
  const keys = s.bestKeys;
  if (keys === undefined || keys.length === 0) return false;
  const kept = s.best.edits.onlyKeys;
  if (kept !== undefined && (keys.length >= kept.length || !keys.every((k) => kept.includes(k))))
    return false;
  const any = s.original.clients.some(
    (c, i) => c.generator !== undefined && s.live(i) && c.generator.keys.length > 0,
  );
  if (!any) return false;
  return yield* s.tryEdits({ ...s.best.edits, onlyKeys: [...keys] });
}

/**
 * Bisection between `lo` and `hi` (neither tried): for the lowest value that passes, taking the
 * upper middle (values above a passing one are assumed to pass), or for the highest, taking the
 * lower middle (values below a passing one are assumed to pass). Returns whether any passed.
 */
function* bisect(
  s: SearchState,
  lo: number,
  hi: number,
  want: "lowest" | "highest",
  passes: (v: number) => Search<boolean>,
): Search<boolean> {
  let any = false;
  while (hi - lo > 1 && !s.exhausted) {
    const mid = want === "lowest" ? lo + Math.ceil((hi - lo) / 2) : lo + Math.floor((hi - lo) / 2);
    const ok = yield* passes(mid);
    if (ok) any = true;
    if (ok === (want === "lowest")) hi = mid;
    else lo = mid;
  }
  return any;
}

/**
 * Each client's tail on its own: the ops a client issues after the anomaly are usually not
 * needed, and bisecting its cap removes them in a few attempts where delta debugging would take
 * them off one at a time. At least one op stays issued: the cap stays above the skip.
 */
export function* capEachGenerator(s: SearchState): Search<boolean> {
  return yield* bisectEachGenerator(s, "maxOps", "lowest");
}

/**
 * Once a client is capped, the ops that matter are often its last few: bisect for the most
 * leading ops that can be skipped (drawn, not issued), leaving at least one. Skipping every op
 * would idle the client: removing clients is the other pass's job.
 */
export function* skipLeading(s: SearchState): Search<boolean> {
  return yield* bisectEachGenerator(s, "skipOps", "highest");
}

/** Per generator client, bisects one per-client edit between its skip and its cap. */
function* bisectEachGenerator(
  s: SearchState,
  field: "maxOps" | "skipOps",
  want: "lowest" | "highest",
): Search<boolean> {
  let any = false;
  for (let ci = 0; ci < s.original.clients.length && !s.exhausted; ci++) {
    if (!s.live(ci) || !s.original.clients[ci]!.generator) continue;
    const key = String(ci);
    const cap = s.capOf(ci);
    if (cap === undefined) continue;
    const found = yield* bisect(s, s.best.edits.skipOps?.[key] ?? 0, cap, want, (mid) =>
      s.tryEdits({ ...s.best.edits, [field]: { ...(s.best.edits[field] ?? {}), [key]: mid } }),
    );
    if (found) any = true;
  }
  return any;
}

/** Time compression: everything the scenario schedules runs 2, 4, 8… times faster, in order. */
export function* compress(s: SearchState): Search<boolean> {
  let any = false;
  for (let d = (s.best.edits.timeDivisor ?? 1) * 2; d <= 64 && !s.exhausted; d *= 2) {
    if (!(yield* s.tryEdits({ ...s.best.edits, timeDivisor: d }))) break;
    any = true;
  }
  return any;
}

/**
 * A shorter run: random faults stop earlier, and uncapped generators issue fewer ops. Bisects to
 * a millisecond, which leaves the failure at the very end of the run, where almost any change of
 * the tape moves it past the end: so in the tape phase it is tried only once the other passes
 * are done.
 */
export function* shortenRun(s: SearchState): Search<boolean> {
  let hi = s.best.edits.runForUs ?? s.original.runForUs;
  let lo = 0;
  let any = false;
  while (hi - lo >= 2000 && !s.exhausted) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (yield* s.tryEdits({ ...s.best.edits, runForUs: mid })) {
      hi = mid;
      any = true;
    } else lo = mid;
  }
  return any;
}
