/**
 * Cycles in words, step by step as Elle writes them: name each transaction T1…Tn by its op index
 * and process, then justify every edge, ending with the one that contradicts the rest.
 */

import type { FoundCycle } from "./cycles.ts";
import type { Anomaly, CycleStep, DatatypeAnalysis, EdgeReason } from "./datatype.ts";
import { kindName, PROCESS, REALTIME } from "./graph.ts";
import type { History, Key } from "./history.ts";
import type { Txn } from "./txn.ts";
import { txnLabel } from "./txn.ts";

/** A history time difference (nanoseconds) in the largest unit that keeps it readable. */
function formatNanos(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(0)} µs`;
  return `${ns} ns`;
}

function orderReason(history: History, a: Txn, b: Txn, kind: number): EdgeReason | undefined {
  if (kind === PROCESS)
    return { key: "", text: (an, bn) => `process ${a.process} executed ${an} before ${bn}` };
  if (kind === REALTIME) {
    const inv = b.invokePos >= 0 ? history[b.invokePos] : undefined;
    const done = a.completePos >= 0 ? history[a.completePos] : undefined;
    let gap = "";
    if (inv?.time !== undefined && done?.time !== undefined && inv.time > done.time)
      gap = ` ${formatNanos(inv.time - done.time)}`;
    return {
      key: "",
      text: (an, bn) =>
        `${an} completed at index ${done?.index ?? a.index},${gap} before ${bn} was invoked at index ${inv?.index ?? b.index}`,
    };
  }
  return undefined;
}

/** Turns a found cycle into an anomaly with steps and an explanation. */
export function explainCycle(
  history: History,
  txns: readonly Txn[],
  analyses: readonly DatatypeAnalysis[],
  c: FoundCycle,
): Anomaly {
  const n = c.vertices.length;
  const names = c.vertices.map((_, i) => `T${i + 1}`);
  const steps: CycleStep[] = [];
  const keys: Key[] = [];
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = txns[c.vertices[i]];
    const b = txns[c.vertices[(i + 1) % n]];
    const kind = c.kinds[i];
    let reason: EdgeReason | undefined = orderReason(history, a, b, kind);
    if (reason === undefined)
      for (const an of analyses) {
        reason = an.explain(a, b, kind);
        if (reason !== undefined) break;
      }
    const an = names[i];
    const bn = names[(i + 1) % n];
    const why = reason === undefined ? `${bn} depends on ${an}` : reason.text(an, bn);
    const step: CycleStep = { from: a.index, to: b.index, kind: kindName(kind), why };
    if (reason !== undefined && kind !== PROCESS && kind !== REALTIME) {
      step.key = reason.key;
      if (reason.value !== undefined) step.value = reason.value;
      if (!keys.includes(reason.key)) keys.push(reason.key);
    }
    steps.push(step);
    const sentence = `${an} < ${bn}, because ${why} (${kindName(kind)})`;
    lines.push(i === n - 1 ? `  - However, ${sentence}: a contradiction!` : `  - ${sentence}.`);
  }
  const binding = c.vertices.map((v, i) => `  ${names[i]} = ${txnLabel(txns[v])}`);
  return {
    type: c.type,
    keys,
    cycle: { steps },
    ops: c.vertices.map((v) => txns[v].index),
    explanation: `Let:\n${binding.join("\n")}\n\nThen:\n${lines.join("\n")}`,
  };
}
