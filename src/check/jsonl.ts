/**
 * JSONL histories: one JSON object per line with the same fields as the EDN op maps
 * (`index`, `type`, `process`, `f`, `value`, `time`, `error`); `process` is a number or "nemesis".
 */
import { HistoryParseError } from "./edn.ts";
import type { History, MicroOp, Op, OpType } from "./history.ts";
import { newOp } from "./new-op.ts";
import { MopSharer } from "./share.ts";

const OP_TYPES = new Set<string>(["invoke", "ok", "fail", "info"]);

function describeJson(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}

function checkMops(v: unknown, line: number): MicroOp[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v))
    throw new HistoryParseError(
      `a transaction's "value" must be an array of micro-ops, found ${describeJson(v)}`,
      line,
    );
  for (const m of v) {
    if (!Array.isArray(m) || m.length < 2 || m.length > 3 || typeof m[0] !== "string")
      throw new HistoryParseError(
        `a micro-op must be an array [f, key, value], found ${JSON.stringify(m)}`,
        line,
      );
    if (typeof m[1] !== "number" && typeof m[1] !== "string")
      throw new HistoryParseError(
        `a micro-op key must be a number or string, found ${describeJson(m[1])}`,
        line,
      );
    if (m.length === 2) m.push(null);
  }
  return v as MicroOp[];
}

/** Parses one JSONL line into an op; `position` is its place in the history. */
function jsonToOp(o: unknown, position: number, line: number): Op {
  if (o === null || typeof o !== "object" || Array.isArray(o))
    throw new HistoryParseError(`expected an op object, found ${describeJson(o)}`, line);
  const r = o as Record<string, unknown>;
  if (r.type === undefined)
    throw new HistoryParseError('this object has no "type", so it is not a history op', line);
  if (typeof r.type !== "string" || !OP_TYPES.has(r.type))
    throw new HistoryParseError(
      `"type" must be invoke, ok, fail or info, found ${describeJson(r.type)}`,
      line,
    );
  let process: number | "nemesis";
  if (typeof r.process === "number" && Number.isInteger(r.process)) process = r.process;
  else if (typeof r.process === "string") process = "nemesis";
  else if (r.process === undefined) throw new HistoryParseError('op has no "process"', line);
  else
    throw new HistoryParseError(
      `"process" must be an integer or "nemesis", found ${describeJson(r.process)}`,
      line,
    );
  const f = typeof r.f === "string" ? r.f : r.f === undefined || r.f === null ? "txn" : String(r.f);
  const value = typeof process === "number" ? checkMops(r.value, line) : r.value;
  const error =
    r.error === undefined || r.error === null
      ? undefined
      : typeof r.error === "string"
        ? r.error
        : JSON.stringify(r.error);
  return newOp(
    typeof r.index === "number" ? r.index : position,
    r.type as OpType,
    process,
    f,
    value,
    typeof r.time === "number" ? r.time : undefined,
    error,
  );
}

/** Parses a JSONL history (blank lines are skipped). */
export function parseJsonlHistory(text: string): History {
  const p = new JsonlHistoryParser();
  p.push(text);
  return p.end();
}

/** The JSONL history reader fed in pieces (see EdnHistoryParser): lines cut by a piece wait for the next. */
export class JsonlHistoryParser {
  private readonly ops: Op[] = [];
  private readonly sharer = new MopSharer();
  private carry = "";
  private line = 0;

  push(chunk: string): void {
    this.carry += chunk;
    const cut = this.carry.lastIndexOf("\n");
    if (cut < 0) return;
    const text = this.carry;
    this.carry = text.slice(cut + 1);
    this.lines(text, cut);
  }

  end(): History {
    this.lines(this.carry, this.carry.length);
    this.carry = "";
    return this.ops;
  }

  /** Parses the lines of text[0, n). */
  private lines(text: string, n: number): void {
    let from = 0;
    while (from < n) {
      let eol = text.indexOf("\n", from);
      if (eol < 0 || eol > n) eol = n;
      this.line++;
      const s = text.slice(from, eol);
      from = eol + 1;
      if (s.trim() === "") continue;
      let o: unknown;
      try {
        o = JSON.parse(s);
      } catch (e) {
        throw new HistoryParseError(`not valid JSON: ${(e as Error).message}`, this.line);
      }
      const op = jsonToOp(o, this.ops.length, this.line);
      this.sharer.share(op);
      this.ops.push(op);
    }
  }
}

/** One op as a JSON line (no trailing newline). */
export function opToJson(op: Op): string {
  const o: Record<string, unknown> = {
    index: op.index,
    type: op.type,
    process: op.process,
    f: op.f,
    value: op.value,
  };
  if (op.time !== undefined) o.time = op.time;
  if (op.error !== undefined) o.error = op.error;
  return JSON.stringify(o);
}

/** A history as JSONL, one op per line. */
export function historyToJsonl(history: History): string {
  const lines: string[] = new Array(history.length);
  for (let k = 0; k < history.length; k++) lines[k] = opToJson(history[k]);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
