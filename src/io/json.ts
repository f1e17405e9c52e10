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
  const scanner = new JsonScanner(text);
  try {
    scanner.value();
    scanner.ws();
    if (scanner.i < text.length) scanner.fail(`unexpected ${scanner.found()} after the JSON value`);
  } catch (e) {
    if (typeof e === "object" && e !== null && "pos" in e) return e as { pos: number; problem: string };
    throw e;
  }
  // JSON.parse rejected text this scanner accepts: report the start rather than guess.
  return { pos: 0, problem: "not valid JSON" };
}

/**
 * The scanner of `locateJsonError`: a recursive descent over `text` from position `i`, one method
 * per JSON production. The first error is thrown as `{ pos, problem }` and caught there.
 */
class JsonScanner {
  i = 0;
  constructor(private readonly text: string) {}

  fail(problem: string): never {
    throw { pos: this.i, problem };
  }

  found(): string {
    return this.i >= this.text.length ? "end of input" : JSON.stringify(this.text[this.i]);
  }

  ws(): void {
    while (this.i < this.text.length && " \t\n\r".includes(this.text[this.i]!)) this.i++;
  }

  value(): void {
    this.ws();
    const c = this.text[this.i];
    if (c === "{") {
      this.object();
    } else if (c === "[") {
      this.array();
    } else if (c === '"') {
      this.string();
    } else if (c !== undefined && /[-0-9]/.test(c)) {
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.i, this.i + 400));
      if (!m) this.fail(`malformed number`);
      this.i += m![0].length;
    } else {
      for (const lit of ["true", "false", "null"]) {
        if (this.text.startsWith(lit, this.i)) {
          this.i += lit.length;
          return;
        }
      }
      this.fail(`expected a value, found ${this.found()}`);
    }
  }

  private object(): void {
    const { text } = this;
    this.i++;
    this.ws();
    if (text[this.i] === "}") {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (text[this.i] !== '"') this.fail(`expected a property name in double quotes, found ${this.found()}`);
      this.string();
      this.ws();
      if (text[this.i] !== ":") this.fail(`expected ':' after a property name, found ${this.found()}`);
      this.i++;
      this.value();
      this.ws();
      if (text[this.i] === ",") {
        this.i++;
        continue;
      }
      if (text[this.i] === "}") {
        this.i++;
        return;
      }
      this.fail(`expected ',' or '}' in an object, found ${this.found()}`);
    }
  }

  private array(): void {
    const { text } = this;
    this.i++;
    this.ws();
    if (text[this.i] === "]") {
      this.i++;
      return;
    }
    for (;;) {
      this.value();
      this.ws();
      if (text[this.i] === ",") {
        this.i++;
        continue;
      }
      if (text[this.i] === "]") {
        this.i++;
        return;
      }
      this.fail(`expected ',' or ']' in an array, found ${this.found()}`);
    }
  }

  private string(): void {
    const { text } = this;
    this.i++;
    while (this.i < text.length) {
      const ch = text.charCodeAt(this.i);
      if (ch === 34) {
        this.i++;
        return;
      }
      if (ch < 32) this.fail("unescaped control character in a string");
      if (ch === 92) {
        const e = text[this.i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(this.i + 2, this.i + 6))) this.fail("bad \\u escape");
          this.i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail("bad escape in a string");
        this.i += 2;
        continue;
      }
      this.i++;
    }
    this.fail("unterminated string");
  }
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
