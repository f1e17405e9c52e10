/**
 * Scenario edits: the part of a shrunk counterexample that is not on the choice tape. A shrunk
 * repro keeps naming its original scenario and records, as plain data, which clients, script
 * steps and faults were removed and how far each generator's op count was lowered. Indices
 * always refer to the original scenario, so the edits read as a diff against the file a person
 * can open ("client 1's steps 0 and 3 removed, fault 2 removed, p1..p3 capped at 4 ops").
 */
import {
  type Duration,
  type FaultSpec,
  type RandomFaultKind,
  type Scenario,
  type ScriptItem,
  toMicros,
} from "../workload/scenario.ts";

export interface ScenarioEdits {
  /** Indices (into the original `clients`) of clients removed. */
  dropClients?: number[];
  /** Per client index: indices of its script items removed. */
  dropSteps?: Record<string, number[]>;
  /**
   * Per client index and removed script step: a pause of this long (µs) and a think time in the
   * step's place, the time the step took in the run it was removed from, so that the steps after
   * it start when they did and draw the same think times.
   */
  holdStepsUs?: Record<string, Record<string, number>>;
  /** Per client index: indices of its process names removed (e.g. p2 of "p0..p4"). */
  dropProcesses?: Record<string, number[]>;
  /** Per client index: the generator's op cap (per process), lowered from the original. */
  maxOps?: Record<string, number>;
  /** Per client index: how many of the generator's leading ops are drawn but not issued. */
  skipOps?: Record<string, number>;
  /**
   * Per client index: indices of generated ops (per process, counting skipped ones) drawn but not
   * issued; the process waits out their think times instead, so the ops around them keep their
   * spacing in time and every later op is unchanged.
   */
  dropOps?: Record<string, number[]>;
  /**
   * Per process (`"<client index>/<index in its names>"`): indices of generated ops drawn but not
   * issued by that process alone, as `dropOps` does for all of a client's processes. A client with
   * any is run as one client per process, in the same order (same node, same streams), so the
   * other processes are unchanged.
   */
  dropProcessOps?: Record<string, number[]>;
  /** Indices (into the original `faults`) of fault specs removed. */
  dropFaults?: number[];
  /** The run's length (µs), lowered from the original `runFor`: fewer random faults, fewer ops. */
  runForUs?: number;
  /**
   * Per random fault spec and kind (`"<spec index>/<kind>"`): arrivals (0-based, in time order)
   * drawn but not injected.
   */
  dropArrivals?: Record<string, number[]>;
  /** Generated ops are issued only when they touch one of these keys (the others are waited out). */
  onlyKeys?: Array<number | string>;
  /**
   * Time compression: think times, script pauses, start delays, scripted fault times and every
   * fault's duration are divided by this. Everything scheduled by the scenario shrinks alike, so
   * the order of scripted events is kept.
   */
  timeDivisor?: number;
  /** Generator ops drawn but not issued are waited out this much longer (µs): see GeneratorSpec.holdUs. */
  holdUs?: number;
  /**
   * Per process name and generated op index: a removed op is waited out this long instead of
   * `holdUs` (µs; see GeneratorSpec.holdOpsUs): the time it took in the run it was removed from.
   */
  holdOpsUs?: Record<string, Record<string, number>>;
  /**
   * Every remaining process stays on the node it talked to in the original scenario. Processes
   * without a `node` are placed by their position over all clients, so without this, removing a
   * client or a process moves every process after it to another node, and the run changes far
   * beyond the ops removed.
   */
  keepNodes?: boolean;
  /** false: the run ends without the final reads of every key it touched (see Scenario.finalReads). */
  finalReads?: boolean;
}

export function hasEdits(e: ScenarioEdits | undefined): boolean {
  if (e === undefined) return false;
  return (
    (e.dropClients?.length ?? 0) > 0 ||
    (e.dropFaults?.length ?? 0) > 0 ||
    Object.values(e.dropSteps ?? {}).some((s) => s.length > 0) ||
    Object.keys(e.holdStepsUs ?? {}).length > 0 ||
    Object.values(e.dropProcesses ?? {}).some((s) => s.length > 0) ||
    Object.keys(e.maxOps ?? {}).length > 0 ||
    Object.keys(e.skipOps ?? {}).length > 0 ||
    Object.values(e.dropOps ?? {}).some((s) => s.length > 0) ||
    Object.values(e.dropProcessOps ?? {}).some((s) => s.length > 0) ||
    e.runForUs !== undefined ||
    Object.values(e.dropArrivals ?? {}).some((s) => s.length > 0) ||
    e.onlyKeys !== undefined ||
    e.finalReads === false ||
    (e.timeDivisor !== undefined && e.timeDivisor !== 1) ||
    (e.holdUs !== undefined && e.holdUs > 0) ||
    Object.keys(e.holdOpsUs ?? {}).length > 0
  );
}

/** Returns a new scenario with `edits` applied; the input is not modified. */
export function applyEdits(s: Scenario, edits: ScenarioEdits | undefined): Scenario {
  if (!hasEdits(edits)) return s;
  const e = edits!;
  const dropClients = new Set(e.dropClients ?? []);
  const dropFaults = new Set(e.dropFaults ?? []);
  const div = e.timeDivisor !== undefined && e.timeDivisor > 1 ? e.timeDivisor : 1;
  const short = (d: Duration): Duration => (div === 1 ? d : `${Math.round(toMicros(d) / div) / 1000}ms`);
  const clients = s.clients.flatMap((c, i) => {
    if (dropClients.has(i)) return [];
    const out = { ...c };
    const steps = e.dropSteps?.[String(i)];
    if (steps && steps.length > 0 && c.script) {
      const drop = new Set(steps);
      const held = e.holdStepsUs?.[String(i)] ?? {};
      out.script = c.script.flatMap((it, j): ScriptItem[] => {
        if (!drop.has(j)) return [it];
        const us = held[String(j)];
        return us !== undefined ? [{ pauseUs: us, think: true }] : [];
      });
    }
    if (div !== 1) {
      if (out.script)
        out.script = out.script.map((it) =>
          Array.isArray(it) ? it : { ...it, pauseUs: Math.round(it.pauseUs / div) },
        );
      if (out.startAt !== undefined) out.startAt = short(out.startAt);
      if (out.generator) {
        const [lo, hi] = out.generator.thinkUs ?? [0, 2000];
        out.generator = { ...out.generator, thinkUs: [Math.round(lo / div), Math.round(hi / div)] };
      }
    }
    if (e.onlyKeys !== undefined && out.generator) out.generator = { ...out.generator, onlyKeys: e.onlyKeys };
    if (e.holdUs !== undefined && e.holdUs > 0 && out.generator)
      out.generator = { ...out.generator, holdUs: Math.round(e.holdUs / div) };
    const holds = c.names.filter((name) => e.holdOpsUs?.[name] !== undefined);
    if (holds.length > 0 && out.generator) {
      const scaled = (m: Record<string, number>) =>
        Object.fromEntries(Object.entries(m).map(([j, us]) => [j, Math.round(us / div)]));
      out.generator = {
        ...out.generator,
        holdOpsUs: Object.fromEntries(holds.map((name) => [name, scaled(e.holdOpsUs![name]!)])),
      };
    }
    const procs = e.dropProcesses?.[String(i)];
    if (procs && procs.length > 0) {
      const drop = new Set(procs);
      out.names = c.names.filter((_, j) => !drop.has(j));
    }
    const cap = e.maxOps?.[String(i)];
    if (cap !== undefined && out.generator) out.generator = { ...out.generator, maxOps: cap };
    const skip = e.skipOps?.[String(i)];
    if (skip !== undefined && out.generator) out.generator = { ...out.generator, skipOps: skip };
    const dropOps = e.dropOps?.[String(i)];
    if (dropOps && dropOps.length > 0 && out.generator) out.generator = { ...out.generator, dropOps };
    return splitByProcess(c, i, out, e.dropProcessOps);
  });
  const placed = e.keepNodes === true ? keepPlacement(s, clients) : clients;
  const faults = s.faults?.flatMap((f, i): FaultSpec[] => {
    if (dropFaults.has(i)) return [];
    if (f.kind === "scripted") {
      if (div === 1) return [f];
      const fault = f.fault.for !== undefined ? { ...f.fault, for: short(f.fault.for) } : f.fault;
      return [{ ...f, at: short(f.at), fault }];
    }
    const skip: Partial<Record<RandomFaultKind, number[]>> = { ...(f.skip ?? {}) };
    for (const [key, arrivals] of Object.entries(e.dropArrivals ?? {})) {
      const [spec, kind] = key.split("/") as [string, RandomFaultKind];
      if (Number(spec) === i) skip[kind] = [...new Set([...(skip[kind] ?? []), ...arrivals])];
    }
    return [
      {
        ...f,
        ...(Object.keys(skip).length > 0 ? { skip } : {}),
        ...(div !== 1 ? { durationDivisor: (f.durationDivisor ?? 1) * div } : {}),
      },
    ];
  });
  const runFor =
    e.runForUs !== undefined ? { runFor: `${e.runForUs / 1000}ms` as const, runForUs: e.runForUs } : {};
  const reads = e.finalReads === false ? { finalReads: false } : {};
  return { ...s, clients: placed, ...(s.faults ? { faults } : {}), ...runFor, ...reads };
}

/**
 * Where original script step `j` of client `ci` sits in the script a run with `edits` runs: the
 * steps removed before it are gone, those held left a pause in their place.
 */
export function runStepIndex(edits: ScenarioEdits, ci: number, j: number): number {
  const held = edits.holdStepsUs?.[String(ci)] ?? {};
  const gone = (edits.dropSteps?.[String(ci)] ?? []).filter((d) => d < j && held[String(d)] === undefined);
  return j - gone.length;
}

/**
 * `clients` (what remains of the original's) with every process pinned to the node the original
 * placed it on; a client whose processes sat on different nodes becomes one client per process,
 * in the same order (same streams, same start), as `splitByProcess` does.
 */
function keepPlacement(s: Scenario, clients: Scenario["clients"]): Scenario["clients"] {
  const n = s.cluster.nodes;
  const home = new Map<string, number>();
  let index = 0;
  for (const c of s.clients) {
    for (const name of c.names) {
      const i = index++;
      home.set(name, c.node ?? i % n);
    }
  }
  return clients.flatMap((c) => {
    if (c.node !== undefined) return [c];
    const nodes = new Set(c.names.map((name) => home.get(name)));
    if (nodes.size === 1) return [{ ...c, node: home.get(c.names[0]!)! }];
    return c.names.map((name) => ({ ...c, names: [name], node: home.get(name)! }));
  });
}

/**
 * A client whose processes drop different ops, as one client per process. Processes are numbered
 * and placed by their position over all clients and draw from streams named after them, so the
 * split runs exactly as the whole client would, except for the ops dropped.
 */
function splitByProcess(
  orig: Scenario["clients"][number],
  ci: number,
  out: Scenario["clients"][number],
  per: Record<string, number[]> | undefined,
): Array<Scenario["clients"][number]> {
  const gen = out.generator;
  if (per === undefined || gen === undefined) return [out];
  const own = (j: number) => per[`${ci}/${j}`] ?? [];
  if (!orig.names.some((_, j) => own(j).length > 0)) return [out];
  return orig.names.flatMap((name, j) => {
    if (!out.names.includes(name)) return [];
    const drops = own(j);
    if (drops.length === 0) return [{ ...out, names: [name] }];
    const dropOps = [...new Set([...(gen.dropOps ?? []), ...drops])].sort((a, b) => a - b);
    return [{ ...out, names: [name], generator: { ...gen, dropOps } }];
  });
}

/**
 * Describes what is wrong with `v` as edits of `s`, or returns null when it is well formed.
 * Repro files are user input, so the edge turns a description into an input error.
 */
export function checkEdits(v: unknown, s: Scenario): string | null {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "expected an object";
  const e = v as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!KNOWN_EDITS.has(k)) return `unknown field '${k}'`;
  const dc = indexList(e.dropClients, s.clients.length, "client");
  if (dc) return `dropClients: ${dc}`;
  if ((e.dropClients as number[] | undefined)?.length === s.clients.length)
    return "dropClients: removes every client";
  const df = indexList(e.dropFaults, s.faults?.length ?? 0, "fault");
  if (df) return `dropFaults: ${df}`;
  return (
    checkScalarEdits(e) ??
    checkHoldOpsUs(e.holdOpsUs, s) ??
    checkHoldStepsUs(e.holdStepsUs, s) ??
    checkKeyedEdits(e, s) ??
    checkPerClientEdits(e, s)
  );
}

const KNOWN_EDITS = new Set([
  "dropClients",
  "dropSteps",
  "dropProcesses",
  "maxOps",
  "skipOps",
  "dropOps",
  "dropProcessOps",
  "dropFaults",
  "runForUs",
  "dropArrivals",
  "onlyKeys",
  "timeDivisor",
  "holdUs",
  "holdOpsUs",
  "holdStepsUs",
  "keepNodes",
  "finalReads",
]);

function indexList(x: unknown, n: number, what: string): string | null {
  if (x === undefined) return null;
  if (!Array.isArray(x) || x.some((i) => !Number.isInteger(i) || i < 0 || i >= n)) {
    return `expected an array of ${what} indices below ${n}`;
  }
  return null;
}

/** The edits that are one number, flag or list each. */
function checkScalarEdits(e: Record<string, unknown>): string | null {
  if (e.runForUs !== undefined && (!Number.isInteger(e.runForUs) || (e.runForUs as number) <= 0))
    return "runForUs: expected a positive integer (µs)";
  if (e.holdUs !== undefined && (!Number.isInteger(e.holdUs) || (e.holdUs as number) < 0))
    return "holdUs: expected a non-negative integer (µs)";
  if (e.finalReads !== undefined && typeof e.finalReads !== "boolean")
    return "finalReads: expected true or false";
  if (e.keepNodes !== undefined && typeof e.keepNodes !== "boolean")
    return "keepNodes: expected true or false";
  if (e.timeDivisor !== undefined && (!Number.isInteger(e.timeDivisor) || (e.timeDivisor as number) < 1))
    return "timeDivisor: expected an integer of at least 1";
  if (
    e.onlyKeys !== undefined &&
    (!Array.isArray(e.onlyKeys) || e.onlyKeys.some((k) => typeof k !== "number" && typeof k !== "string"))
  )
    return "onlyKeys: expected an array of keys (numbers or strings)";
  return null;
}

/** `holdOpsUs`: per process name of a generator client, op index → µs. */
function checkHoldOpsUs(h: unknown, s: Scenario): string | null {
  if (h === undefined) return null;
  if (typeof h !== "object" || h === null || Array.isArray(h)) return "holdOpsUs: expected an object";
  for (const [name, m] of Object.entries(h)) {
    if (!s.clients.some((c) => c.generator !== undefined && c.names.includes(name)))
      return `holdOpsUs.${name}: no process of a generator client is named so`;
    if (typeof m !== "object" || m === null || Array.isArray(m))
      return `holdOpsUs.${name}: expected an object of op index to µs`;
    for (const [j, us] of Object.entries(m as Record<string, unknown>)) {
      if (!/^\d+$/.test(j) || !Number.isInteger(us) || (us as number) < 0)
        return `holdOpsUs.${name}.${j}: expected a non-negative integer (µs) for an op index`;
    }
  }
  return null;
}

/** `holdStepsUs`: per script client index, step index → µs. */
function checkHoldStepsUs(h: unknown, s: Scenario): string | null {
  if (h === undefined) return null;
  if (typeof h !== "object" || h === null || Array.isArray(h)) return "holdStepsUs: expected an object";
  for (const [ci, m] of Object.entries(h)) {
    const c = /^\d+$/.test(ci) ? s.clients[Number(ci)] : undefined;
    if (c?.script === undefined) return `holdStepsUs.${ci}: no script client ${ci} in the scenario`;
    if (typeof m !== "object" || m === null || Array.isArray(m))
      return `holdStepsUs.${ci}: expected an object of step index to µs`;
    for (const [j, us] of Object.entries(m as Record<string, unknown>)) {
      if (!/^\d+$/.test(j) || Number(j) >= c.script.length || !Number.isInteger(us) || (us as number) < 0)
        return `holdStepsUs.${ci}.${j}: expected a non-negative integer (µs) for a script step index`;
    }
  }
  return null;
}

/** `dropArrivals` ("<fault spec>/<kind>") and `dropProcessOps` ("<client>/<process>"). */
function checkKeyedEdits(e: Record<string, unknown>, s: Scenario): string | null {
  if (e.dropArrivals !== undefined) {
    const da = e.dropArrivals;
    if (typeof da !== "object" || da === null || Array.isArray(da)) return "dropArrivals: expected an object";
    for (const [key, x] of Object.entries(da)) {
      const m = /^(\d+)\/(.+)$/.exec(key);
      const f = m ? s.faults?.[Number(m[1])] : undefined;
      if (!m || f?.kind !== "random" || !(m[2]! in f.rates))
        return `dropArrivals.${key}: expected "<random fault spec index>/<kind it draws>"`;
      if (!Array.isArray(x) || x.some((j) => !Number.isInteger(j) || j < 0))
        return `dropArrivals.${key}: expected an array of non-negative arrival indices`;
    }
  }
  if (e.dropProcessOps !== undefined) {
    const dp = e.dropProcessOps;
    if (typeof dp !== "object" || dp === null || Array.isArray(dp))
      return "dropProcessOps: expected an object";
    for (const [key, x] of Object.entries(dp)) {
      const m = /^(\d+)\/(\d+)$/.exec(key);
      const c = m ? s.clients[Number(m[1])] : undefined;
      if (!m || !c?.generator || Number(m[2]) >= c.names.length)
        return `dropProcessOps.${key}: expected "<generator client index>/<process index>"`;
      if (!Array.isArray(x) || x.some((j) => !Number.isInteger(j) || j < 0))
        return `dropProcessOps.${key}: expected an array of non-negative op indices`;
    }
  }
  return null;
}

/** The edits keyed by client index. */
function checkPerClientEdits(e: Record<string, unknown>, s: Scenario): string | null {
  for (const [field, per] of [
    ["dropSteps", e.dropSteps],
    ["dropProcesses", e.dropProcesses],
    ["maxOps", e.maxOps],
    ["skipOps", e.skipOps],
    ["dropOps", e.dropOps],
  ] as const) {
    if (per === undefined) continue;
    if (typeof per !== "object" || per === null || Array.isArray(per)) return `${field}: expected an object`;
    for (const [ci, x] of Object.entries(per)) {
      const c = s.clients[Number(ci)];
      if (!/^\d+$/.test(ci) || c === undefined) return `${field}.${ci}: no client ${ci} in the scenario`;
      if (field === "dropSteps") {
        const bad = indexList(x, c.script?.length ?? 0, "script step");
        if (bad) return `${field}.${ci}: ${bad}`;
      } else if (field === "dropProcesses") {
        const bad = indexList(x, c.names.length, "process name");
        if (bad) return `${field}.${ci}: ${bad}`;
        if ((x as number[]).length >= c.names.length)
          return `${field}.${ci}: removes every process of the client`;
      } else if (field === "dropOps") {
        if (!c.generator || !Array.isArray(x) || x.some((j) => !Number.isInteger(j) || j < 0))
          return `${field}.${ci}: expected an array of non-negative op indices for a generator client`;
      } else if (!Number.isInteger(x) || (x as number) < 0 || !c.generator) {
        return `${field}.${ci}: expected a non-negative integer for a generator client`;
      }
    }
  }
  return null;
}

/** Sizes used to order scenario candidates: every edit makes one of them strictly smaller. */
export function scenarioSize(s: Scenario): {
  clients: number;
  faults: number;
  steps: number;
  cap: number;
  runForUs: number;
} {
  let steps = 0;
  let cap = 0;
  for (const c of s.clients) {
    steps += c.script?.length ?? 0;
    // Generated ops issued: skipped leading ops count towards the cap but are not issued.
    if (c.generator) {
      const { maxOps = Number.POSITIVE_INFINITY, skipOps = 0, dropOps = [] } = c.generator;
      // Dropped ops are not issued either (each counted once, and only below the cap).
      const dropped = new Set(dropOps.filter((j) => j >= skipOps && j < maxOps)).size;
      cap += maxOps - skipOps - dropped;
    }
  }
  return { clients: s.clients.length, faults: s.faults?.length ?? 0, steps, cap, runForUs: s.runForUs };
}

/** Copies edits (the shrinker builds new ones rather than mutating). */
export function cloneEdits(e: ScenarioEdits): ScenarioEdits {
  const out: ScenarioEdits = {};
  if (e.dropClients?.length) out.dropClients = [...e.dropClients].sort((a, b) => a - b);
  if (e.dropFaults?.length) out.dropFaults = [...e.dropFaults].sort((a, b) => a - b);
  // Per-client edits of a removed client no longer mean anything.
  const live = ([k]: [string, unknown]) => !e.dropClients?.includes(Number(k));
  for (const field of ["dropSteps", "dropProcesses", "dropOps"] as const) {
    const per = Object.entries(e[field] ?? {}).filter(([k, v]) => v.length > 0 && live([k, v]));
    if (per.length) {
      out[field] = Object.fromEntries(
        per
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([k, v]) => [k, [...new Set(v)].sort((a, b) => a - b)]),
      );
    }
  }
  for (const field of ["maxOps", "skipOps"] as const) {
    // A skip of 0 is no edit.
    const caps = Object.entries(e[field] ?? {}).filter((kv) => live(kv) && (field === "maxOps" || kv[1] > 0));
    if (caps.length) out[field] = Object.fromEntries(caps.sort(([a], [b]) => Number(a) - Number(b)));
  }
  // Per-process drops of a removed client or process no longer mean anything.
  const perProcess = Object.entries(e.dropProcessOps ?? {}).filter(([k, v]) => {
    const [ci, j] = k.split("/").map(Number) as [number, number];
    return v.length > 0 && !e.dropClients?.includes(ci) && !e.dropProcesses?.[String(ci)]?.includes(j);
  });
  if (perProcess.length) {
    out.dropProcessOps = Object.fromEntries(
      perProcess
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, [...new Set(v)].sort((a, b) => a - b)]),
    );
  }
  // A step's hold means something only while the step is removed.
  const stepHolds = Object.entries(e.holdStepsUs ?? {}).flatMap(
    ([ci, m]): Array<[string, Record<string, number>]> => {
      const dropped = new Set(out.dropSteps?.[ci] ?? []);
      const kept = Object.entries(m)
        .filter(([j]) => dropped.has(Number(j)))
        .sort(([a], [b]) => Number(a) - Number(b));
      return kept.length > 0 ? [[ci, Object.fromEntries(kept)]] : [];
    },
  );
  if (stepHolds.length > 0)
    out.holdStepsUs = Object.fromEntries(stepHolds.sort(([a], [b]) => Number(a) - Number(b)));
  if (e.runForUs !== undefined) out.runForUs = e.runForUs;
  // Placement only matters once a client or process is gone.
  if (e.keepNodes === true && (out.dropClients !== undefined || out.dropProcesses !== undefined))
    out.keepNodes = true;
  if (e.finalReads === false) out.finalReads = false;
  const arrivals = Object.entries(e.dropArrivals ?? {}).filter(([, v]) => v.length > 0);
  if (arrivals.length) {
    out.dropArrivals = Object.fromEntries(
      arrivals
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, [...new Set(v)].sort((a, b) => a - b)]),
    );
  }
  if (e.onlyKeys !== undefined) out.onlyKeys = [...e.onlyKeys];
  if (e.timeDivisor !== undefined && e.timeDivisor > 1) out.timeDivisor = e.timeDivisor;
  if (e.holdUs !== undefined && e.holdUs > 0) out.holdUs = e.holdUs;
  const holds = Object.entries(e.holdOpsUs ?? {}).filter(([, m]) => Object.keys(m).length > 0);
  if (holds.length) {
    out.holdOpsUs = Object.fromEntries(
      holds
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, m]) => [
          name,
          Object.fromEntries(Object.entries(m).sort(([a], [b]) => Number(a) - Number(b))),
        ]),
    );
  }
  return out;
}
