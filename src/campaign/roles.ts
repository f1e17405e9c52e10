/**
 * The ops of a (shrunk) failing run by the part they play: those the anomaly names come first, in
 * history order, and everything else the run needed to get there (other clients' ops, final reads,
 * faults) after them, marked as context. Repro files carry this list so that a reader starts with
 * the few ops that matter.
 */
import type { History } from "../check/history.ts";
import type { Evaluation } from "./evaluate.ts";

export interface OpRole {
  /** History index of the op's invocation (of the fault itself for a nemesis op). */
  index: number;
  role: "anomaly" | "context";
  process: number | "nemesis";
  /** The op in words: its micro-ops as completed (or invoked), or the fault and its arguments. */
  text: string;
}

/** Orders the ops of `ev`'s history: the target anomalies' ops first, then the context. */
export function opRoles(ev: Evaluation, target: readonly string[]): OpRole[] {
  const h = ev.history;
  const involved = new Set<number>();
  for (const a of ev.result.anomalies) {
    if (target.length > 0 && !target.includes(a.type)) continue;
    const idx = [...(a.ops ?? []), ...(a.cycle?.steps.flatMap((s) => [s.from, s.to]) ?? [])];
    for (const i of idx) {
      const inv = invokeOf(h, i);
      if (inv !== undefined) involved.add(inv);
    }
  }
  const all: OpRole[] = [];
  const completion = completions(h);
  for (const op of h) {
    if (op.process === "nemesis") {
      all.push({ index: op.index, role: "context", process: "nemesis", text: faultText(op.f, op.value) });
      continue;
    }
    if (op.type !== "invoke") continue;
    const done = completion.get(op.index);
    const shown = done !== undefined ? h[done]! : op;
    const text = `${shown.type === "invoke" ? "invoke" : shown.type} ${mopsText(shown.value)}`;
    all.push({
      index: op.index,
      role: involved.has(op.index) ? "anomaly" : "context",
      process: op.process,
      text,
    });
  }
  return [...all.filter((o) => o.role === "anomaly"), ...all.filter((o) => o.role === "context")];
}

/** The invocation of the op at index `i` (itself when it is one). */
function invokeOf(h: History, i: number): number | undefined {
  const op = h[i];
  if (op === undefined) return undefined;
  if (op.process === "nemesis") return i;
  if (op.type === "invoke") return i;
  for (let j = i - 1; j >= 0; j--) if (h[j]!.process === op.process && h[j]!.type === "invoke") return j;
  return undefined;
}

/** Invocation index → completion index. */
function completions(h: History): Map<number, number> {
  const open = new Map<number | string, number>();
  const out = new Map<number, number>();
  for (const op of h) {
    if (op.process === "nemesis") continue;
    if (op.type === "invoke") open.set(op.process, op.index);
    else {
      const inv = open.get(op.process);
      if (inv !== undefined) out.set(inv, op.index);
      open.delete(op.process);
    }
  }
  return out;
}

function mopsText(v: unknown): string {
  if (!Array.isArray(v)) return JSON.stringify(v);
  return v
    .map((m) =>
      Array.isArray(m) ? `[${m.map((x) => (x === null ? "nil" : JSON.stringify(x))).join(" ")}]` : String(m),
    )
    .join(" ");
}

function faultText(f: string, v: unknown): string {
  return v === null || v === undefined ? `fault ${f}` : `fault ${f} ${JSON.stringify(v)}`;
}
