/**
 * Errors in what a user handed us (a file, a flag's value). The CLI prints `message` on one line and
 * exits 2, so the message alone must say where the problem is and what would have been accepted:
 * `repro.json: field 'format': expected "deltasim-repro/1", found "deltasim-repro/0"`.
 */

export interface InputErrorDetails {
  /** The file (as the user named it) or another source such as `--knob`. */
  file: string;
  /** 1-based line (and column) for syntax errors. */
  line?: number;
  column?: number;
  /** Dotted path of the offending field, e.g. `expected.historyHash` or `tape[3]`. */
  field?: string;
  /** What would have been accepted, e.g. `a string` or `"deltasim-repro/1"`. */
  expected?: string;
  /** What was there instead, already described for people (see `describeValue`). */
  found?: string;
  /** Free text used when expected/found do not fit, e.g. `cannot read: ENOENT`. */
  problem?: string;
}

export class InputError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly field?: string;
  readonly expected?: string;
  readonly found?: string;
  /** The process exit status the CLI uses for input errors (README). */
  readonly exitCode = 2;

  constructor(details: InputErrorDetails) {
    super(formatInputError(details));
    this.name = "InputError";
    this.file = details.file;
    this.line = details.line;
    this.column = details.column;
    this.field = details.field;
    this.expected = details.expected;
    this.found = details.found;
  }
}

export function formatInputError(d: InputErrorDetails): string {
  let where = d.file;
  if (d.line !== undefined) where += `:${d.line}${d.column !== undefined ? `:${d.column}` : ""}`;
  const parts: string[] = [];
  if (d.field !== undefined) parts.push(`field '${d.field}'`);
  const what: string[] = [];
  if (d.expected !== undefined) what.push(`expected ${d.expected}`);
  if (d.found !== undefined) what.push(`found ${d.found}`);
  if (d.problem !== undefined) what.push(d.problem);
  parts.push(what.join(", ") || "invalid");
  // One line, always: a stray newline in a value would otherwise break the CLI's one-line contract.
  return `${where}: ${parts.join(": ")}`.replace(/[\r\n]+/g, " ");
}

/** A short description of a JSON value for error messages: `"abc"`, `12`, `null`, `an array`, `nothing`. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing (the field is missing)";
  if (v === null) return "null";
  if (typeof v === "string") {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}…"` : s;
  }
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.length === 0 ? "an empty array" : `an array of ${v.length}`;
  if (typeof v === "object") return "an object";
  return typeof v;
}

export function isInputError(e: unknown): e is InputError {
  return e instanceof InputError;
}
