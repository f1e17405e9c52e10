/**
 * The anomaly checker: Elle's approach to transactional histories, extended (README).
 *
 * 1. Pair invocations with completions (txn.ts).
 * 2. Route each key to one datatype (keyspace.ts), and let each infer version orders from the
 *    micro-ops on its keys, add ww/wr/rw edges and report the anomalies that need no cycle
 *    (list-append.ts, queue.ts, hash.ts, behind datatype.ts).
 * 3. Add real-time or process edges when the model needs them (order.ts).
 * 4. Find strongly connected components and search them for classified cycles (cycles.ts).
 * 5. Keep what the model makes reportable and give a verdict, as Elle does (models.ts).
 *
 * It knows nothing of the simulator: any history in the format of README will do, including
 * real Jepsen ones.
 */

import { checkColumns, type OrderEdges } from "./columnar-check.ts";
import type { HistoryColumns } from "./columns.ts";
import { type CycleSearchStats, findCycles, summariseCosts } from "./cycles.ts";
import type { AnalysisContext, Anomaly, Datatype, DatatypeAnalysis } from "./datatype.ts";
import { show } from "./datatype.ts";
import { explainCycle } from "./explain.ts";
import { EdgeList, stronglyConnectedComponents, toCsr } from "./graph.ts";
import { hash } from "./hash.ts";
import type { History } from "./history.ts";
import { type Routing, routeKeys } from "./keyspace.ts";
import { listAppend } from "./list-append.ts";
import { withLostAppends } from "./lost-append.ts";
import { compareAnomalies, impossibleModels, prohibitedAnomalies, UNKNOWN_ANOMALIES } from "./models.ts";
import { addProcessEdges, addRealtimeEdges } from "./order.ts";
import { queue } from "./queue.ts";
import { pairTxns, type Txn } from "./txn.ts";

export { countInvocations } from "./columnar-check.ts";
export { ColumnarEdnReader, ColumnarJsonlReader, columnReaderFor, type HistoryColumns } from "./columns.ts";
export type { CycleSearchStats } from "./cycles.ts";
export type { Anomaly, CycleStep, Datatype, EdgeReason } from "./datatype.ts";
export { HistoryParseError, historyToEdn, opToEdn, parseEdnHistory } from "./edn.ts";
export { detectFormat, formatHistory, type HistoryFormat, parseHistory } from "./format.ts";
export type { History, Key, MicroOp, Op } from "./history.ts";
export { historyToJsonl, opToJson, parseJsonlHistory } from "./jsonl.ts";
export { isKnownModel, knownModels } from "./models.ts";
export { HistoryShapeError } from "./txn.ts";

export interface CheckOptions {
  /** A consistency model Elle knows; default strict-serializable (unless `anomalies` is given). */
  model?: string;
  /** Several models at once (all must hold); overrides `model`. */
  models?: string[];
  /** Specific anomalies to look for, with those implying them (Elle's `:anomalies`). */
  anomalies?: string[];
  /** Datatype analyses to run; default list-append (with lost-append), queue and hash. */
  datatypes?: Datatype[];
  /** Work budget (edge visits) per cycle search in one component, like Elle's search timeout. */
  cycleSearchBudget?: number;
}

export type Verdict = true | false | "unknown";

export interface CheckResult {
  valid: Verdict;
  /** Sorted, distinct. */
  anomalyTypes: string[];
  anomalies: Anomaly[];
  stats: { ops: number; txns: number; ok: number; fail: number; info: number };
  /** The models asked for. */
  models: string[];
  /** Models these anomalies rule out (empty when valid). */
  notModels: string[];
  /** The cycle search's cost (absent when the analysis stopped before it). */
  cycleSearch?: CycleSearchStats;
}

/** Each key goes to the first that claims it (keyspace.ts): list-append, queue or hash. */
export const DEFAULT_DATATYPES: readonly Datatype[] = [withLostAppends(listAppend), queue, hash];
/**
 * Path-search budget per search, growing with the component: the reachability pass that decides
 * whether a cycle exists is exact and uncapped, so the budget only bounds the search for the
 * shortest simple cycle (and the rare depth-first fallback).
 */
const defaultBudget = (size: number, edges: number): number => Math.max(5_000_000, 64 * (size + edges));
/** Non-cycle anomalies kept per type; counts beyond are summarised in the last one. */
const MAX_PER_TYPE = 100;

/** Which models to check: explicit ones, else none when only anomalies are asked for, else Elle's default. */
function resolveModels(opts: CheckOptions): string[] {
  if (opts.models !== undefined && opts.models.length > 0) return [...opts.models];
  if (opts.model !== undefined) return [opts.model];
  if (opts.anomalies !== undefined && opts.anomalies.length > 0) return [];
  return ["strict-serializable"];
}

function capPerType(anomalies: Anomaly[]): Anomaly[] {
  const counts = new Map<string, number>();
  for (const a of anomalies) counts.set(a.type, (counts.get(a.type) ?? 0) + 1);
  const seen = new Map<string, number>();
  const out: Anomaly[] = [];
  for (const a of anomalies) {
    const k = (seen.get(a.type) ?? 0) + 1;
    seen.set(a.type, k);
    if (k > MAX_PER_TYPE) continue;
    const total = counts.get(a.type)!;
    if (k === MAX_PER_TYPE && total > MAX_PER_TYPE)
      out.push({
        ...a,
        explanation: `${a.explanation}\n(${total - MAX_PER_TYPE} more ${a.type} anomalies not shown.)`,
      });
    else out.push(a);
  }
  return out;
}

/** Checks a history against a consistency model; see `CheckOptions`. */
export function checkHistory(history: History, opts: CheckOptions = {}): CheckResult {
  const models = resolveModels(opts);
  const prohibited = prohibitedAnomalies(models, opts.anomalies ?? []);
  const reportable = new Set([...prohibited, ...UNKNOWN_ANOMALIES]);
  const pairs = pairTxns(history);
  const { txns } = pairs;
  const datatypes = opts.datatypes ?? DEFAULT_DATATYPES;

  let cycleSearch: CycleSearchStats | undefined;
  const finish = (found: Anomaly[]): CheckResult => {
    const kept = capPerType(found.filter((a) => reportable.has(a.type)));
    kept.sort((a, b) => compareAnomalies(a.type, b.type) || (a.ops?.[0] ?? 0) - (b.ops?.[0] ?? 0));
    const anomalyTypes = [...new Set(kept.map((a) => a.type))].sort();
    const bad = anomalyTypes.filter((t) => prohibited.has(t));
    const valid: Verdict = anomalyTypes.length === 0 ? true : bad.length > 0 ? false : "unknown";
    return {
      valid,
      anomalyTypes,
      anomalies: kept,
      stats: pairs.stats,
      models,
      notModels: bad.length > 0 ? impossibleModels(bad) : [],
      ...(cycleSearch !== undefined ? { cycleSearch } : {}),
    };
  };

  const routes = routeKeys(txns, datatypes);
  const unexpected = unexpectedMicroOps(datatypes, routes);
  if (unexpected !== null) return finish([unexpected]);

  const edges = new EdgeList();
  const realtime = models.length === 0 || [...reportable].some((t) => t.endsWith("-realtime"));
  const ctx: AnalysisContext = { txns, edges, wants: (type) => reportable.has(type), realtime };
  const { analyses, found } = runAnalyses(ctx, datatypes, routes);
  if (found.some((a) => a.type === "duplicate-appends")) return finish(found);

  const order = orderEdges(reportable);
  if (order === "realtime") addRealtimeEdges(pairs, edges);
  else if (order === "process") addProcessEdges(pairs, edges);

  if (edges.count + edges.inertCount === 0) {
    found.push({
      type: "empty-transaction-graph",
      keys: [],
      explanation:
        "No dependency could be inferred between any two transactions (for instance, every transaction's outcome is unknown), so no cycle can be ruled in or out.",
    });
    return finish(found);
  }

  const searched = searchCycles(history, txns, analyses, edges, [...reportable].sort(compareAnomalies), opts);
  cycleSearch = searched.stats;
  found.push(...searched.found);
  return finish(found);
}

/** Real-time edges when a reportable cycle class names real time, else process edges when one names processes. */
function orderEdges(reportable: ReadonlySet<string>): OrderEdges {
  const types = [...reportable].filter((t) => t.endsWith("-realtime") || t.endsWith("-process"));
  if (types.some((t) => t.endsWith("-realtime"))) return "realtime";
  return types.length > 0 ? "process" : "none";
}

/**
 * Checks a list-append history read as columns (columns.ts) when it has nothing to report: the
 * result `checkHistory` gives, or null when the history needs the general check (it has something
 * to report, or options the column check does not take). See columnar-check.ts.
 */
export function checkHistoryColumns(h: HistoryColumns, opts: CheckOptions = {}): CheckResult | null {
  if (opts.datatypes !== undefined && opts.datatypes !== DEFAULT_DATATYPES) return null;
  const models = resolveModels(opts);
  const reportable = new Set([...prohibitedAnomalies(models, opts.anomalies ?? []), ...UNKNOWN_ANOMALIES]);
  return checkColumns(h, models, orderEdges(reportable));
}

/**
 * Micro-ops no datatype understands, or keys that mix datatypes, make the whole analysis
 * unreliable: the anomaly that says so, as Elle does, or null when every micro-op has an owner.
 */
function unexpectedMicroOps(datatypes: readonly Datatype[], routes: Routing): Anomaly | null {
  const owned = new Set(datatypes.flatMap((d) => d.fs));
  // The routing has already seen every micro-op: its set of functions spares another pass over them.
  const strange = new Set<string>();
  for (const f of routes.functions) if (!owned.has(f)) strange.add(String(f));
  if (strange.size > 0)
    return {
      type: "unexpected-txn-micro-op-types",
      keys: [],
      explanation: `The history uses micro-ops no analysis here understands (${[...strange]
        .sort()
        .map((f) => `:${f}`)
        .join(", ")}), so nothing can be concluded.`,
    };
  if (routes.unclaimed.size === 0) return null;
  const [k, fs] = routes.unclaimed.entries().next().value!;
  return {
    type: "unexpected-txn-micro-op-types",
    keys: [...routes.unclaimed.keys()],
    explanation: `Key ${show(k)} sees micro-ops of different datatypes (${fs
      .map((f) => `:${f}`)
      .join(", ")}) that no single analysis here interprets together${
      routes.unclaimed.size > 1 ? ` (and so do ${routes.unclaimed.size - 1} more keys)` : ""
    }, so nothing can be concluded.`,
  };
}

/** Runs each datatype's analysis over the keys it owns; their anomalies, in datatype order. */
function runAnalyses(
  ctx: AnalysisContext,
  datatypes: readonly Datatype[],
  routes: Routing,
): { analyses: DatatypeAnalysis[]; found: Anomaly[] } {
  const { txns } = ctx;
  const analyses: DatatypeAnalysis[] = [];
  const found: Anomaly[] = [];
  for (const d of datatypes) {
    // Each datatype sees only the micro-ops on the keys it owns; its explanations get the same view.
    const view = routes.view(d);
    if (view === null) continue;
    const a = d.analyze(view === txns ? ctx : { ...ctx, txns: view });
    analyses.push(
      view === txns
        ? a
        : { anomalies: a.anomalies, explain: (x, y, kind) => a.explain(view[x.id], view[y.id], kind) },
    );
    found.push(...a.anomalies);
  }
  return { analyses, found };
}

/** Strongly connected components of the graph, searched for classified cycles, explained. */
function searchCycles(
  history: History,
  txns: readonly Txn[],
  analyses: DatatypeAnalysis[],
  edges: EdgeList,
  cycleTypes: string[],
  opts: CheckOptions,
): { found: Anomaly[]; stats: CycleSearchStats } {
  const csr = toCsr(txns.length, edges);
  const sccs = stronglyConnectedComponents(csr);
  const { cycles, timeouts, costs } = findCycles(
    csr,
    sccs,
    cycleTypes,
    opts.cycleSearchBudget ?? defaultBudget,
  );
  const found: Anomaly[] = [];
  for (const c of cycles) found.push(explainCycle(history, txns, analyses, c));
  for (const t of timeouts)
    found.push({
      type: "cycle-search-timeout",
      keys: [],
      ops: t.vertices.slice(0, 20).map((v) => txns[v].index),
      explanation: `Gave up searching a strongly connected component of ${t.size} transactions for ${t.type} after exhausting the search budget; that component has some cycle, but its class is unknown.`,
    });
  return { found, stats: summariseCosts(costs) };
}
