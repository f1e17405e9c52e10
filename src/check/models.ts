/**
 * Consistency models and anomaly names, as Elle relates them (elle.consistency-model): which
 * anomalies imply which, which model proscribes which anomaly, and which model implies which. The
 * checker uses these to decide what to report under a model and in which order to search cycles,
 * so that it names exactly the anomalies Elle names.
 */

type Dag = Record<string, readonly string[]>;

/** a → b: any history exhibiting a also exhibits b. */
const IMPLIED_ANOMALIES: Record<string, string[]> = {
  G0: ["G1c", "G0-process"],
  "G0-process": ["G1c-process", "G0-realtime"],
  "G0-realtime": ["G1c-realtime"],
  G1a: ["G1"],
  G1b: ["G1"],
  G1c: ["G1", "G1c-process"],
  "G1c-process": ["G1c-realtime", "G1-process"],
  "G1c-realtime": ["G1-realtime"],
  G1: ["G1-process"],
  "G1-process": ["G1-realtime"],
  "G-single-item": ["G-single", "G-single-item-process", "G-nonadjacent-item"],
  "G-single-item-process": ["G-single-process", "G-single-item-realtime", "G-nonadjacent-item-process"],
  "G-single-item-realtime": ["G-single-realtime", "G-nonadjacent-item-realtime"],
  "G-single": ["G-nonadjacent", "GSIb", "G-single-process"],
  "G-single-process": ["G-nonadjacent-process", "G-single-realtime"],
  "G-single-realtime": ["G-nonadjacent-realtime"],
  "G-nonadjacent-item": ["G-nonadjacent", "G2-item", "G-nonadjacent-item-process"],
  "G-nonadjacent-item-process": ["G-nonadjacent-process", "G2-item-process", "G-nonadjacent-item-realtime"],
  "G-nonadjacent-item-realtime": ["G2-item-realtime", "G-nonadjacent-realtime"],
  "G-nonadjacent": ["G2", "G-nonadjacent-process"],
  "G-nonadjacent-process": ["G2-process", "G-nonadjacent-realtime"],
  "G-nonadjacent-realtime": ["G2-realtime"],
  G2: ["G2-process"],
  "G2-item": ["G2", "G2-item-process"],
  "G2-item-process": ["G2-process", "G2-item-realtime"],
  "G2-item-realtime": ["G2-realtime"],
  "G2-process": ["G2-realtime"],
  GSIa: ["GSI"],
  GSIb: ["GSI"],
  // Two committed reads that cannot come from one timeline imply a dirty read.
  "incompatible-order": ["G1a"],
  // A transaction observing its own later write is a trivial wr cycle.
  "future-read": ["G1c"],
  "dirty-update": ["G1a"],
  "lost-update": ["write-skew", "G2-item"],
  "write-skew": ["G2"],
};

/** Extra "worse than" order used only to search the most severe cycles first. */
const SEVERITY: Dag = {
  G0: ["G1c"],
  "G0-process": ["G1c-process"],
  "G0-realtime": ["G1c-realtime"],
  G1c: ["G-single", "G2-item"],
  "G1c-process": ["G-single-process", "G2-item-process"],
  "G1c-realtime": ["G-single-realtime", "G2-item-realtime"],
  G2: ["G0-process"],
  "G2-process": ["G0-realtime"],
};

/** Friendly model names → canonical (Adya) names. */
const CANONICAL: Record<string, string> = {
  "consistent-view": "PL-2+",
  "conflict-serializable": "PL-3",
  "cursor-stability": "PL-CS",
  "forward-consistent-view": "PL-FCV",
  "monotonic-snapshot-read": "PL-MSR",
  "monotonic-view": "PL-2L",
  "read-committed": "PL-2",
  "read-uncommitted": "PL-1",
  "repeatable-read": "PL-2.99",
  serializable: "PL-3",
  "snapshot-isolation": "PL-SI",
  "strict-serializable": "PL-SS",
  "strong-serializable": "PL-SS",
  "update-serializable": "PL-3U",
  "strong-session-read-uncommitted": "strong-session-PL-1",
  "strong-session-read-committed": "strong-session-PL-2",
  "strong-read-uncommitted": "strong-PL-1",
  "strong-read-committed": "strong-PL-2",
};

/** a → b: a history satisfying model a satisfies b (friendly names; canonicalised below). */
const MODEL_IMPLIES: Dag = {
  "causal-cerone": ["read-atomic"],
  "consistent-view": ["cursor-stability", "monotonic-view"],
  "conflict-serializable": ["view-serializable"],
  "cursor-stability": ["read-committed", "PL-2"],
  "forward-consistent-view": ["consistent-view"],
  "PL-2": ["PL-1"],
  "PL-3": ["repeatable-read", "update-serializable"],
  "update-serializable": ["forward-consistent-view"],
  "monotonic-atomic-view": ["read-committed"],
  "monotonic-view": ["PL-2"],
  "monotonic-snapshot-read": ["PL-2"],
  "parallel-snapshot-isolation": ["causal-cerone", "update-atomic"],
  prefix: ["causal-cerone"],
  "read-atomic": ["monotonic-atomic-view"],
  "read-committed": ["read-uncommitted"],
  "repeatable-read": ["cursor-stability", "monotonic-atomic-view"],
  "update-atomic": ["read-atomic"],
  serializable: ["repeatable-read", "snapshot-isolation", "view-serializable"],
  "session-serializable": ["1SR"],
  "snapshot-isolation": [
    "forward-consistent-view",
    "monotonic-atomic-view",
    "monotonic-snapshot-read",
    "parallel-snapshot-isolation",
    "prefix",
  ],
  "strict-serializable": [
    "PL-3",
    "serializable",
    "linearizable",
    "snapshot-isolation",
    "strong-snapshot-isolation",
    "strong-session-serializable",
  ],
  "strong-session-PL-1": ["PL-1"],
  "strong-session-PL-2": ["PL-2", "strong-session-PL-1"],
  "strong-PL-1": ["strong-session-PL-1"],
  "strong-PL-2": ["strong-session-PL-2", "strong-PL-1"],
  "strong-session-serializable": ["serializable", "strong-session-snapshot-isolation"],
  "strong-session-snapshot-isolation": ["snapshot-isolation", "strong-session-PL-2"],
  "strong-serializable": ["session-serializable"],
  "strong-snapshot-isolation": ["strong-session-snapshot-isolation", "strong-PL-2"],
  linearizable: ["sequential"],
  sequential: ["causal"],
  causal: ["writes-follow-reads", "PRAM"],
  PRAM: ["monotonic-reads", "monotonic-writes", "read-your-writes"],
};

/** The anomalies each model proscribes directly (weaker models it implies add the rest). */
const PROSCRIBED: Dag = {
  "causal-cerone": ["internal", "G1a"],
  "cursor-stability": ["G1", "G-cursor", "lost-update"],
  "monotonic-view": ["G1", "G-monotonic"],
  "monotonic-snapshot-read": ["G1", "G-MSR"],
  "consistent-view": ["G1", "G-single"],
  "forward-consistent-view": ["G1", "G-SIb"],
  "parallel-snapshot-isolation": ["internal", "G1a"],
  "PL-3": ["G1", "G2", "predicate-read-miss", "PL-3-cycle-exists"],
  "PL-2": ["G1", "PL-2-cycle-exists"],
  "PL-1": ["G0", "duplicate-elements", "cyclic-versions", "PL-1-cycle-exists"],
  prefix: ["internal", "G1a"],
  serializable: ["internal"],
  "snapshot-isolation": ["internal", "G1", "G-SI", "G-nonadjacent", "PL-SI-cycle-exists"],
  "read-atomic": ["internal", "G1a", "future-read"],
  "repeatable-read": ["G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"],
  "update-atomic": ["lost-update"],
  "strict-serializable": ["G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"],
  "strong-session-PL-1": ["strong-session-PL-1-cycle-exists", "G0-process"],
  "strong-session-PL-2": ["strong-session-PL-2-cycle-exists", "G1c-process"],
  "strong-PL-1": ["strong-PL-1-cycle-exists", "G0-realtime"],
  "strong-PL-2": ["strong-PL-2-cycle-exists", "G1c-realtime"],
  "strong-session-snapshot-isolation": [
    "internal",
    "G1-process",
    "G-nonadjacent-process",
    "strong-session-snapshot-isolation-cycle-exists",
  ],
  "strong-snapshot-isolation": [
    "internal",
    "G1-realtime",
    "G-nonadjacent-realtime",
    "strong-snapshot-isolation-cycle-exists",
  ],
  "strong-session-serializable": ["G1-process", "G2-process", "strong-session-serializable-cycle-exists"],
  "update-serializable": ["G1", "G-update"],
};

/**
 * Our own anomaly classes (README), beyond Elle's names. Those that fabricate or garble data
 * are forbidden by every model (attached to read-uncommitted, which every model implies). Those
 * that lose data are judged against real time ("a later read should contain it"): a stale read is
 * legal under serializability and snapshot isolation, so they are treated as implying
 * G-single-item-realtime, the cycle such a stale read forms, and are reported exactly where that is.
 */
export const OWN_ANOMALIES: readonly string[] = [
  "lost-append",
  "lost-element",
  "resurrected-key",
  "duplicate-pop",
  "phantom-element",
  "len-mismatch",
  "fifo-violation",
];
const OWN_REALTIME = ["lost-append", "lost-element", "resurrected-key"];
const OWN_PROSCRIBED_BY_PL1 = OWN_ANOMALIES.filter((a) => !OWN_REALTIME.includes(a));
for (const a of OWN_REALTIME) IMPLIED_ANOMALIES[a] = ["G-single-item-realtime"];

export function canonicalModel(m: string): string {
  return CANONICAL[m] ?? m;
}

function buildGraph(dag: Dag, map: (s: string) => string = (s) => s): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  const node = (v: string) => {
    let s = g.get(v);
    if (s === undefined) {
      s = new Set();
      g.set(v, s);
    }
    return s;
  };
  for (const [a, bs] of Object.entries(dag)) {
    const from = node(map(a));
    for (const b of bs) {
      from.add(map(b));
      node(map(b));
    }
  }
  return g;
}

function reverse(g: Map<string, Set<string>>): Map<string, Set<string>> {
  const r = new Map<string, Set<string>>();
  for (const v of g.keys()) r.set(v, new Set());
  for (const [a, bs] of g) for (const b of bs) r.get(b)!.add(a);
  return r;
}

/** Everything reachable from `start` (inclusive). */
function reach(g: Map<string, Set<string>>, start: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    for (const w of g.get(v) ?? []) stack.push(w);
  }
  return seen;
}

const impliedGraph = buildGraph(IMPLIED_ANOMALIES);
const impliedByGraph = reverse(impliedGraph);
const modelGraph = buildGraph(MODEL_IMPLIES, canonicalModel);
const modelImpliedBy = reverse(modelGraph);
const proscribedGraph = buildGraph(PROSCRIBED, canonicalModel);
proscribedGraph.set("PL-1", new Set([...(proscribedGraph.get("PL-1") ?? []), ...OWN_PROSCRIBED_BY_PL1]));

const KNOWN_MODELS = new Set<string>([
  ...modelGraph.keys(),
  ...Object.keys(CANONICAL),
  ...Object.values(CANONICAL),
  ...Object.keys(MODEL_IMPLIES),
]);

/** Every model name accepted by `checkHistory`'s `model` option (Elle's names). */
export function knownModels(): string[] {
  return [...KNOWN_MODELS].sort();
}

export function isKnownModel(m: string): boolean {
  return KNOWN_MODELS.has(m);
}

/** Anomalies implied by any of `types` (inclusive). */
export function allImpliedAnomalies(types: Iterable<string>): Set<string> {
  return reach(impliedGraph, types);
}

/** Anomalies that would imply any of `types` (inclusive). */
export function allAnomaliesImplying(types: Iterable<string>): Set<string> {
  return reach(impliedByGraph, types);
}

/** The anomalies which, if present, rule out all of `models`. */
export function anomaliesProhibitedBy(models: Iterable<string>): Set<string> {
  const implied = reach(
    modelGraph,
    [...models].map((m) => {
      if (!isKnownModel(m))
        throw new Error(`unknown consistency model "${m}"; known: ${knownModels().join(", ")}`);
      return canonicalModel(m);
    }),
  );
  const direct: string[] = [];
  for (const m of implied) for (const a of proscribedGraph.get(m) ?? []) direct.push(a);
  return allAnomaliesImplying(direct);
}

/** Anomalies that make the verdict unknown rather than false. */
export const UNKNOWN_ANOMALIES: ReadonlySet<string> = new Set([
  "empty-transaction-graph",
  "cycle-search-timeout",
  "duplicate-appends",
  "unexpected-txn-micro-op-types",
]);

/** Anomalies that fail the check under these models and specifically requested anomalies. */
export function prohibitedAnomalies(models: readonly string[], anomalies: readonly string[]): Set<string> {
  const out = anomaliesProhibitedBy(models);
  for (const a of allAnomaliesImplying(anomalies)) out.add(a);
  return out;
}

/** Models that cannot hold given these anomalies (friendly names where one exists). */
export function impossibleModels(anomalies: Iterable<string>): string[] {
  const direct = new Set<string>();
  for (const a of allImpliedAnomalies(anomalies))
    for (const [m, as] of proscribedGraph) if (as.has(a)) direct.add(m);
  const out = reach(modelImpliedBy, direct);
  const friendly = new Map<string, string>();
  for (const [f, c] of Object.entries(CANONICAL)) if (!friendly.has(c)) friendly.set(c, f);
  friendly.set("PL-3", "serializable");
  return [...new Set([...out].map((m) => friendly.get(m) ?? m))].sort();
}

/** Depth of each anomaly in implied ∪ severity: roots 0, their successors 1, … (Kahn levels). */
function anomalyDepths(): Map<string, number> {
  const g = buildGraph(IMPLIED_ANOMALIES);
  for (const [a, bs] of Object.entries(SEVERITY)) {
    if (!g.has(a)) g.set(a, new Set());
    for (const b of bs) {
      g.get(a)!.add(b);
      if (!g.has(b)) g.set(b, new Set());
    }
  }
  const indeg = new Map<string, number>();
  for (const v of g.keys()) indeg.set(v, 0);
  for (const bs of g.values()) for (const b of bs) indeg.set(b, indeg.get(b)! + 1);
  const depth = new Map<string, number>();
  let level = [...g.keys()].filter((v) => indeg.get(v) === 0);
  let d = 0;
  while (level.length > 0) {
    const next: string[] = [];
    for (const v of level) {
      depth.set(v, d);
      for (const w of g.get(v)!) {
        const k = indeg.get(w)! - 1;
        indeg.set(w, k);
        if (k === 0) next.push(w);
      }
    }
    level = next;
    d++;
  }
  return depth;
}

const DEPTHS = anomalyDepths();

/** Orders anomalies as Elle searches them: shallower (more severe) first, then by name. */
export function compareAnomalies(a: string, b: string): number {
  const da = DEPTHS.get(a) ?? -1;
  const db = DEPTHS.get(b) ?? -1;
  if (da !== db) return da - db;
  return a < b ? -1 : a > b ? 1 : 0;
}
