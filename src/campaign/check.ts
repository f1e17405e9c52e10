/**
 * `sim check HISTORY`: check an external history (ours, or a real Jepsen `history.edn`).
 * A file that cannot be read or parsed is an input error naming the file and line (exit 2).
 */

import { createReadStream, statSync } from "node:fs";
import { detectFormat, type HistoryFormat, HistoryStreamParser, parseHistory } from "../check/format.ts";
import type { History } from "../check/history.ts";
import {
  checkHistory,
  checkHistoryColumns,
  columnReaderFor,
  countInvocations,
  HistoryParseError,
  HistoryShapeError,
  isKnownModel,
  knownModels,
} from "../check/index.ts";
import { InputError } from "../io/errors.ts";
import { readTextInput } from "../io/repro.ts";
import { TOOL } from "../io/version.ts";
import { type CliIO, exitForVerdict, line, printJson } from "./cli-io.ts";
import { printAnomalies, verdictWord } from "./text.ts";

export interface CheckOptions {
  /** Print every anomaly in full. */
  verbose?: boolean;
  format?: string;
  model?: string;
  json?: boolean;
}

export const DEFAULT_MODEL = "strict-serializable";

/** Client transactions: invoke/completion pairs (nemesis ops are not client operations). */
export function countTxns(history: History): number {
  let n = 0;
  for (const op of history) if (op.type === "invoke" && op.process !== "nemesis") n++;
  return n;
}

export function parseHistoryFile(text: string, file: string, format?: HistoryFormat): History {
  return asInputError(file, () => parseHistory(text, format));
}

/**
 * Reads and parses a history file in chunks (HistoryStreamParser): a history larger than the
 * longest string Node allows (about 512 MiB) still reads, and its text is never held whole.
 */
export async function readHistoryFile(file: string, format?: HistoryFormat): Promise<History> {
  const parser = new HistoryStreamParser(format);
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 8 << 20 }))
      asInputError(file, () => parser.pushBytes(chunk as Buffer));
  } catch (e) {
    if (e instanceof InputError) throw e;
    // The file could not be read: let the whole-file reader name the reason (no such file…).
    await readTextInput(file);
    throw e;
  }
  return asInputError(file, () => parser.end());
}

function asInputError<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof HistoryParseError) {
      const prefix = e.line !== undefined ? `line ${e.line}: ` : "";
      const problem = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
      throw new InputError({
        file,
        ...(e.line !== undefined ? { line: e.line } : {}),
        problem: `not a history: ${problem}`,
      });
    }
    throw new InputError({ file, problem: `not a history: ${e instanceof Error ? e.message : String(e)}` });
  }
}

/**
 * The check as columns (src/check/columns.ts, columnar-check.ts) for a plain EDN list-append
 * history with nothing to report: the verdict and the transaction count, or null when the history
 * needs the general reader and check (which then give the same answer, and the explanations).
 */
export async function checkColumnsOfFile(
  file: string,
  model: string,
  format?: HistoryFormat,
): Promise<{ verdict: ReturnType<typeof checkHistory>; ops: number } | null> {
  let reader: ReturnType<typeof columnReaderFor> | null = null;
  try {
    const size = statSync(file).size;
    for await (const chunk of createReadStream(file, { highWaterMark: 8 << 20 })) {
      // The format from the first bytes, as the general reader detects it.
      reader ??= columnReaderFor(format ?? detectFormat((chunk as Buffer).toString("latin1", 0, 256)), size);
      if (!reader.pushBytes(chunk as Buffer)) return null;
    }
  } catch {
    return null; // unreadable: the general reader names the reason
  }
  if (reader === null) return null;
  const columns = reader.end();
  if (columns === null) return null;
  const verdict = checkHistoryColumns(columns, { model });
  return verdict === null ? null : { verdict, ops: countInvocations(columns) };
}

export async function checkCommand(file: string, opts: CheckOptions, io: CliIO): Promise<number> {
  if (opts.format !== undefined && opts.format !== "edn" && opts.format !== "jsonl") {
    throw new InputError({ file: "--format", expected: "edn or jsonl", found: JSON.stringify(opts.format) });
  }
  const model = opts.model ?? DEFAULT_MODEL;
  if (!isKnownModel(model)) {
    throw new InputError({
      file: "--model",
      found: JSON.stringify(model),
      expected: `a model Elle knows: ${knownModels().join(", ")}`,
    });
  }
  const t0 = performance.now();
  const fast = await checkColumnsOfFile(file, model, opts.format as HistoryFormat | undefined);
  let verdict: ReturnType<typeof checkHistory>;
  let ops: number;
  if (fast !== null) ({ verdict, ops } = fast);
  else {
    const history = await readHistoryFile(file, opts.format as HistoryFormat | undefined);
    try {
      verdict = checkHistory(history, { model });
    } catch (e) {
      // The checker rejects histories whose shape is impossible (a completion without an invoke…).
      if (e instanceof HistoryShapeError)
        throw new InputError({ file, problem: `not a usable history: ${e.message}` });
      throw e;
    }
    ops = countTxns(history);
  }
  const wallMs = Math.round((performance.now() - t0) * 100) / 100;
  const out = {
    tool: TOOL,
    file,
    model,
    ops,
    valid: verdict.valid,
    anomalyTypes: verdict.anomalyTypes,
    anomalies: verdict.anomalies,
    ...(verdict.cycleSearch !== undefined ? { cycleSearch: verdict.cycleSearch } : {}),
    wallMs,
  };
  if (io.json) printJson(io, out);
  else {
    line(io, `${io.c.bold(file)} (${out.ops} transactions, ${model}): ${verdictWord(io, out.valid)}`);
    printAnomalies(io, out, { verbose: opts.verbose });
    line(io, io.c.dim(`  ${wallMs} ms`));
  }
  return exitForVerdict(out.valid);
}
