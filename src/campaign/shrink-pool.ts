/**
 * A worker pool that judges shrink candidates in parallel (see shrinkCaseParallel). Each worker
 * loads the scenario by its reference once and runs candidates as plain data, so the search in the
 * main thread stays the same as a serial one: only the wall time changes.
 */
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { Candidate, TestOutcome } from "../shrink/index.ts";
import type { AttemptRunner, AttemptSpec } from "./shrink.ts";
import type { Task, TaskResult } from "./worker.ts";
import { currentWorkerBundle } from "./worker-bundle.ts";

const WORKER_FILE = fileURLToPath(new URL("./worker.js", import.meta.url));

export interface ShrinkPool {
  run: AttemptRunner;
  /** How many candidates to judge at a time (the number of workers). */
  width: number;
  close(): Promise<void>;
}

export function shrinkPool(workers: number): ShrinkPool {
  const n = Math.max(1, Math.floor(workers));
  const pool = new Piscina<Task, TaskResult>({
    filename: WORKER_FILE,
    minThreads: n,
    maxThreads: n,
    idleTimeout: 30_000,
    // The bundle a campaign of this checkout built, if current (none: the sources through tsx).
    workerData: { bundle: currentWorkerBundle() },
  });
  const one = async (spec: AttemptSpec, candidate: Candidate): Promise<TestOutcome> => {
    const r = await pool.run({ kind: "attempt", spec, candidate });
    if (r.kind !== "attempt") throw new Error(`shrink worker answered a ${r.kind} task`);
    return r.outcome;
  };
  return {
    run: (spec, cands) => Promise.all(cands.map((c) => one(spec, c))),
    width: n,
    close: () => pool.destroy(),
  };
}
