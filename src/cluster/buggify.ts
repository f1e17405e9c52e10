/**
 * BUGGIFY: in swarm mode each seed may also vary the constants and shapes a tuned scenario never
 * varies — scan limits, compaction thresholds and intervals, the claim scan window, the urgent
 * queue, the coordinator and its Raft timing, key sets, MULTI/EXEC shapes and crash timing —
 * because some bugs hide behind exactly those (a DEL that meets more deltas than one scan page,
 * keys that share a prefix and hold a NUL byte).
 *
 * The wider dimensions (knob `buggifyWider`) add the store's read path, small delta scan pages
 * once more, a client timeout, one hot key per client, MULTI/EXEC of each client's own commands and
 * twice the clients: the shapes under which B19 (a deposed leader's unfenced read) and F3/F4 (a
 * deposed leader's retry that draws the new leader's commitTS) become reachable from a generic
 * workload.
 *
 * Everything is drawn on its own stream ("buggify"), before any other draw of the run, and only
 * when the `buggify` knob is on (default on; off for a run recorded before it existed, so old
 * repros replay unchanged; likewise `buggifyWider`, whose draws come after all the others). Choice 0 of every draw leaves the value as it was, so a shrinker that
 * lowers choices removes the edits. Each drawn value is tagged below as `real` (a value the real
 * store ships or can be configured with) or `stress` (smaller than any deployment would use, to
 * make rare paths common).
 */
import type { Stream } from "../engine/rng.ts";
import { defaultKvKnobs } from "../kv/knobs.ts";
import { defaultRedisKnobs } from "../redis/knobs.ts";
import {
  type ClientSpec,
  DEMO_RAFT_TICKS,
  type FaultSpec,
  type GeneratorSpec,
  type OpKind,
  type Scenario,
} from "../workload/scenario.ts";
import { knobRecord, runKnobs } from "./knob-specs.ts";
import type { AllKnobs } from "./knobs.ts";
import type { KnobSet, KnobValue } from "./types.ts";

/**
 * The defaults of the knobs BUGGIFY may draw (as `fixed` has them). A knob that a scenario, a
 * variant or `--knob` already set is deliberate and is never redrawn.
 */
const DRAWABLE_DEFAULTS: Readonly<Record<string, KnobValue>> = Object.freeze({
  maxDeltaScanLimit: defaultRedisKnobs.maxDeltaScanLimit,
  compactorTickScanLimit: defaultRedisKnobs.compactorTickScanLimit,
  claimGcScanLimit: defaultRedisKnobs.claimGcScanLimit,
  compactionThreshold: defaultRedisKnobs.compactionThreshold,
  compactorIntervalUs: defaultRedisKnobs.compactorIntervalUs,
  claimScanWindow: defaultRedisKnobs.claimScanWindow,
  urgentQueueSize: defaultRedisKnobs.urgentQueueSize,
  coordinator: defaultKvKnobs.coordinator,
  // The production binary's Raft timing (defaultClusterKnobs in ./knobs.ts, which imports this file).
  heartbeatTicks: 20,
  electionTicks: 200,
  clientTimeoutUs: 5_000_000,
  readCallFence: true,
  readProxyToLeader: true,
});

const atDefault = (knobs: KnobSet, k: string) => knobs[k] === DRAWABLE_DEFAULTS[k];

export interface BuggifyKnobs {
  /** Draw BUGGIFY edits per seed in swarm mode. */
  buggify: boolean;
  /**
   * Also draw the wider dimensions (`drawWider`): the read path, small scan pages again, the
   * client timeout, a hot key, MULTI/EXEC in every workload, twice the clients. Off for a run recorded
   * before they existed, whose tape holds none of their draws.
   */
  buggifyWider: boolean;
}

export const defaultBuggifyKnobs: Readonly<BuggifyKnobs> = Object.freeze({
  buggify: true,
  buggifyWider: true,
});

export const buggifyKnobDescriptions: Record<keyof BuggifyKnobs, string> = {
  buggify:
    "swarm mode: each seed may also draw scan limits, compaction settings, claim window, urgent queue, coordinator and Raft timing, key sets, MULTI shapes and quick crash/restarts (src/cluster/buggify.ts)",
  buggifyWider:
    "with buggify: each seed may also draw the read path (unfenced store reads, no read proxy), delta scan pages of 4 or 8 once more, a 0.5–1 s client timeout, one hot key per client, MULTI/EXEC of each client's own commands, and twice the clients",
};

/** What one seed drew: knob overrides and the shape edits, for the run's configuration. */
export interface BuggifyDraw {
  knobs: Record<string, KnobValue>;
  shapes: string[];
}

type Tag = "real" | "stress";
/** One knob's alternatives; index 0 of the draw is "keep the configured value". */
interface KnobChoice {
  knob: string;
  values: Array<[KnobValue, Tag]>;
  /** Still drawn, so that the choice tape keeps its shape for recorded runs, but never applied. */
  retired?: string;
}

const KNOB_CHOICES: KnobChoice[] = [
  {
    // The read limit is also DEL's scan page. 10000 is PR #485's value; 4..16 are stress values
    // that make truncated reads (and urgent compactions) and multi-page DELs common.
    knob: "maxDeltaScanLimit",
    values: [
      [4, "stress"],
      [8, "stress"],
      [16, "stress"],
      [10_000, "real"],
    ],
  },
  {
    // The compactor's page (4096 delta keys in elastickv, a constant there): small pages cut
    // keys at the page end and make the split guard's partial folds common (F5).
    knob: "compactorTickScanLimit",
    values: [
      [1, "stress"],
      [4, "stress"],
      [64, "stress"],
    ],
  },
  {
    knob: "claimGcScanLimit",
    values: [
      [1, "stress"],
      [2, "stress"],
      [4, "stress"],
    ],
  },
  {
    knob: "compactionThreshold",
    values: [
      [2, "stress"],
      [4, "stress"],
      [16, "real"],
    ],
  },
  {
    knob: "compactorIntervalUs",
    values: [
      [50_000, "stress"],
      [500_000, "stress"],
      [5_000_000, "real"],
    ],
  },
  {
    knob: "claimScanWindow",
    values: [
      [1, "stress"],
      [4, "stress"],
      [16, "real"],
    ],
  },
  {
    knob: "urgentQueueSize",
    values: [
      [1, "stress"],
      [4, "stress"],
    ],
  },
];

/** Coordinator shapes: the production binary's timing, or the demo binary's (both real). */
const COORDINATORS: Array<Record<string, KnobValue>> = [
  { coordinator: "demo", ...DEMO_RAFT_TICKS },
  { coordinator: "production", heartbeatTicks: 5, electionTicks: 50 },
];

const LIST_KINDS: Array<Exclude<OpKind, "txn">> = [
  "rpush",
  "lpush",
  "lrange",
  "lpop",
  "rpop",
  "llen",
  "del",
  "exists",
];

/**
 * Key-set styles (all real: Redis keys are binary strings, the empty key included). A style maps
 * a scenario's keys one to one, so keys that were distinct stay distinct.
 */
const KEY_STYLES: Array<{ name: string; keys: string[] }> = [
  {
    name: "shared-prefix-nul",
    keys: ["k", "k\u0000", "k\u0000\u0000", "k\u0001", "kk", "k\u0000k", "k\u00ff", "k\u0000\u0001"],
  },
  { name: "odd-bytes", keys: ["", "\u0000", "\u00ff", " ", "\n", "\u0000\u0000", "a\u0000b", "\u007f"] },
];

export function isBuggifyOn(knobs: Readonly<AllKnobs>, swarm: boolean): boolean {
  return swarm && knobs.buggify === true;
}

/**
 * Draws one seed's edits and returns the scenario and knobs to run with. With BUGGIFY off it
 * draws nothing and returns its inputs unchanged.
 */
export function applyBuggify(
  scenario: Scenario,
  configured: Readonly<AllKnobs>,
  rng: Stream,
  swarm: boolean,
): { scenario: Scenario; knobs: Readonly<AllKnobs>; draw?: BuggifyDraw } {
  if (!isBuggifyOn(configured, swarm)) return { scenario, knobs: configured };
  const draw: BuggifyDraw = { knobs: {}, shapes: [] };
  const knobs = knobRecord(configured);
  const out: KnobSet = { ...knobs };
  // Half the seeds keep every constant: the tuned defaults must stay well covered.
  if (rng.chance(0.5)) {
    for (const c of KNOB_CHOICES) {
      const i = rng.int(c.values.length * 2 + 1);
      // Each knob changes in about one draw in two; 0 and the upper half keep it.
      if (i === 0 || i > c.values.length || !atDefault(knobs, c.knob)) continue;
      const [v, tag] = c.values[i - 1]!;
      out[c.knob] = v;
      draw.knobs[c.knob] = v;
      draw.shapes.push(`${c.knob}=${v} (${tag})`);
    }
    // Urgent compaction must be able to fold what a short read limit cannot read.
    const limit = out.maxDeltaScanLimit as number;
    if ((out.compactionThreshold as number) > limit && draw.knobs.maxDeltaScanLimit !== undefined) {
      out.compactionThreshold = Math.max(1, Math.floor(limit / 2));
      draw.knobs.compactionThreshold = out.compactionThreshold;
      draw.shapes = draw.shapes.filter((x) => !x.startsWith("compactionThreshold="));
      draw.shapes.push(`compactionThreshold=${out.compactionThreshold} (stress, below the read limit)`);
    }
  }
  const coord = rng.int(COORDINATORS.length * 3 + 1);
  const coordAtDefault = ["coordinator", "heartbeatTicks", "electionTicks"].every((k) => atDefault(knobs, k));
  if (coord >= 1 && coord <= COORDINATORS.length && coordAtDefault) {
    for (const [k, v] of Object.entries(COORDINATORS[coord - 1]!)) {
      out[k] = v;
      draw.knobs[k] = v;
    }
    draw.shapes.push(
      `coordinator ${out.coordinator} (${out.heartbeatTicks}/${out.electionTicks} ticks, real)`,
    );
  }

  let s = scenario;
  const style = rng.int(KEY_STYLES.length * 2 + 1);
  if (style >= 1 && style <= KEY_STYLES.length && !s.clients.some((c) => c.script)) {
    const st = KEY_STYLES[style - 1]!;
    const renamed = renameKeys(s, st.keys);
    if (renamed) {
      s = renamed;
      draw.shapes.push(`keys ${st.name} (real)`);
    }
  }
  if (rng.chance(0.3) && s.clients.some((c) => c.generator?.mix.txn)) {
    s = {
      ...s,
      clients: s.clients.map((c) =>
        c.generator?.mix.txn ? { ...c, generator: { ...c.generator, txnKinds: LIST_KINDS } } : c,
      ),
    };
    draw.shapes.push("MULTI/EXEC of every list command (real)");
  }
  const randomFaults = (s.faults ?? []).filter((f) => f.kind === "random");
  if (randomFaults.length > 0 && rng.chance(0.25)) {
    // Crashes that restart within a fraction of the drawn outage: a leader's crash starts an
    // election, and the next crash or restart often lands inside its vote (stress).
    const quick: FaultSpec = {
      kind: "random",
      rates: { "crash-leader": 0.5, crash: 0.5 },
      durationDivisor: 10,
    };
    s = { ...s, faults: [...(s.faults ?? []), quick] };
    draw.shapes.push("quick crash/restart into elections (stress)");
  }
  if (knobs.buggifyWider === true) s = drawWider(s, knobs, out, draw, rng);
  // Every drawn value is one its knob accepts; checking them again keeps the run's knobs typed.
  return { scenario: s, knobs: runKnobs(out), draw };
}

/** Knob draws of the wider dimensions, made after every other draw so that those stay as they were. */
const WIDER_KNOB_CHOICES: KnobChoice[] = [
  {
    // Small delta scan pages once more, for seeds whose first block kept the limit. Retired: on
    // top of the wider draws (a 0.5 s client timeout, reads served off the leader, quick restarts)
    // a page of 4 or 8 made the store refuse writes ("compaction required") beyond the progress
    // bound under `fixed` (queue seed 822 and list-append seed 3352 at b8f58de / 7280219). The
    // first block's small pages stay.
    retired: "small pages with the wider draws starve `fixed` of progress",
    knob: "maxDeltaScanLimit",
    values: [
      [4, "stress"],
      [8, "stress"],
    ],
  },
  {
    // A client's own deadline (real: redis clients are commonly configured with 0.5–1 s), so that
    // clients give up on a cut-off node and move on while a new leader takes over.
    knob: "clientTimeoutUs",
    values: [
      [500_000, "real"],
      [1_000_000, "real"],
    ],
  },
];

/**
 * Read paths: the store's reads not fenced one by one, and also served locally on a node that no
 * longer leads (stress: the read path of a store before per-call fences and the read proxy,
 * docs/model.md; the commands' own fences stay as the variant has them).
 */
const READ_PATHS: Array<{ name: string; knobs: Record<string, KnobValue> }> = [
  { name: "store reads unfenced per call", knobs: { readCallFence: false } },
  {
    name: "store reads unfenced per call and served locally off the leader",
    knobs: { readCallFence: false, readProxyToLeader: false },
  },
];

/**
 * The wider dimensions (knob `buggifyWider`): knobs drawn as in the first block, the read path,
 * and shapes that every default workload can take — one hot key per client, MULTI/EXEC of each
 * client's own commands, and twice the clients. Edits `out` and `draw`; returns the scenario.
 */
function drawWider(s: Scenario, knobs: KnobSet, out: KnobSet, draw: BuggifyDraw, rng: Stream): Scenario {
  for (const c of WIDER_KNOB_CHOICES) {
    const i = rng.int(c.values.length * 3 + 1);
    if (i === 0 || i > c.values.length || !atDefault(out, c.knob) || c.retired !== undefined) continue;
    const [v, tag] = c.values[i - 1]!;
    out[c.knob] = v;
    draw.knobs[c.knob] = v;
    draw.shapes.push(`${c.knob}=${v} (${tag})`);
  }
  const rp = rng.int(READ_PATHS.length * 2 + 3);
  const readPathAtDefault = atDefault(knobs, "readCallFence") && atDefault(knobs, "readProxyToLeader");
  if (rp >= 1 && rp <= READ_PATHS.length && readPathAtDefault) {
    const path = READ_PATHS[rp - 1]!;
    for (const [k, v] of Object.entries(path.knobs)) {
      out[k] = v;
      draw.knobs[k] = v;
    }
    draw.shapes.push(`read path: ${path.name} (stress)`);
  }
  // A small delta scan page already makes writers wait for the compactor; a hot key or twice the
  // writers on top of it makes the store refuse writes ("compaction required") beyond what the
  // progress oracle allows, under `fixed` too. The draws are still made, so the tape keeps its shape.
  const fullPages = (out.maxDeltaScanLimit as number) >= (DRAWABLE_DEFAULTS.maxDeltaScanLimit as number);
  if (rng.int(4) === 1 && fullPages) {
    const hot = hotKeys(s);
    if (hot) {
      s = hot;
      draw.shapes.push("one hot key per client (real)");
    }
  }
  if (rng.int(4) === 1) {
    const multi = multiOfOwnCommands(s);
    if (multi) {
      s = multi;
      draw.shapes.push("MULTI/EXEC of each client's own commands (real)");
    }
  }
  if (rng.int(4) === 1 && fullPages) {
    const twice = twiceTheClients(s);
    if (twice) {
      s = twice;
      draw.shapes.push("twice the clients (real)");
    }
  }
  return s;
}

/**
 * Every generated client works on the first of its keys only: all its traffic meets on one key,
 * as on a hot key (clients that shared a key set still share their key).
 */
function hotKeys(s: Scenario): Scenario | undefined {
  if (!s.clients.some((c) => (c.generator?.keys.length ?? 0) > 1)) return undefined;
  const clients: ClientSpec[] = s.clients.map((c) => {
    const g = c.generator;
    if (!g || g.keys.length < 2) return c;
    const hot = g.keys[0]!;
    const onlyKeys = g.onlyKeys?.map((k) => (g.keys.includes(k) ? hot : k));
    return {
      ...c,
      generator: { ...g, keys: [hot], ...(onlyKeys ? { onlyKeys: [...new Set(onlyKeys)] } : {}) },
    };
  });
  return { ...s, clients };
}

/**
 * A generated client without MULTI/EXEC also wraps two or three of its own commands (lists or
 * hashes, reads and writes alike) in one MULTI/EXEC, as often as its most frequent command.
 */
function multiOfOwnCommands(s: Scenario): Scenario | undefined {
  let changed = false;
  const clients: ClientSpec[] = s.clients.map((c) => {
    const g = c.generator;
    if (!g || g.mix.txn) return c;
    const kinds = (Object.keys(g.mix) as OpKind[]).filter(
      (k): k is Exclude<OpKind, "txn"> => k !== "txn" && (g.mix[k] ?? 0) > 0,
    );
    if (kinds.length === 0) return c;
    changed = true;
    const weight = Math.max(...kinds.map((k) => g.mix[k]!));
    return {
      ...c,
      generator: { ...g, mix: { ...g.mix, txn: weight }, txnKinds: kinds, txnLength: [2, 3] },
    };
  });
  return changed ? { ...s, clients } : undefined;
}

/** Each generated client gets a twin with the same workload (named with a trailing "x"). */
function twiceTheClients(s: Scenario): Scenario | undefined {
  const taken = new Set(s.clients.flatMap((c) => c.names));
  const twins: ClientSpec[] = [];
  for (const c of s.clients) {
    if (!c.generator || c.script) continue;
    const names = c.names.map((n) => `${n}x`);
    if (names.some((n) => taken.has(n))) return undefined;
    twins.push({ ...c, names });
  }
  return twins.length > 0 ? { ...s, clients: [...s.clients, ...twins] } : undefined;
}

/** Maps every generator key of the scenario onto the style's keys, or undefined if there are too many. */
function renameKeys(s: Scenario, names: string[]): Scenario | undefined {
  const all: Array<number | string> = [];
  for (const c of s.clients) for (const k of c.generator?.keys ?? []) if (!all.includes(k)) all.push(k);
  if (all.length > names.length) return undefined;
  const map = new Map(all.map((k, i) => [k, names[i]!]));
  const edit = (g: GeneratorSpec): GeneratorSpec => ({
    ...g,
    keys: g.keys.map((k) => map.get(k)!),
    ...(g.onlyKeys ? { onlyKeys: g.onlyKeys.map((k) => map.get(k) ?? k) } : {}),
  });
  const clients: ClientSpec[] = s.clients.map((c) =>
    c.generator ? { ...c, generator: edit(c.generator) } : c,
  );
  return { ...s, clients };
}
