/**
 * JSON helpers for the files users hand back to us (repros, summaries): parse errors must name the
 * file, line and column, and written files should stay readable and diff well.
 */
import { InputError } from "./errors.ts";

/** Parses JSON; on a syntax error throws an InputError naming the file, line and column. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // V8's messages give a position only for some errors; find it ourselves so every message does.
    const { pos, problem } = locateJsonError(text);
    const { line, column } = lineColumn(text, pos);
    throw new InputError({ file, line, column, problem: `malformed JSON: ${problem}` });
  }
}

function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: pos - start + 1 };
}

/**
 * A strict JSON scanner used only after JSON.parse has failed, to find where. It reports the first
 * offending character and what was expected there.
 */
export function locateJsonError(text: string): { pos: number; problem: string } {
  let i = 0;
  const fail = (problem: string): never => {
    throw { pos: i, problem };
  };
  const found = (): string => (i >= text.length ? "end of input" : JSON.stringify(text[i]));
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${found()}`);
        string();
        ws();
        if (text[i] !== ":") fail(`expected ':' after a property name, found ${found()}`);
        i++;
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        fail(`expected ',' or '}' in an object, found ${found()}`);
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        fail(`expected ',' or ']' in an array, found ${found()}`);
      }
    } else if (c === '"') {
      string();
    } else if (c !== undefined && /[-0-9]/.test(c)) {
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
      if (!m) fail(`malformed number`);
      i += m![0].length;
    } else {
      for (const lit of ["true", "false", "null"]) {
        if (text.startsWith(lit, i)) {
          i += lit.length;
          return;
        }
      }
      fail(`expected a value, found ${found()}`);
    }
  };
  const string = () => {
    i++;
    while (i < text.length) {
      const ch = text.charCodeAt(i);
      if (ch === 34) {
        i++;
        return;
      }
      if (ch < 32) fail("unescaped control character in a string");
      if (ch === 92) {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("bad \\u escape");
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail("bad escape in a string");
        i += 2;
        continue;
      }
      i++;
    }
    fail("unterminated string");
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${found()} after the JSON value`);
  } catch (e) {
    if (typeof e === "object" && e !== null && "pos" in e) return e as { pos: number; problem: string };
    throw e;
  }
  // JSON.parse rejected text this scanner accepts: report the start rather than guess.
  return { pos: 0, problem: "not valid JSON" };
}

/**
 * Pretty JSON with two-space indentation, except that arrays of scalars stay on one line: a choice
 * tape of 5,000 numbers then costs one line instead of 5,000, and micro-op triples read as triples.
 * Ends with a newline.
 */
export function formatJson(value: unknown): string {
  return `${fmt(value, "")}\n`;
}

function fmt(v: unknown, indent: string): string {
  if (v === null || typeof v !== "object") {
    const s = JSON.stringify(v);
    return s === undefined ? "null" : s;
  }
  const toJSON = (v as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === "function") return fmt(toJSON.call(v), indent);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    if (v.every((x) => x === null || typeof x !== "object")) return JSON.stringify(v);
    return `[\n${v.map((x) => inner + fmt(x, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(
    ([, x]) => x !== undefined && typeof x !== "function",
  );
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${fmt(x, inner)}`).join(",\n")}\n${indent}}`;
}
