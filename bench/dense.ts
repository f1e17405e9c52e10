/**
 * Dense anomalous histories for the checker's cycle search, generated the way Elle's own tests
 * make theirs: concurrent clients against a deliberately weak store, so that most transactions end
 * up in one large strongly connected component with many cycles of every class.
 *
 * The store: appends take effect at completion; each read sees either the state when its
 * transaction was invoked (a stale snapshot) or the state at completion (read committed), chosen
 * per read. Stale and mixed snapshots give rw edges in both directions and G-single, G-nonadjacent
 * and G2 cycles; real-time edges add the `-realtime` forms. Keys that also see LLEN (`len`) are
 * analysed as queues, whose absence edges (a read lacking an element that nothing ever removes
 * precedes its push) make the rw edges quadratic in the key's traffic: the shape that used to
 * exhaust the cycle search's budget.
 *
 * Deterministic: the same options give the same history, op for op.
 */
import type { History, MicroOp, Op } from "../src/check/history.ts";

export interface DenseOptions {
  /** Completed transactions to generate (ops are about twice this). */
  txns: number;
  seed?: number;
  /** Concurrent client processes. */
  concurrency?: number;
  /** Keys in play at once. */
  keys?: number;
  /** Probability that a key is a queue key (also sees LLEN), making rw edges dense. */
  lenKeys?: number;
  /** Probability that a read uses an old snapshot instead of the completion state. */
  stale?: number;
  /** How many commits old a stale snapshot may be (uniform up to this). */
  lag?: number;
  /**
   * Snapshot isolation without its safety net against stale snapshots: every read of a txn sees one
   * snapshot (taken at invocation, up to `lag` commits old) and a txn fails when a key it appends
   * to changed since that snapshot (first committer wins). No G-single then, only G2: the cycle
   * search must rule G-single out in a dense component, the case that used to time out.
   */
  snapshotIsolation?: boolean;
}

/** xorshift32: the same stream on every run. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export function generateDenseHistory(opts: DenseOptions): History {
  const rand = rng(opts.seed ?? 1);
  const concurrency = opts.concurrency ?? 8;
  const keyCount = opts.keys ?? 6;
  const lenKeys = opts.lenKeys ?? 0.5;
  const stale = opts.stale ?? 0.5;
  const lag = opts.lag ?? 50;
  // Lists only grow, so a past state of a key is a prefix: keep each key's length per commit.
  const lists: number[][] = [];
  const lengths: number[][] = [];
  const isQueue: boolean[] = [];
  for (let k = 0; k < keyCount; k++) {
    isQueue.push(rand() < lenKeys);
    lists.push([]);
    lengths.push([0]);
  }
  let commits = 0;
  /** Key k as of commit `at` (0: the empty store). */
  const stateAt = (k: number, at: number): number[] => lists[k].slice(0, lengths[k][Math.max(0, at)]);
  const snapshot = (k: number, back = 0): number[] => stateAt(k, commits - back);
  const si = opts.snapshotIsolation ?? false;
  const ops: Op[] = [];
  const emit = (op: Omit<Op, "index" | "time">) => {
    ops.push({ index: ops.length, time: ops.length * 1000, ...op } as Op);
  };
  interface Pending {
    process: number;
    mops: MicroOp[];
    /** Per read micro-op: an old state of the list, or null to read at completion. */
    early: (number[] | null)[];
    /** Under snapshot isolation, the commit its snapshot reflects. */
    snap: number;
  }
  const pending: (Pending | null)[] = new Array(concurrency).fill(null);
  let nextValue = 1;
  let done = 0;
  while (done < opts.txns) {
    const p = Math.floor(rand() * concurrency);
    const cur = pending[p];
    if (cur === null) {
      // Reads first, then appends, on distinct keys: a txn never reads its own writes, so every
      // inconsistency is between transactions.
      const n = 1 + Math.floor(rand() * 4);
      const used = new Set<number>();
      const reads: MicroOp[] = [];
      const appends: MicroOp[] = [];
      const early: (number[] | null)[] = [];
      const snap = commits - Math.floor(rand() * lag);
      for (let j = 0; j < n; j++) {
        const k = Math.floor(rand() * keyCount);
        if (used.has(k)) continue;
        used.add(k);
        if (rand() < 0.5) {
          const f = isQueue[k] && rand() < 0.5 ? "len" : "r";
          reads.push([f, k, null]);
          if (si) early.push(stateAt(k, snap));
          else early.push(rand() < stale ? snapshot(k, Math.floor(rand() * lag)) : null);
        } else appends.push(["append", k, nextValue++]);
      }
      const mops = [...reads, ...appends];
      pending[p] = { process: p, mops, early, snap };
      emit({ type: "invoke", process: p, f: "txn", value: mops });
      continue;
    }
    pending[p] = null;
    done++;
    if (
      si &&
      cur.mops.some(
        ([f, k]) =>
          f === "append" && lengths[k as number][Math.max(0, cur.snap)] !== lists[k as number].length,
      )
    ) {
      emit({ type: "fail", process: cur.process, f: "txn", value: cur.mops, error: "conflict" });
      continue;
    }
    const value: MicroOp[] = cur.mops.map(([f, k, v], j) => {
      if (f === "append") return [f, k, v];
      const list = cur.early[j] ?? snapshot(k as number);
      return f === "len" ? [f, k, list.length] : [f, k, list];
    });
    for (const [f, k, v] of cur.mops) if (f === "append") lists[k as number].push(v as number);
    for (let k = 0; k < keyCount; k++) lengths[k].push(lists[k].length);
    commits++;
    emit({ type: "ok", process: cur.process, f: "txn", value });
  }
  return ops;
}

/** One history of the dense set, built on demand (generated, or a simulator run under `head`). */
export interface DenseCase {
  name: string;
  build(): Promise<History>;
}

/**
 * The dense set: Elle-style generated histories (read committed with stale reads, and snapshot
 * isolation without its write-conflict check), with and without queue keys' LLEN, up to 20,000
 * transactions; and simulator runs under `head` with knobs that reopen bugs, on a contended
 * workload of MULTI/EXEC appends and reads with LLEN on three keys. Nothing is stored: every case is
 * rebuilt from its seed.
 */
export function denseCases(full: boolean): DenseCase[] {
  const cases: DenseCase[] = [];
  const sizes = full ? [2_000, 5_000, 20_000] : [2_000, 5_000];
  for (const txns of sizes)
    for (const [mode, snapshotIsolation] of [
      ["rc", false],
      ["si", true],
    ] as const)
      for (const lenKeys of [0, 0.5]) {
        const lag = txns >= 20_000 ? 200 : 50;
        cases.push({
          name: `generated-${mode}-${lenKeys > 0 ? "len" : "nolen"}-${txns}`,
          build: async () => generateDenseHistory({ txns, seed: 1, snapshotIsolation, lenKeys, lag }),
        });
      }
  const knobSets: Record<string, Record<string, string>> = {
    "clock-next": { execStartTS: "clock-next" },
    "apply-order": { applyInCommitOrder: "false", rangeReadFence: "none" },
    "read-set": { readSetInRaft: "false" },
    "hlc-current": { snapshotTS: "hlc-current-max" },
  };
  for (const [label, knobs] of Object.entries(knobSets))
    cases.push({ name: `sim-head-${label}`, build: () => simulatedHistory(knobs, full ? "6s" : "2s", 3) });
  return cases;
}

async function simulatedHistory(
  overrides: Record<string, string>,
  runFor: string,
  seed: number,
): Promise<History> {
  const { scenario, generate, random } = await import("../src/workload/scenario.ts");
  const { normalizeScenario } = await import("../src/workload/normalize.ts");
  const { resolveKnobs } = await import("../src/cluster/knobs.ts");
  const { runScenario } = await import("../src/cluster/run.ts");
  const spec = scenario({
    description:
      "contended MULTI/EXEC appends and reads with LLEN on three keys, leader moves and clock skew",
    cluster: { nodes: 3, knobs: {} },
    clients: [
      generate("p0..p5", {
        mix: { txn: 4, rpush: 2, lrange: 1, llen: 1 },
        keys: [1, 2, 3],
        thinkUs: [0, 200],
      }),
    ],
    faults: [random({ "transfer-leader": 0.5, "isolate-leader": 0.3, "clock-skew": 0.5 })],
    runFor: runFor as `${number}s`,
    expect: "strict-serializable",
  });
  const s = normalizeScenario(spec, "dense");
  const knobs = resolveKnobs(s, "head", overrides);
  return runScenario({ scenario: s, variant: "head", knobs, seed }).history;
}
