/**
 * Checker speed and memory on valid list-append histories of 10k and 100k ops (and 1M and 10M
 * with --full), in EDN and in JSONL (10M: EDN only): parse time (reading the file included), check time, their total,
 * and the peak resident memory of a fresh process doing both (docs/performance.md: 1M ops < 3.6 s and
 * < 1 GiB, 10M ops < 60 s and < 4 GiB). A size that cannot be measured (out of memory) gives an error row.
 *
 *   node --import tsx bench/checker.ts [--full] [--sizes 1000000,…] [--formats edn,jsonl]
 *   node --import tsx bench/checker.ts --dense [--full]     # the dense set (bench/dense.ts)
 *   node --import tsx bench/checker.ts --measure FILE edn [objects]   # one file, in this process
 *     (`objects`: the general reader and check only, without the column path)
 *
 * Histories come from a seeded model of concurrent clients against a strictly serializable store
 * (each txn takes effect atomically at its completion), with failed and indeterminate txns, and
 * keys retired after a few dozen appends as in Jepsen's list-append workload. Each measurement runs
 * in its own child process, so one file's garbage does not inflate the next one's memory figure;
 * a worker thread samples `process.memoryUsage().rss` while the main thread is busy parsing.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { opToEdn } from "../src/check/edn.ts";
import { type HistoryFormat, HistoryStreamParser } from "../src/check/format.ts";
import type { MicroOp, Op } from "../src/check/history.ts";
import {
  checkHistory,
  checkHistoryColumns,
  columnReaderFor,
  type HistoryColumns,
} from "../src/check/index.ts";
import { opToJson } from "../src/check/jsonl.ts";
import { denseCases } from "./dense.ts";

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target: number;
  ok: boolean;
  [detail: string]: unknown;
}

/**
 * Targets (docs/performance.md): 1M ops in 3.6 s and 1 GiB, 10M ops in 60 s and 4 GiB. Smaller
 * histories get the 1M time target scaled by size, with a floor (small runs mostly measure the JIT
 * warming up), and the 1M memory target.
 */
function targetMsFor(size: number): number {
  if (size > 1_000_000) return Math.round((60_000 * size) / 10_000_000);
  return Math.max(1000, Math.round((3_600 * size) / 1_000_000));
}
function targetRssMiBFor(size: number): number {
  return size > 1_000_000 ? Math.round((4096 * size) / 10_000_000) : 1024;
}

/** A small seeded generator (xorshift32): the bench must give the same files on every run. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/**
 * Writes a valid list-append history of about `ops` ops to `file`, streaming (the 1M-op history
 * is never held in memory here).
 */
export function generateHistory(file: string, ops: number, format: HistoryFormat, seed = 1): void {
  const rand = rng(seed);
  const concurrency = 10;
  const keyCount = 10;
  const maxWritesPerKey = 24;
  const lists = new Map<number, number[]>();
  const writes = new Map<number, number>();
  const active: number[] = [];
  for (let k = 0; k < keyCount; k++) active.push(k);
  let nextKey = keyCount;
  const pickKey = (): number => {
    // Skewed towards the first keys, like Jepsen's exponential key distribution.
    const i = Math.min(keyCount - 1, Math.floor(-Math.log(1 - rand()) * 3));
    const k = active[i];
    if ((writes.get(k) ?? 0) >= maxWritesPerKey) {
      active[i] = nextKey++;
      return active[i];
    }
    return k;
  };
  const procs: { id: number; mops: MicroOp[] | null }[] = [];
  for (let p = 0; p < concurrency; p++) procs.push({ id: p, mops: null });
  const fd = openSync(file, "w");
  let buf: string[] = [];
  let bufLen = 0;
  let index = 0;
  const emit = (op: Omit<Op, "index">) => {
    const line = format === "edn" ? opToEdn({ index, ...op } as Op) : opToJson({ index, ...op } as Op);
    index++;
    buf.push(line);
    bufLen += line.length;
    if (bufLen > 1 << 20) {
      writeSync(fd, `${buf.join("\n")}\n`);
      buf = [];
      bufLen = 0;
    }
  };
  let time = 0;
  while (index < ops) {
    time += 1 + Math.floor(rand() * 1000);
    const p = procs[Math.floor(rand() * concurrency)];
    if (p.mops === null) {
      const n = 1 + Math.floor(rand() * 4);
      const mops: MicroOp[] = [];
      for (let j = 0; j < n; j++) {
        const k = pickKey();
        if (rand() < 0.5) mops.push(["r", k, null]);
        else {
          const w = (writes.get(k) ?? 0) + 1;
          writes.set(k, w);
          mops.push(["append", k, w]);
        }
      }
      p.mops = mops;
      emit({ type: "invoke", process: p.id, f: "txn", value: mops, time });
      continue;
    }
    const roll = rand();
    const mops = p.mops;
    p.mops = null;
    if (roll < 0.03) {
      emit({ type: "fail", process: p.id, f: "txn", value: mops, time, error: "conflict" });
      continue;
    }
    // Indeterminate outcomes take effect half the time; like Jepsen, the process is then retired.
    const info = roll < 0.05;
    if (!info || rand() < 0.5) {
      const done: MicroOp[] = mops.map(([f, k, v]) => {
        const key = k as number;
        if (f === "append") {
          const l = lists.get(key);
          if (l === undefined) lists.set(key, [v as number]);
          else l.push(v as number);
          return [f, k, v];
        }
        return [f, k, [...(lists.get(key) ?? [])]];
      });
      if (!info) {
        emit({ type: "ok", process: p.id, f: "txn", value: done, time });
        continue;
      }
    }
    emit({ type: "info", process: p.id, f: "txn", value: mops, time, error: "timeout" });
    p.id += concurrency;
  }
  if (buf.length > 0) writeSync(fd, `${buf.join("\n")}\n`);
  closeSync(fd);
}

/** Starts a thread that records the process's peak RSS while the main thread is busy. */
function startRssSampler(): { peak(): number; stop(): Promise<number> } {
  const shared = new Float64Array(new SharedArrayBuffer(8));
  const worker = new Worker(
    `const { workerData } = require("node:worker_threads");
     const peak = new Float64Array(workerData);
     const tick = () => { const r = process.memoryUsage.rss(); if (r > peak[0]) peak[0] = r; };
     tick();
     setInterval(tick, 5);`,
    { eval: true, workerData: shared.buffer },
  );
  const sample = () => {
    const r = process.memoryUsage.rss();
    if (r > shared[0]) shared[0] = r;
  };
  return {
    peak: () => {
      sample();
      return shared[0];
    },
    stop: async () => {
      sample();
      await worker.terminate();
      return shared[0];
    },
  };
}

interface Measurement {
  parseMs: number;
  checkMs: number;
  /** CPU time of the process (all threads, the garbage collector's included). */
  parseCpuMs: number;
  checkCpuMs: number;
  peakRssMiB: number;
  maxRssMiB: number;
  ops: number;
  valid: unknown;
  /** "columns" when the column reader and check answered (src/check/columns.ts), else "objects". */
  path: "columns" | "objects";
}

/** Feeds a file to `push` in 8 MiB chunks until it ends (true) or `push` says stop (false). */
function feedFile(file: string, push: (chunk: Uint8Array) => boolean): boolean {
  const buf = Buffer.allocUnsafe(8 << 20);
  const fd = openSync(file, "r");
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return true;
      if (!push(buf.subarray(0, n))) return false;
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads a history file in chunks into the streaming parser: the text is never held whole. */
export function readHistoryFile(file: string, format?: HistoryFormat): Op[] {
  const parser = new HistoryStreamParser(format);
  feedFile(file, (chunk) => {
    parser.pushBytes(chunk);
    return true;
  });
  return parser.end();
}

/** Reads a history file into columns; null when the column reader gives up on it. */
export function readHistoryColumns(file: string, format: HistoryFormat = "edn"): HistoryColumns | null {
  const reader = columnReaderFor(format, statSync(file).size);
  return feedFile(file, (chunk) => reader.pushBytes(chunk)) ? reader.end() : null;
}

/**
 * Parses and checks one file in this process (the child side of `run`), as `sim check` does: as
 * columns first, then the general way when the column path leaves the history to it (path
 * `objects`; the column attempt's time is then counted too). `forceObjects`: the general way only.
 */
async function measure(file: string, format: HistoryFormat, forceObjects = false): Promise<Measurement> {
  const sampler = startRssSampler();
  await new Promise((r) => setTimeout(r, 20));
  const cpu = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) =>
    Math.round((b.user + b.system - a.user - a.system) / 1000);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const columns = forceObjects ? null : readHistoryColumns(file, format);
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const fast = columns === null ? null : checkHistoryColumns(columns);
  const t2 = performance.now();
  const c2 = process.cpuUsage();
  let m: Omit<Measurement, "peakRssMiB" | "maxRssMiB">;
  if (fast !== null)
    m = {
      parseMs: Math.round(t1 - t0),
      checkMs: Math.round(t2 - t1),
      parseCpuMs: cpu(c0, c1),
      checkCpuMs: cpu(c1, c2),
      ops: columns!.opCount,
      valid: fast.valid,
      path: "columns",
    };
  else {
    const history = readHistoryFile(file, format);
    const t3 = performance.now();
    const c3 = process.cpuUsage();
    const res = checkHistory(history);
    const t4 = performance.now();
    const c4 = process.cpuUsage();
    m = {
      parseMs: Math.round(t1 - t0 + (t3 - t2)),
      checkMs: Math.round(t2 - t1 + (t4 - t3)),
      parseCpuMs: cpu(c0, c1) + cpu(c2, c3),
      checkCpuMs: cpu(c1, c2) + cpu(c3, c4),
      ops: history.length,
      valid: res.valid,
      path: "objects",
    };
  }
  const peak = await sampler.stop();
  return {
    ...m,
    peakRssMiB: Math.round(peak / 2 ** 20),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/**
 * Runs the benchmark and returns one result per figure. With `keepEdnDir`, the EDN histories are
 * written there and kept (for running Elle on the very same files); each EDN figure names its file.
 */
export function run(opts?: {
  full?: boolean;
  sizes?: number[];
  formats?: HistoryFormat[];
  log?: (r: BenchResult) => void;
  keepEdnDir?: string;
}): BenchResult[] {
  const sizes = opts?.sizes ?? (opts?.full ? [10_000, 100_000, 1_000_000, 10_000_000] : [10_000, 100_000]);
  const dir = mkdtempSync(join(tmpdir(), "deltasim-bench-checker-"));
  if (opts?.keepEdnDir !== undefined) mkdirSync(opts.keepEdnDir, { recursive: true });
  const self = fileURLToPath(import.meta.url);
  const results: BenchResult[] = [];
  const push = (r: BenchResult) => {
    results.push(r);
    opts?.log?.(r);
  };
  try {
    for (const size of sizes) {
      // 10M ops: EDN only (the JSONL figures track EDN's, and each file is over a gigabyte).
      const formats = opts?.formats ?? (size > 1_000_000 ? (["edn"] as const) : (["edn", "jsonl"] as const));
      for (const format of formats) {
        const keep = format === "edn" && opts?.keepEdnDir !== undefined;
        const file = join(keep ? opts!.keepEdnDir! : dir, `list-append-${size}.${format}`);
        generateHistory(file, size, format);
        const bytes = statSync(file).size;
        const child = spawnSync(process.execPath, [...process.execArgv, self, "--measure", file, format], {
          encoding: "utf8",
          maxBuffer: 1 << 20,
        });
        if (!keep) rmSync(file);
        const targetMs = targetMsFor(size);
        if (child.status !== 0) {
          // A size the checker cannot handle here (typically out of memory) is a failed row, not
          // a failed bench: the sizes after it still run.
          push({
            name: "checker.total_ms",
            value: -1,
            unit: "ms",
            target: targetMs,
            ok: false,
            ops: size,
            format,
            node: process.version,
            bytes,
            error: failureSummary(child.status, child.signal, child.stderr),
          });
          continue;
        }
        const m = JSON.parse(child.stdout.trim().split("\n").pop()!) as Measurement;
        const common = {
          ops: m.ops,
          format,
          path: m.path,
          node: process.version,
          bytes,
          valid: m.valid,
          ...(keep ? { historyFile: file } : {}),
        };
        push({
          name: "checker.parse_ms",
          value: m.parseMs,
          unit: "ms",
          target: targetMs,
          ok: m.parseMs <= targetMs,
          ...common,
          cpuMs: m.parseCpuMs,
          mbPerS: Math.round(bytes / 1e3 / Math.max(1, m.parseMs)),
        });
        push({
          name: "checker.check_ms",
          value: m.checkMs,
          unit: "ms",
          target: targetMs,
          ok: m.checkMs <= targetMs,
          ...common,
          cpuMs: m.checkCpuMs,
        });
        const total = m.parseMs + m.checkMs;
        push({
          name: "checker.total_ms",
          value: total,
          unit: "ms",
          target: targetMs,
          ok: total <= targetMs && m.valid === true,
          ...common,
        });
        push({
          name: "checker.peak_rss_mib",
          value: m.peakRssMiB,
          unit: "MiB",
          target: targetRssMiBFor(size),
          ok: m.peakRssMiB <= targetRssMiBFor(size),
          ...common,
          maxRssMiB: m.maxRssMiB,
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** One line on why a measuring child failed: the heap running out, a signal, or its last error line. */
function failureSummary(status: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  if (/heap out of memory|Allocation failed/i.test(stderr))
    return "out of memory: the JavaScript heap reached its limit while parsing or checking";
  const last = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .pop();
  return `${signal !== null ? `killed by ${signal}` : `exit code ${status}`}${last !== undefined ? `: ${last}` : ""}`;
}

/** Builds and checks one dense case in this process (the child side of `runDense`). */
async function measureDense(name: string, full: boolean): Promise<Record<string, unknown>> {
  const { denseCases } = await import("./dense.ts");
  const c = denseCases(full).find((x) => x.name === name);
  if (c === undefined) throw new Error(`unknown dense case ${name}`);
  const history = await c.build();
  const sampler = startRssSampler();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const res = checkHistory(history);
  const checkMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const peak = await sampler.stop();
  const cs = res.cycleSearch;
  return {
    ops: history.length,
    txns: res.stats.txns,
    checkMs: Math.round(checkMs),
    userCpuMs: Math.round(cpu.user / 1000),
    peakRssMiB: Math.round(peak / 2 ** 20),
    valid: res.valid,
    anomalyTypes: res.anomalyTypes,
    components: cs?.components ?? 0,
    largest: cs?.largest ?? 0,
    timeouts: cs?.timeouts ?? 0,
    reachWork: cs?.reachWork ?? 0,
    pathWork: cs?.pathWork ?? 0,
    // The largest components: size, distinct dependency pairs, and the classes found in each.
    largestComponents: (cs?.largestComponents ?? []).slice(0, 5).map((x) => ({
      size: x.size,
      edges: x.edges,
      classes: x.searches
        .filter((y) => y.result !== "none")
        .map((y) => `${y.type}${y.result === "timeout" ? " (timeout)" : ""}`),
    })),
  };
}

/**
 * The dense set (bench/dense.ts): every component classified, none given up on. One child process
 * per case, like the size runs.
 */
export function runDense(opts?: { full?: boolean; log?: (r: BenchResult) => void }): BenchResult[] {
  const self = fileURLToPath(import.meta.url);
  const results: BenchResult[] = [];
  for (const c of denseCases(opts?.full ?? false)) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, self, "--measure-dense", c.name, opts?.full ? "full" : "capped"],
      { encoding: "utf8", maxBuffer: 1 << 20 },
    );
    if (child.status !== 0) throw new Error(`dense case ${c.name} failed:\n${child.stderr}`);
    const m = JSON.parse(child.stdout.trim().split("\n").pop()!) as Record<string, unknown> & {
      checkMs: number;
      timeouts: number;
    };
    // The target: no component given up on (cycle-search-timeout); the check time is a detail.
    const r: BenchResult = {
      name: `checker.dense.${c.name}`,
      value: m.timeouts,
      unit: "cycle-search timeouts",
      target: 0,
      ok: m.timeouts === 0,
      ...m,
    };
    results.push(r);
    opts?.log?.(r);
  }
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  if (args[0] === "--measure") {
    measure(args[1], args[2] as HistoryFormat, args[3] === "objects").then((m) =>
      console.log(JSON.stringify(m)),
    );
  } else if (args[0] === "--measure-dense") {
    measureDense(args[1], args[2] === "full").then((m) => console.log(JSON.stringify(m)));
  } else if (args.includes("--dense")) {
    runDense({ full: args.includes("--full"), log: (r) => console.log(JSON.stringify(r)) });
  } else {
    const list = (flag: string) => {
      const i = args.indexOf(flag);
      return i >= 0 ? args[i + 1].split(",") : undefined;
    };
    run({
      full: args.includes("--full"),
      sizes: list("--sizes")?.map(Number),
      formats: list("--formats") as HistoryFormat[] | undefined,
      log: (r) => console.log(JSON.stringify(r)),
    });
  }
}
