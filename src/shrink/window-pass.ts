/**
 * Stretches of the run removed at once: the ops and faults of the best candidate's run in the order
 * they happened, and delta debugging over that order. A fault and the ops it disturbed, or a phase
 * of the run that only led back to where it started (a leader moved away and back, with the ops
 * that failed meanwhile), often go only together: removed one at a time, each leaves the others
 * doing something else.
 */
import { type ClientOp, editsWithoutOps, issuedOps } from "./op-passes.ts";
import { runStepIndex } from "./scenario.ts";
import { withoutFaults } from "./scenario-passes.ts";
import type { Search, SearchState } from "./search.ts";

/** One removable thing of the run, and when it happened (µs after the clients started). */
export type TimedUnit = { atUs: number; op: ClientOp } | { atUs: number; fault: string };

/**
 * The ops the best candidate issues and the faults its run injected, in the order they happened
 * (ties: ops before faults, then as `issuedOps` orders them). Ops and faults whose time the run
 * did not report are left out: removing them is the other passes' job.
 */
export function timedUnits(s: SearchState): TimedUnit[] {
  const times = s.bestTimes;
  if (times === undefined) return [];
  const out: Array<TimedUnit & { rank: number }> = [];
  issuedOps(s).forEach((op, rank) => {
    const c = s.original.clients[op.ci]!;
    const gone = new Set(s.best.edits.dropProcesses?.[String(op.ci)] ?? []);
    const per = op.step ? times.steps : times.ops;
    // A run numbers script steps in the script it ran, without the steps removed before.
    const index = String(op.step ? runStepIndex(s.best.edits, op.ci, op.j) : op.j);
    let at = Number.POSITIVE_INFINITY;
    c.names.forEach((name, p) => {
      const t = gone.has(p) ? undefined : per?.[name]?.[index];
      if (t !== undefined) at = Math.min(at, t);
    });
    if (Number.isFinite(at)) out.push({ atUs: at, op, rank });
  });
  const n = out.length;
  for (const [id, at] of Object.entries(times.faults ?? {})) {
    // Whole random specs (`R<i>`) have no one time; their arrivals (`r…`) and scripted faults do.
    if (s.bestFaults.includes(id)) out.push({ atUs: at, fault: id, rank: n });
  }
  // Ties between faults by id, compared by code unit: the order must not depend on the locale.
  out.sort((a, b) => a.atUs - b.atUs || a.rank - b.rank || byCodeUnit(idOf(a), idOf(b)));
  return out.map(({ rank: _, ...u }) => u);
}

function idOf(u: TimedUnit): string {
  return "fault" in u ? u.fault : "";
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Delta debugging over the run's ops and faults in time order, chunks of two and more (single ones
 * are the ops and faults passes' job), each size also offset by half a chunk.
 */
export function* windowsPass(s: SearchState): Search<boolean> {
  if (s.bestTimes === undefined) return false;
  const units = () => timedUnits(s);
  if (units().length < 2) return false;
  return yield* s.ddmin(
    units,
    (chunk) => {
      const ops = chunk.flatMap((u) => ("op" in u ? [u.op] : []));
      const faults = chunk.flatMap((u) => ("fault" in u ? [u.fault] : []));
      const edits = editsWithoutOps(s.best.edits, ops);
      return s.withEdits(faults.length > 0 ? withoutFaults(edits, faults) : edits);
    },
    { shifted: true, minChunk: 2 },
  );
}
