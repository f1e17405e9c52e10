/**
 * Delta debugging over the ops a run issues, across all clients at once. A removed generated op is
 * drawn and its think time waited out, so the ops after it are drawn exactly as before.
 */
import type { ScenarioEdits } from "./scenario.ts";
import type { Candidate, Search, SearchState } from "./search.ts";

/** One op of the run: generated op `j` of client `ci`, or its script step `j`. */
export interface ClientOp {
  ci: number;
  j: number;
  step: boolean;
}

/** One generated op of one process: op `j` of process `p` of client `ci`. */
interface ProcessOp {
  ci: number;
  p: number;
  j: number;
}

/**
 * Every op the best candidate issues: generated ops (by their index in each process's sequence)
 * and script steps. Ordered by position in their sequence, then client, which roughly follows time.
 */
export function issuedOps(s: SearchState): ClientOp[] {
  const e = s.best.edits;
  const out: ClientOp[] = [];
  s.original.clients.forEach((c, ci) => {
    if (!s.live(ci)) return;
    const key = String(ci);
    const goneSteps = new Set(e.dropSteps?.[key] ?? []);
    (c.script ?? []).forEach((item, j) => {
      if (Array.isArray(item) && !goneSteps.has(j)) out.push({ ci, j, step: true });
    });
    const cap = s.capOf(ci);
    if (!c.generator || cap === undefined) return;
    const gone = new Set(e.dropOps?.[key] ?? []);
    for (let j = e.skipOps?.[key] ?? 0; j < cap; j++) if (!gone.has(j)) out.push({ ci, j, step: false });
  });
  return out.sort((a, b) => a.j - b.j || a.ci - b.ci || Number(a.step) - Number(b.step));
}

function withoutOps(s: SearchState, chunk: readonly ClientOp[]): Candidate {
  return s.withEdits(editsWithoutOps(s.best.edits, chunk));
}

/** `e` with the ops of `chunk` removed as well (generated ops drawn but not issued, steps left out). */
export function editsWithoutOps(e: ScenarioEdits, chunk: readonly ClientOp[]): ScenarioEdits {
  const dropOps = { ...(e.dropOps ?? {}) };
  const dropSteps = { ...(e.dropSteps ?? {}) };
  for (const op of chunk) {
    const per = op.step ? dropSteps : dropOps;
    per[String(op.ci)] = [...(per[String(op.ci)] ?? []), op.j];
  }
  return { ...e, dropOps, dropSteps };
}

/** Delta debugging over every op the run issues, across all clients at once. */
export function* opsPass(s: SearchState): Search<boolean> {
  return yield* s.ddmin(
    () => issuedOps(s),
    (chunk) => withoutOps(s, chunk),
  );
}

/**
 * The generated ops of the processes of clients with more than one, one entry per process.
 * Ordered like `issuedOps`, roughly by time.
 */
function processOps(s: SearchState): ProcessOp[] {
  const e = s.best.edits;
  const out: ProcessOp[] = [];
  s.original.clients.forEach((c, ci) => {
    const cap = s.capOf(ci);
    if (!s.live(ci) || !c.generator || c.names.length <= 1 || cap === undefined) return;
    const key = String(ci);
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
}

function withoutProcessOps(s: SearchState, chunk: readonly ProcessOp[]): Candidate {
  const dropProcessOps = { ...(s.best.edits.dropProcessOps ?? {}) };
  for (const op of chunk) {
    const key = `${op.ci}/${op.p}`;
    dropProcessOps[key] = [...(dropProcessOps[key] ?? []), op.j];
  }
  return s.withEdits({ ...s.best.edits, dropProcessOps });
}

/**
 * Delta debugging over the ops of single processes: where the ops pass can only drop an op index
 * from every process of a client at once, this drops it from one (the client then runs as one
 * client per process, which changes nothing else).
 */
export function* processOpsPass(s: SearchState): Search<boolean> {
  return yield* s.ddmin(
    () => processOps(s),
    (chunk) => withoutProcessOps(s, chunk),
  );
}
