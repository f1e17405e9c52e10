/**
 * The `sim` command as a user drives it: spawned `node sim/bin.js …` processes, checked for their
 * exit status, their `--json` shapes, the files they leave, and one-line errors on bad input.
 * Spawns run concurrently (each costs ~0.5 s of start-up) to keep the file fast.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("./bin.js", import.meta.url));
const SCENARIO_API = fileURLToPath(new URL("../src/workload/scenario.ts", import.meta.url));

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let slots = Math.max(2, availableParallelism());
const waiting: Array<() => void> = [];
async function slot<T>(f: () => Promise<T>): Promise<T> {
  if (slots === 0) await new Promise<void>((r) => waiting.push(r));
  else slots--;
  try {
    return await f();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else slots++;
  }
}

function sim(
  args: string[],
  opts: {
    env?: Record<string, string>;
    onStart?: (p: ReturnType<typeof spawn>) => void;
    /** Start sim/bin.js itself (through its #! line), as the README tells scripts to. */
    direct?: boolean;
  } = {},
) {
  return slot(
    () =>
      new Promise<Result>((resolve) => {
        const [cmd, argv] = opts.direct ? [BIN, args] : [process.execPath, [BIN, ...args]];
        const p = spawn(cmd, argv, {
          cwd: dir,
          env: { ...process.env, NO_COLOR: "1", DELTASIM_DEBUG: "", ...opts.env },
        });
        let stdout = "";
        let stderr = "";
        p.stdout.on("data", (d) => {
          stdout += d;
        });
        p.stderr.on("data", (d) => {
          stderr += d;
        });
        opts.onStart?.(p);
        p.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
      }),
  );
}

function json(r: Result): Record<string, unknown> {
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`not one JSON object on stdout (exit ${r.code}):\n${r.stdout}\n--- stderr:\n${r.stderr}`);
  }
}

/** An input error: exit 2 and exactly one line on stderr, with no stack trace. */
function expectInputError(r: Result, ...fragments: (string | RegExp)[]) {
  const ctx = `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  expect(r.code, ctx).toBe(2);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  expect(lines, ctx).toHaveLength(1);
  expect(lines[0], ctx).toMatch(/^error: /);
  expect(r.stderr, ctx).not.toMatch(/\n\s+at /);
  for (const f of fragments) expect(lines[0], ctx).toMatch(f);
}

/** Runs every case at once; each must be an input error naming its fragments. */
async function expectInputErrors(cases: Array<[string[], ...(string | RegExp)[]]>) {
  const results = await Promise.all(cases.map(([args]) => sim(args)));
  cases.forEach(([args, ...fragments], i) => {
    try {
      expectInputError(results[i]!, ...fragments);
    } catch (e) {
      throw new Error(`sim ${args.join(" ")}: ${(e as Error).message}`);
    }
  });
}

let dir: string;

const tiny = () => `import { generate, lrange, rpush, scenario, script } from ${JSON.stringify(SCENARIO_API)};
export default scenario({
  description: "a small list workload for CLI tests",
  cluster: { nodes: 3 },
  clients: [
    script("p0", [rpush("k", 1), lrange("k"), rpush("k", 2), lrange("k")]),
    generate("p1..p2", { mix: { append: 2, r: 1 }, keys: ["k", "j"], maxOps: 6 }),
  ],
  runFor: "1s",
});
`;

// A scenario whose event cap is far too small: every run is a deterministic sim-error failure.
const capped = () => tiny().replace('runFor: "1s",', 'runFor: "1s",\n  caps: { events: 300 },');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deltasim-cli-"));
  writeFileSync(join(dir, "tiny.ts"), tiny());
  writeFileSync(join(dir, "capped.ts"), capped());
  writeFileSync(join(dir, "broken.ts"), "export default scenario({ description: ");
  writeFileSync(
    join(dir, "zero-nodes.ts"),
    `export default { description: "x", cluster: { nodes: 0 }, clients: [], runFor: "1s" };\n`,
  );
  writeFileSync(
    join(dir, "g0.edn"),
    [
      "{:type :invoke, :f :txn, :value [[:append :x 1] [:append :y 1]], :process 0, :index 0}",
      "{:type :invoke, :f :txn, :value [[:append :x 2] [:append :y 2]], :process 1, :index 1}",
      "{:type :ok, :f :txn, :value [[:append :x 1] [:append :y 1]], :process 0, :index 2}",
      "{:type :ok, :f :txn, :value [[:append :x 2] [:append :y 2]], :process 1, :index 3}",
      "{:type :invoke, :f :txn, :value [[:r :x nil] [:r :y nil]], :process 2, :index 4}",
      "{:type :ok, :f :txn, :value [[:r :x [1 2]] [:r :y [2 1]]], :process 2, :index 5}",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "valid.jsonl"),
    [
      { type: "invoke", f: "txn", value: [["append", "x", 1]], process: 0, index: 0 },
      { type: "ok", f: "txn", value: [["append", "x", 1]], process: 0, index: 1 },
      { type: "invoke", f: "txn", value: [["r", "x", null]], process: 1, index: 2 },
      { type: "ok", f: "txn", value: [["r", "x", [1]]], process: 1, index: 3 },
    ]
      .map((o) => JSON.stringify(o))
      .join("\n"),
  );
  writeFileSync(join(dir, "empty.edn"), "");
  writeFileSync(join(dir, "not-history.edn"), '{:name "a config file", :port 8080}\n');
  writeFileSync(
    join(dir, "bad-line2.edn"),
    [
      "{:type :invoke, :f :txn, :value [[:append :x 1]], :process 0, :index 0}",
      "{:type :ok, :f :txn, :value [[:append :x 1]], :process 0, :index 1}}",
      "{:type :invoke, :f :txn, :value [[:r :x nil]], :process 1, :index 2}",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "malformed.json"), '{\n  "format": "deltasim-repro/1",\n  "scenario": \n}\n');
  writeFileSync(
    join(dir, "old-format.json"),
    JSON.stringify({
      format: "deltasim-repro/0",
      tool: "deltasim@0.0.1",
      scenario: "mixed",
      variant: "fixed",
      seed: 1,
    }),
  );
  mkdirSync(join(dir, "empty-dir"));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("sim (listings)", () => {
  it("scenarios, variants and knobs print JSON arrays", async () => {
    const [sc, va, kn, text, noArgs] = await Promise.all([
      sim(["scenarios", "--json"]),
      sim(["variants", "--json"]),
      sim(["knobs", "--json"]),
      sim(["variants"]),
      sim([]),
    ]);
    expect(sc.code, sc.stderr).toBe(0);
    const scenarios = JSON.parse(sc.stdout) as Array<Record<string, unknown>>;
    expect(scenarios.map((s) => s.name)).toContain("mixed");
    for (const s of scenarios) {
      expect(Object.keys(s).sort()).toEqual(["bug", "description", "name"]);
      expect(typeof s.description).toBe("string");
      expect(s.bug === null || typeof s.bug === "string").toBe(true);
    }
    expect(scenarios.find((s) => s.name === "mixed")?.bug).toBeNull();
    expect(scenarios.find((s) => s.name === "b11-del-truncated-scan")?.bug).toEqual(expect.any(String));
    expect(va.code, va.stderr).toBe(0);
    const variants = JSON.parse(va.stdout) as Array<Record<string, unknown>>;
    expect(variants[0]).toMatchObject({ name: "fixed", scenario: null });
    for (const v of variants) expect(Object.keys(v).sort()).toEqual(["description", "name", "scenario"]);
    expect(kn.code, kn.stderr).toBe(0);
    const knobs = JSON.parse(kn.stdout) as Array<Record<string, unknown>>;
    expect(knobs.length).toBeGreaterThan(5);
    for (const k of knobs) expect(Object.keys(k).sort()).toEqual(["default", "description", "name"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^fixed\s/m);
    expect(text.stdout).not.toContain("\x1b[");
    // No command at all is a usage error.
    expect(noArgs.code).toBe(2);
    expect(noArgs.stderr).toMatch(/Usage: sim/);
  });
});

describe("sim run / replay / shrink / report / check", () => {
  it("runs a scenario, writes its folder and trace, and is deterministic across processes", async () => {
    const args = ["run", "tiny.ts", "--seed", "3"];
    const [a, b, text] = await Promise.all([
      sim([...args, "--json", "--out", "run1", "--trace", "run1/trace.jsonl"]),
      sim([...args, "--json"]),
      sim(args),
    ]);
    const r = json(a);
    expect(Object.keys(r)).toEqual(
      expect.arrayContaining([
        "tool",
        "scenario",
        "variant",
        "seed",
        "valid",
        "anomalyTypes",
        "anomalies",
        "stats",
        "config",
        "probes",
        "historyHash",
        "wallMs",
      ]),
    );
    expect(r).toMatchObject({ scenario: "tiny.ts", variant: "fixed", seed: 3 });
    expect(String(r.tool)).toMatch(/^deltasim@/);
    expect(Object.keys(r.stats as object)).toEqual(
      expect.arrayContaining(["ops", "ok", "fail", "info", "simTimeMs", "leaderChanges", "faults"]),
    );
    expect(a.code).toBe(r.valid === true ? 0 : r.valid === false ? 1 : 3);
    expect(json(b).historyHash).toBe(r.historyHash);
    for (const f of ["summary.json", "history.edn", "anomalies.json", "report.html", "trace.jsonl"]) {
      expect(existsSync(join(dir, "run1", f)), f).toBe(true);
    }
    expect(existsSync(join(dir, "run1", "repro.json"))).toBe(r.valid === false);
    const trace = readFileSync(join(dir, "run1", "trace.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(trace.length).toBeGreaterThan(0);
    for (const l of trace.slice(0, 50)) JSON.parse(l);
    expect(text.code).toBe(a.code);
    expect(text.stdout).toMatch(/tiny\.ts \[fixed\] seed 3/);
    expect(text.stdout).not.toContain("\x1b[");

    // The written history checks the same way, and the folder re-renders.
    const [check, report] = await Promise.all([
      sim(["check", "run1/history.edn", "--json", "--model", "strict-serializable"]),
      sim(["report", "run1", "--json"]),
    ]);
    const c = json(check);
    expect(Object.keys(c)).toEqual(
      expect.arrayContaining(["file", "model", "ops", "valid", "anomalyTypes", "anomalies", "wallMs"]),
    );
    expect(c.ops).toBe((r.stats as { ops: number }).ops);
    expect(report.code, report.stderr).toBe(0);
    expect(json(report)).toMatchObject({ kind: "run" });
  });

  it("saves, replays and shrinks a failing run", async () => {
    const fail = await sim(["run", "capped.ts", "--seed", "1", "--json", "--out", "fail1"]);
    const r = json(fail);
    expect(fail.code).toBe(1);
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toContain("sim-error");
    expect(r.repro).toBe(join("fail1", "repro.json"));
    const repro = JSON.parse(readFileSync(join(dir, "fail1", "repro.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(repro).toMatchObject({
      format: "deltasim-repro/1",
      scenario: "capped.ts",
      variant: "fixed",
      seed: 1,
    });
    expect((repro.expected as { historyHash: string }).historyHash).toBe(r.historyHash);

    // A repro whose recorded hash and knobs no longer match.
    const tampered = structuredClone(repro) as {
      expected: { historyHash: string };
      knobs: Record<string, unknown>;
    };
    tampered.expected.historyHash = "0000";
    tampered.knobs.clientDelayUs = 321;
    writeFileSync(join(dir, "tampered.json"), JSON.stringify(tampered));

    const [replay, mismatch, mismatchJson, shrink, shrinkTo] = await Promise.all([
      sim(["replay", "fail1/repro.json", "--json"]),
      sim(["replay", "tampered.json"]),
      sim(["replay", "tampered.json", "--json"]),
      sim(["shrink", "fail1/repro.json", "--json", "--time", "5s"]),
      sim(["shrink", "fail1/repro.json", "-o", "custom-shrunk.json", "--attempts", "3"]),
    ]);
    expect(replay.code, replay.stderr).toBe(1);
    const rp = json(replay);
    expect(rp.historyHash).toBe(r.historyHash);
    expect(rp.replay).toMatchObject({ reproduced: true, differences: [] });

    expect(mismatch.code).toBe(3);
    expect(mismatch.stdout).toMatch(/DOES NOT REPRODUCE/);
    expect(mismatch.stdout).toMatch(/historyHash: expected 0000, got /);
    expect(mismatch.stdout).toMatch(/knob clientDelayUs: recorded 321 \(used\), variant fixed now sets 200/);
    expect(mismatchJson.code).toBe(3);
    expect(json(mismatchJson).replay).toMatchObject({ reproduced: false });

    expect(shrink.code, shrink.stderr).toBe(1);
    const s = json(shrink);
    for (const side of ["before", "after"]) {
      expect(Object.keys(s[side] as object).sort()).toEqual(["faults", "ops", "tapeLength"]);
    }
    expect(typeof s.wallMs).toBe("number");
    const before = s.before as { ops: number; tapeLength: number };
    const after = s.after as { ops: number; tapeLength: number };
    expect(after.tapeLength).toBeLessThanOrEqual(before.tapeLength);
    expect(existsSync(join(dir, "fail1", "repro.shrunk.json"))).toBe(true);
    expect(shrinkTo.code, shrinkTo.stderr).toBe(1);
    expect(shrinkTo.stdout).toMatch(/before: .*\n\s+after:/);
    expect(existsSync(join(dir, "custom-shrunk.json"))).toBe(true);

    // The shrunk repro replays exactly, and can be looked at: its history and report written out,
    // a page drawn for the file itself; `sim run` on it points at replay.
    const [again, saved, page, runIt] = await Promise.all([
      sim(["replay", "fail1/repro.shrunk.json", "--json"]),
      sim(["replay", "fail1/repro.shrunk.json", "--out", "replayed"]),
      sim(["report", "fail1/repro.shrunk.json", "--json"]),
      sim(["run", "fail1/repro.shrunk.json"]),
    ]);
    expect(again.code, again.stderr).toBe(1);
    expect(json(again).replay).toMatchObject({ reproduced: true });
    expect(saved.code, saved.stderr).toBe(1);
    expect(saved.stdout).toMatch(/wrote replayed: .*history\.jsonl/);
    for (const f of ["history.edn", "history.jsonl", "anomalies.json", "report.html", "repro.json"]) {
      expect(existsSync(join(dir, "replayed", f)), f).toBe(true);
    }
    const edn = readFileSync(join(dir, "replayed", "history.edn"), "utf8")
      .trim()
      .split("\n");
    const jsonl = readFileSync(join(dir, "replayed", "history.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(jsonl.length).toBe(edn.length);
    expect(page.code, page.stderr).toBe(0);
    expect(json(page)).toMatchObject({
      kind: "repro",
      report: join("fail1", "repro.shrunk.html"),
      reproduced: true,
    });
    expect(existsSync(join(dir, "fail1", "repro.shrunk.html"))).toBe(true);
    expectInputError(
      runIt,
      "fail1/repro.shrunk.json",
      "is a repro file",
      "sim replay fail1/repro.shrunk.json",
    );
  });

  it("sums anomalies up on one line and prints the first 3 in full (all with --verbose)", async () => {
    const args = ["run", "b1-multi-base-meta", "--variant", "multi-reads-base-meta", "--seed", "1"];
    const [short, verbose, j] = await Promise.all([
      sim(args),
      sim([...args, "--verbose"]),
      sim([...args, "--json"]),
    ]);
    expect(short.code, short.stderr).toBe(1);
    const anomalies = json(j).anomalies as Array<{ type: string }>;
    expect(anomalies.length).toBeGreaterThan(3);
    const counts = new Map<string, number>();
    for (const a of anomalies) counts.set(a.type, (counts.get(a.type) ?? 0) + 1);
    const summary = short.stdout.split("\n")[2]!;
    expect(summary).toMatch(new RegExp(`^  ${anomalies.length} anomalies: `));
    for (const [t, n] of counts) expect(summary).toContain(`${t} ×${n}`);
    const full = (out: string) => out.split("\n").filter((l) => /^ {2}[A-Za-z0-9-]+ on "/.test(l)).length;
    expect(full(short.stdout)).toBe(3);
    expect(short.stdout).toContain(`… ${anomalies.length - 3} more (see report.html / --json`);
    expect(full(verbose.stdout)).toBe(anomalies.length);
    expect(verbose.stdout).not.toContain("more (see");
  });

  it("checks external histories: valid, anomalous, unknown", async () => {
    const [g0, g0text, valid, empty] = await Promise.all([
      sim(["check", "g0.edn", "--json"]),
      sim(["check", "g0.edn"]),
      sim(["check", "valid.jsonl", "--format", "jsonl", "--json"]),
      sim(["check", "empty.edn", "--json"]),
    ]);
    expect(g0.code).toBe(1);
    const g = json(g0);
    expect(g).toMatchObject({ file: "g0.edn", model: "strict-serializable", ops: 3, valid: false });
    expect(g.anomalyTypes).toContain("G0");
    expect(g0text.stdout).toMatch(/G0/);
    expect(valid.code, valid.stderr).toBe(0);
    expect(json(valid)).toMatchObject({ valid: true, ops: 2, anomalyTypes: [] });
    expect(empty.code).toBe(3);
    expect(json(empty).valid).toBe("unknown");
  });
});

describe("sim fuzz / merge", () => {
  it("runs a campaign on workers, saves and shrinks failures, writes its reports", async () => {
    const [fz, s0, s1] = await Promise.all([
      sim([
        "fuzz",
        "tiny.ts",
        "capped.ts",
        "--seeds",
        "4",
        "--workers",
        "2",
        "--json",
        "--out",
        "fz",
        "--junit",
        "ci/junit.xml",
        "--shrink-time",
        "2s",
      ]),
      sim([
        "fuzz",
        "tiny.ts",
        "--seeds",
        "4",
        "--first-seed",
        "7",
        "--shard",
        "0/2",
        "--workers",
        "1",
        "--out",
        "shards/a",
        "--json",
      ]),
      sim([
        "fuzz",
        "tiny.ts",
        "--seeds",
        "4",
        "--first-seed",
        "7",
        "--shard",
        "1/2",
        "--workers",
        "1",
        "--out",
        "shards/b",
        "--json",
      ]),
    ]);
    expect(fz.code, fz.stderr).toBe(1);
    const f = json(fz);
    expect(Object.keys(f)).toEqual(
      expect.arrayContaining([
        "scenarios",
        "variant",
        "seeds",
        "failures",
        "seedsPerSecond",
        "opsPerSecond",
        "wallMs",
      ]),
    );
    expect(f).toMatchObject({ scenarios: ["tiny.ts", "capped.ts"], variant: "fixed", seeds: 4 });
    const failures = f.failures as Array<{
      seed: number;
      scenario: string;
      anomalyTypes: string[];
      repro: string;
    }>;
    expect(failures.map((x) => `${x.scenario}:${x.seed}`)).toEqual(["capped.ts:1", "capped.ts:2"]);
    for (const x of failures) {
      expect(x.anomalyTypes).toContain("sim-error");
      expect(existsSync(join(dir, x.repro)), x.repro).toBe(true);
    }
    for (const file of [
      "summary.json",
      "junit.xml",
      "report.html",
      "failures/capped-1/repro.json",
      "failures/capped-1/history.edn",
      "failures/capped-1/anomalies.json",
    ]) {
      expect(existsSync(join(dir, "fz", file)), file).toBe(true);
    }
    expect(existsSync(join(dir, "ci", "junit.xml"))).toBe(true);
    const summary = JSON.parse(readFileSync(join(dir, "fz", "summary.json"), "utf8")) as Record<
      string,
      unknown
    >;
    // Both failures share one signature (the cut-short history may add checker verdicts to sim-error).
    const groups = summary.groups as Array<{ signature: string; count: number; smallest: { repro: string } }>;
    expect(groups).toHaveLength(1);
    expect(groups[0]!.signature).toMatch(/^capped\.ts\|(.*,)?sim-error/);
    expect(groups[0]!.count).toBe(2);
    expect(existsSync(join(dir, "fz", groups[0]!.smallest.repro))).toBe(true);
    // The campaign's repros replay.
    const rep = await sim(["replay", failures[0]!.repro, "--json"]);
    expect(rep.code, rep.stderr).toBe(1);

    // Two shards merge into the unsharded campaign.
    expect(s0.code, s0.stderr).toBe(0);
    expect(s1.code, s1.stderr).toBe(0);
    expect(json(s0).seeds).toBe(2);
    const [merged, report] = await Promise.all([
      sim(["merge", "shards", "--out", "merged", "--json"]),
      sim(["report", "fz"]),
    ]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(json(merged)).toMatchObject({ seeds: 4, shards: 2, failures: [] });
    expect(existsSync(join(dir, "merged", "report.html"))).toBe(true);
    expect(report.code, report.stderr).toBe(0);
  });

  it("never overwrites an earlier campaign: a rerun gets a fresh folder, a named one needs --force", async () => {
    const args = ["fuzz", "capped.ts", "--seeds", "3", "--workers", "1", "--shrink-limit", "0", "--json"];
    const named = [...args, "--out", "kept"];
    // The default folder twice, and a named folder twice, once with --force (the two series in parallel).
    const [[first, second], [n1, n2, n3, r2]] = await Promise.all([
      (async () => [await sim(args), await sim(args)])(),
      (async () => [
        await sim(named),
        await sim(named),
        await sim([...named, "--force"]),
        await sim(["run", "tiny.ts", "--out", "kept"]),
      ])(),
    ]);
    expect(first!.code, first!.stderr).toBe(1);
    const a = json(first!) as { out: string; failures: Array<{ repro: string }> };
    expect(a.failures.length).toBe(3);
    expect(second!.code, second!.stderr).toBe(1);
    const b = json(second!) as { out: string; failures: Array<{ repro: string }> };
    expect(b.out).toBe(`${a.out}-2`);
    // Every repro of the first run is still there, next to the second run's.
    for (const f of [...a.failures, ...b.failures])
      expect(existsSync(join(dir, f.repro)), f.repro).toBe(true);

    expect(n1!.code, n1!.stderr).toBe(1);
    expectInputError(n2!, "kept", "--out", "--force");
    expect(n3!.code, n3!.stderr).toBe(1);
    // The same holds for a run folder.
    expectInputError(r2!, "kept", "--out", "--force");
  });

  // A SIGINT sent to the one process that was started (not to its process group), as a CI runner
  // or supervisor sends it to the command it launched: the README has scripts start sim/bin.js.
  it("stops cleanly on SIGINT to its own pid, keeps what it found and exits 130", async () => {
    const r = await sim(
      [
        "fuzz",
        "capped.ts",
        "--duration",
        "60s",
        "--workers",
        "1",
        "--out",
        "interrupted",
        "--shrink-limit",
        "0",
      ],
      {
        onStart: (p) => {
          // Once it has saved a failure (however long start-up takes on a loaded machine).
          const poll = setInterval(() => {
            if (!existsSync(join(dir, "interrupted", "failures"))) return;
            clearInterval(poll);
            p.kill("SIGINT");
          }, 100);
          p.on("close", () => clearInterval(poll));
        },
        direct: true,
      },
    );
    expect(r.code, r.stderr).toBe(130);
    const summary = JSON.parse(readFileSync(join(dir, "interrupted", "summary.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(summary.stopped).toBe(true);
    expect(summary.seeds as number).toBeGreaterThan(0);
    expect((summary.failures as unknown[]).length).toBe(summary.seeds);
    expect(existsSync(join(dir, "interrupted", "report.html"))).toBe(true);
  });
});

describe("scenario files outside the package", () => {
  it("load with TypeScript types and the API imported by package name; a syntax error names line and column", async () => {
    const typed = `import type { Scenario } from "deltasim";
import { generate, lrange, rpush, scenario, script } from "deltasim";

const nodes: number = 3;
const spec: Scenario = scenario({
  description: "a scenario kept in another repository",
  cluster: { nodes },
  clients: [script("p0", [rpush("k", 1), lrange("k")]), generate("p1", { mix: { append: 1 }, keys: ["k"], maxOps: 3 })],
  runFor: "1s",
});
export default spec;
`;
    // No package.json at all, and a CommonJS package: both must read the file as a module.
    mkdirSync(join(dir, "elsewhere", "cjs"), { recursive: true });
    writeFileSync(join(dir, "elsewhere", "typed.ts"), typed);
    writeFileSync(join(dir, "elsewhere", "cjs", "package.json"), '{ "type": "commonjs" }\n');
    writeFileSync(join(dir, "elsewhere", "cjs", "typed.ts"), typed);
    writeFileSync(
      join(dir, "elsewhere", "syntax.ts"),
      'import { scenario } from "deltasim";\nexport default scenario({ description: "x", clients: [, runFor: "1s" });\n',
    );
    const [run, cjs, fuzz, syntax] = await Promise.all([
      sim(["run", "elsewhere/typed.ts", "--json"]),
      sim(["run", "elsewhere/cjs/typed.ts", "--json"]),
      // A worker thread loads the file too.
      sim([
        "fuzz",
        "elsewhere/typed.ts",
        "--seeds",
        "2",
        "--workers",
        "1",
        "--json",
        "--out",
        "elsewhere-fuzz",
      ]),
      sim(["run", "elsewhere/syntax.ts"]),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(json(run)).toMatchObject({ scenario: "elsewhere/typed.ts", valid: true });
    expect(cjs.code, cjs.stderr).toBe(0);
    expect(json(cjs).historyHash).toBe(json(run).historyHash);
    expect(fuzz.code, fuzz.stderr).toBe(0);
    expect(json(fuzz)).toMatchObject({ seeds: 2, failures: [] });
    // The first error line: file, line and column (1-based) of the stray ":" and the compiler's words.
    expectInputError(syntax, /^error: elsewhere\/syntax\.ts:2:63: cannot load: Expected "\]" but found ":"$/);
  });
});

describe("bad input: one line on stderr, exit 2", () => {
  it("names the file, flag or value at fault", async () => {
    const cases: Array<[string[], ...(string | RegExp)[]]> = [
      [["replay", "missing.json"], "missing.json", "no such file"],
      [["replay", "malformed.json"], "malformed.json:4:1", "malformed JSON"],
      [["replay", "old-format.json"], "old-format.json", "format", "deltasim-repro/1", "deltasim-repro/0"],
      [["run", "no-such-scenario"], "no-such-scenario", "unknown scenario", "mixed"],
      [["run", "tiny.ts", "--variant", "nope"], "--variant", "nope"],
      [["run", "tiny.ts", "--knob", "noSuchKnob=1"], "--knob", "noSuchKnob"],
      [["run", "tiny.ts", "--knob", "clientDelayUs=fast"], "--knob", "clientDelayUs"],
      [["run", "tiny.ts", "--seed", "x"], "--seed"],
      [["run", "broken.ts"], /broken\.ts:1:\d+: cannot load: Unexpected end of file/],
      [["run", "zero-nodes.ts"], "zero-nodes.ts", "cluster.nodes"],
      [["run", "--bogus"], "unknown option '--bogus'"],
      [["frobnicate"], "unknown command"],
      [["fuzz", "tiny.ts", "--shard", "2/2"], "--shard"],
      [["fuzz", "tiny.ts", "--duration", "soon"], "--duration"],
      [["fuzz", "nope.ts", "--seeds", "1"], "nope.ts", "no such file"],
      [["fuzz", "--variant", "a,nope", "--seeds", "1"], "--variant"],
      [["check", "not-history.edn"], "not-history.edn:1", "not a history"],
      [["check", "bad-line2.edn"], "bad-line2.edn:2"],
      [["check", "g0.edn", "--model", "bogus-model"], "--model", "bogus-model"],
      [["check", "g0.edn", "--format", "xml"], "--format"],
      [["merge", "empty-dir"], "empty-dir", "summary.json"],
      [["report", "empty-dir"], "empty-dir", "no such file"],
    ];
    await expectInputErrors(cases);
  });

  it("names the knob, what it accepts and where a bad value came from", async () => {
    const withKnobs = (knobs: string) =>
      tiny().replace("cluster: { nodes: 3 },", `cluster: { nodes: 3, knobs: ${knobs} },`);
    writeFileSync(join(dir, "bad-knob.ts"), withKnobs(`{ raftTickUs: "fast" }`));
    writeFileSync(join(dir, "unknown-knob.ts"), withKnobs("{ noSuchKnob: 1 }"));
    const repro = JSON.parse(
      readFileSync(
        fileURLToPath(new URL("../scenarios/repros/finding-b12-head.json", import.meta.url)),
        "utf8",
      ),
    ) as { knobs: Record<string, unknown> };
    writeFileSync(
      join(dir, "bad-knob-repro.json"),
      JSON.stringify({ ...repro, knobs: { ...repro.knobs, coordinator: "fast" } }),
    );
    writeFileSync(
      join(dir, "negative-knob-repro.json"),
      JSON.stringify({ ...repro, knobs: { ...repro.knobs, persistDelayUs: -1 } }),
    );
    const cases: Array<[string[], ...(string | RegExp)[]]> = [
      [
        ["run", "tiny.ts", "--knob", "faultSpanUs=0"],
        '--knob faultSpanUs: expected an integer ≥ 1, found "0"',
      ],
      [
        ["run", "tiny.ts", "--knob", "leaderProxy=fast"],
        "--knob leaderProxy: expected one of elastickv, coarse",
      ],
      [
        ["run", "tiny.ts", "--knob", "electionTicks=5", "--knob", "heartbeatTicks=5"],
        "electionTicks",
        "heartbeatTicks",
      ],
      [
        ["fuzz", "tiny.ts", "--seeds", "1", "--knob", "schedPauseChance=2"],
        "--knob schedPauseChance: expected a number from 0 to 1",
      ],
      [
        ["run", "bad-knob.ts"],
        "bad-knob.ts: field 'cluster.knobs.raftTickUs': expected an integer ≥ 1, found \"fast\"",
      ],
      [["run", "unknown-knob.ts"], "unknown-knob.ts: field 'cluster.knobs'", "noSuchKnob"],
      [
        ["replay", "bad-knob-repro.json"],
        "bad-knob-repro.json: field 'knobs.coordinator': expected one of production, demo",
      ],
      [
        ["shrink", "negative-knob-repro.json"],
        "negative-knob-repro.json: field 'knobs.persistDelayUs'",
        "found -1",
      ],
    ];
    await expectInputErrors(cases);
  });
});
