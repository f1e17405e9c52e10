/**
 * Jepsen EDN histories: import from a string, export one op map per line (README).
 *
 * The reader is hand-written rather than built on `edn-data` because measured speed demands it:
 * `edn-data` parses a list-append history at about 10 MB/s, so a 1M-op history (~140 MB) would take
 * ~14 s to parse alone, past the whole checker budget (docs/performance.md). This reader handles the subset
 * that Jepsen op maps use (maps, vectors, lists, sets, keywords, integers, floats, strings, nil,
 * true/false, `#_` discards and `;` comments) in one pass over the string, and hands any top-level
 * form it does not understand (tagged literals, characters, symbols, ratios…) to `edn-data`, so
 * unusual files still load, just more slowly.
 */
import { parseEDNString } from "edn-data";
import type { History, Key, MicroOp, MopValue, Op, OpType } from "./history.ts";
import { newOp } from "./new-op.ts";
import { MopSharer } from "./share.ts";

/** A malformed history file; `line` is 1-based where known. */
export class HistoryParseError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = "HistoryParseError";
  }
}

/** An EDN keyword, interned so that op-map keys compare by identity. */
class Kw {
  constructor(readonly name: string) {}
}
const keywords = new Map<string, Kw>();
function kw(name: string): Kw {
  let k = keywords.get(name);
  if (k === undefined) {
    k = new Kw(name);
    keywords.set(name, k);
  }
  return k;
}

const KW_BUCKETS = 1024;
const kwBuckets: Kw[][] = Array.from({ length: KW_BUCKETS }, () => []);

/** Values the fallback parser can produce that the fast path never does. */
class Sym {
  constructor(readonly name: string) {}
}
class Tagged {
  constructor(
    readonly tag: string,
    readonly value: unknown,
  ) {}
}
/** Thrown by the fast path on syntax it leaves to `edn-data`. */
class Unusual extends Error {}

type Ednish =
  | null
  | boolean
  | number
  | bigint
  | string
  | Kw
  | Sym
  | Tagged
  | Ednish[]
  | Map<unknown, unknown>;

enum Ch {
  Tab = 9,
  Lf = 10,
  Cr = 13,
  Space = 32,
  Quote = 34,
  Hash = 35,
  LParen = 40,
  RParen = 41,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  D0 = 48,
  D9 = 57,
  Colon = 58,
  Semi = 59,
  UpperE = 69,
  UpperM = 77,
  UpperN = 78,
  LBracket = 91,
  Backslash = 92,
  RBracket = 93,
  Underscore = 95,
  LowerE = 101,
  LowerF = 102,
  LowerN = 110,
  LowerT = 116,
  LBrace = 123,
  RBrace = 125,
}

/** Characters that end a token (`isDelimiter`). */
const DELIMITERS = new Uint8Array(128);
for (const c of [
  Ch.Space,
  Ch.Comma,
  Ch.Lf,
  Ch.Cr,
  Ch.Tab,
  Ch.RBracket,
  Ch.RBrace,
  Ch.RParen,
  Ch.LBracket,
  Ch.LBrace,
  Ch.LParen,
  Ch.Quote,
  Ch.Semi,
])
  DELIMITERS[c] = 1;

function isDelimiter(c: number): boolean {
  // charCodeAt past the end is NaN: the end of input delimits too.
  return c < 128 ? DELIMITERS[c] === 1 : Number.isNaN(c);
}

function describeChar(c: number): string {
  if (Number.isNaN(c)) return "end of input";
  return `'${String.fromCharCode(c)}'`;
}

/** Words for a parsed value in an error message: "a vector", "the keyword :foo", … */
function describe(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (v instanceof Kw) return `the keyword :${v.name}`;
  if (v instanceof Sym) return `the symbol ${v.name}`;
  if (v instanceof Tagged) return `a #${v.tag} value`;
  if (Array.isArray(v)) return "a vector";
  if (v instanceof Map) return "a map";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === "number" || typeof v === "bigint") return `the number ${v}`;
  if (typeof v === "boolean") return String(v);
  return typeof v;
}

/**
 * The elements `stack[from .. to)` as a new array. Short ones (micro-ops, most transactions'
 * micro-op lists) are written as array literals: V8 tracks a literal's allocation site, sees that
 * nearly all of a history's arrays live until the check ends, and then allocates them in the old
 * generation directly, instead of copying each one through the young generation first (`slice`
 * has no allocation site of its own). Measured once on a 1M-op history: 94 young-generation
 * collections instead of 100, and about a fifth less time in them.
 */
function closedSeq(stack: Ednish[], from: number, to: number): Ednish[] {
  switch (to - from) {
    case 0:
      return [];
    case 1:
      return [stack[from]];
    case 2:
      return [stack[from], stack[from + 1]];
    case 3:
      return [stack[from], stack[from + 1], stack[from + 2]];
    case 4:
      return [stack[from], stack[from + 1], stack[from + 2], stack[from + 3]];
    default:
      return stack.slice(from, to);
  }
}

/** What `Reader.mapKey` returns at the end of a map. */
const MAP_END = Symbol("map end");

class Reader {
  i = 0;
  line = 1;
  /** Scratch space for the elements of the vectors being read (see `seq`). */
  stack: Ednish[] = [];
  top = 0;
  readonly n: number;
  constructor(readonly s: string) {
    this.n = s.length;
  }

  fail(message: string, line = this.line): never {
    throw new HistoryParseError(message, line);
  }

  /** Skips whitespace, commas, comments and `#_` discarded forms. */
  skipWs(): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === Ch.Space || c === Ch.Comma || c === Ch.Tab || c === Ch.Cr) this.i++;
      else if (c === Ch.Lf) {
        this.i++;
        this.line++;
      } else if (c === Ch.Semi) {
        const eol = s.indexOf("\n", this.i);
        this.i = eol < 0 ? this.n : eol;
      } else if (c === Ch.Hash && s.charCodeAt(this.i + 1) === Ch.Underscore) {
        this.i += 2;
        this.skipWs();
        this.value();
      } else return;
    }
  }

  value(): Ednish {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    switch (c) {
      case Ch.LBracket:
        return this.seq(Ch.RBracket, "vector");
      case Ch.LParen:
        return this.seq(Ch.RParen, "list");
      case Ch.LBrace:
        return this.map();
      case Ch.Quote:
        return this.string();
      case Ch.Colon:
        return this.keyword();
      case Ch.Hash:
        if (s.charCodeAt(this.i + 1) === Ch.LBrace) {
          this.i++;
          return this.seq(Ch.RBrace, "set");
        }
        throw new Unusual();
      case Ch.LowerN:
        return this.literal("nil", null);
      case Ch.LowerT:
        return this.literal("true", true);
      case Ch.LowerF:
        return this.literal("false", false);
      case Ch.RBracket:
      case Ch.RBrace:
      case Ch.RParen:
        return this.fail(`unexpected ${describeChar(c)}`);
      default:
        if (Number.isNaN(c)) return this.fail("unexpected end of input");
        if ((c >= Ch.D0 && c <= Ch.D9) || c === Ch.Minus || c === Ch.Plus) return this.number();
        throw new Unusual();
    }
  }

  /** The word `nil`, `true` or `false` at the reader's position, as `v`; other symbols are unusual. */
  literal<T extends Ednish>(word: string, v: T): T {
    if (!this.s.startsWith(word, this.i) || !isDelimiter(this.s.charCodeAt(this.i + word.length)))
      throw new Unusual();
    this.i += word.length;
    return v;
  }

  /**
   * Reads a keyword without slicing the text: a history repeats a handful of keywords millions of
   * times, so the name is hashed in place and matched against the interned ones.
   */
  keyword(): Kw {
    const s = this.s;
    const from = this.i + 1;
    let j = from;
    let h = 0;
    for (;;) {
      const c = s.charCodeAt(j);
      if (isDelimiter(c)) break;
      h = (Math.imul(h, 31) + c) | 0;
      j++;
    }
    const len = j - from;
    if (len === 0) this.fail("empty keyword");
    this.i = j;
    const bucket = kwBuckets[(h ^ len) & (KW_BUCKETS - 1)];
    for (let b = 0; b < bucket.length; b++) {
      const k = bucket[b];
      if (k.name.length === len && s.startsWith(k.name, from)) return k;
    }
    const k = kw(s.slice(from, j));
    bucket.push(k);
    return k;
  }

  seq(close: number, what: string): Ednish[] {
    const startLine = this.line;
    this.i++;
    // Elements collect on a shared stack and are copied out at the close: an array grown by push
    // keeps spare capacity (17 slots for a 3-element micro-op), which for a 1M-op history costs
    // hundreds of MB and the garbage collector's time.
    const stack = this.stack;
    const base = this.top;
    const s = this.s;
    for (;;) {
      this.skipWs();
      const c = s.charCodeAt(this.i);
      if (c === close) {
        this.i++;
        const out = closedSeq(stack, base, this.top);
        this.top = base;
        return out;
      }
      if (Number.isNaN(c))
        this.fail(`unterminated ${what} (opened on line ${startLine}): found end of input`);
      if (c === Ch.RBracket || c === Ch.RBrace || c === Ch.RParen)
        this.fail(
          `expected '${String.fromCharCode(close)}' to close the ${what} opened on line ${startLine}, found ${describeChar(c)}`,
        );
      const v = this.value();
      stack[this.top++] = v;
    }
  }

  map(): Map<unknown, unknown> {
    const startLine = this.line;
    this.i++;
    const out = new Map<unknown, unknown>();
    for (;;) {
      const k = this.mapKey(startLine);
      if (k === MAP_END) return out;
      out.set(k, this.value());
    }
  }

  /**
   * The next key of a map opened on `startLine`, leaving the reader at its value; MAP_END, past
   * the closing brace, when the map ends. A map cut short or a key without a value is an error.
   */
  mapKey(startLine: number): Ednish | typeof MAP_END {
    const s = this.s;
    this.skipWs();
    let c = s.charCodeAt(this.i);
    if (c === Ch.RBrace) {
      this.i++;
      return MAP_END;
    }
    if (Number.isNaN(c)) this.fail(`unterminated map (opened on line ${startLine}): found end of input`);
    const k = this.value();
    this.skipWs();
    c = s.charCodeAt(this.i);
    if (c === Ch.RBrace || Number.isNaN(c))
      this.fail(`map opened on line ${startLine} has a key with no value`);
    return k;
  }

  string(): string {
    const s = this.s;
    const start = this.i + 1;
    let j = start;
    let escaped = false;
    for (;;) {
      const c = s.charCodeAt(j);
      if (c === Ch.Quote) break;
      if (Number.isNaN(c)) this.fail("unterminated string");
      if (c === Ch.Backslash) {
        escaped = true;
        j += 2;
        continue;
      }
      if (c === Ch.Lf) this.line++;
      j++;
    }
    this.i = j + 1;
    const raw = s.slice(start, j);
    return escaped ? unescapeString(raw, this) : raw;
  }

  number(): number | bigint {
    const s = this.s;
    const start = this.i;
    let j = start;
    let neg = false;
    let c = s.charCodeAt(j);
    if (c === Ch.Minus || c === Ch.Plus) {
      neg = c === Ch.Minus;
      j++;
      c = s.charCodeAt(j);
      if (!(c >= Ch.D0 && c <= Ch.D9)) throw new Unusual(); // a symbol such as `-` or `+foo`
    }
    const digitsFrom = j;
    let v = 0;
    while (c >= Ch.D0 && c <= Ch.D9) {
      v = v * 10 + (c - Ch.D0);
      j++;
      c = s.charCodeAt(j);
    }
    if (c === Ch.Dot || c === Ch.LowerE || c === Ch.UpperE) {
      while (!isDelimiter(s.charCodeAt(j))) j++;
      const text = s.slice(start, s.charCodeAt(j - 1) === Ch.UpperM ? j - 1 : j);
      const f = Number(text);
      if (Number.isNaN(f)) this.fail(`malformed number ${s.slice(start, j)}`);
      this.i = j;
      return f;
    }
    if (c === Ch.UpperN || c === Ch.UpperM) {
      j++;
      c = s.charCodeAt(j);
    } else if (c === Ch.Slash) throw new Unusual(); // ratio
    if (!isDelimiter(c)) {
      if (c >= 65) throw new Unusual(); // e.g. hex 0x10 or radix 2r101
      this.fail(`malformed number ${s.slice(start, j + 1)}`);
    }
    this.i = j;
    if (j - digitsFrom > 15) {
      const big = BigInt(s.slice(digitsFrom, s.charCodeAt(j - 1) >= 65 ? j - 1 : j)) * (neg ? -1n : 1n);
      return Number.isSafeInteger(Number(big)) ? Number(big) : big;
    }
    return neg ? -v : v;
  }

  /** End offset of the form starting at `i`, found by bracket matching alone (for the fallback). */
  formEnd(from: number): number {
    const s = this.s;
    let depth = 0;
    let j = from;
    for (;;) {
      const c = s.charCodeAt(j);
      if (Number.isNaN(c)) return j;
      if (c === Ch.Quote) {
        j++;
        while (j < this.n && s.charCodeAt(j) !== Ch.Quote) j += s.charCodeAt(j) === Ch.Backslash ? 2 : 1;
        j++;
      } else if (c === Ch.Backslash) j += 2;
      else if (c === Ch.Semi) {
        const eol = s.indexOf("\n", j);
        j = eol < 0 ? this.n : eol;
      } else if (c === Ch.LBracket || c === Ch.LBrace || c === Ch.LParen) {
        depth++;
        j++;
      } else if (c === Ch.RBracket || c === Ch.RBrace || c === Ch.RParen) {
        depth--;
        j++;
        if (depth <= 0) return j;
      } else if (depth === 0 && isDelimiter(c) && j > from) return j;
      else j++;
    }
  }
}

function unescapeString(raw: string, r: Reader): string {
  let out = "";
  for (let k = 0; k < raw.length; k++) {
    const c = raw[k];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = raw[++k];
    switch (e) {
      case "n":
        out += "\n";
        break;
      case "t":
        out += "\t";
        break;
      case "r":
        out += "\r";
        break;
      case "b":
        out += "\b";
        break;
      case "f":
        out += "\f";
        break;
      case '"':
      case "\\":
      case "/":
        out += e;
        break;
      case "u": {
        const hex = raw.slice(k + 1, k + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) r.fail(`invalid unicode escape \\u${hex}`);
        out += String.fromCharCode(Number.parseInt(hex, 16));
        k += 4;
        break;
      }
      default:
        r.fail(`invalid string escape \\${e}`);
    }
  }
  return out;
}

/** Converts `edn-data`'s output (with the options used below) to the fast path's representation. */
function fromEdnData(v: unknown): Ednish {
  if (v === null || v === undefined) return null;
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean" || typeof v === "bigint")
    return v;
  if (Array.isArray(v)) return v.map(fromEdnData);
  if (v instanceof Map) {
    const m = new Map<unknown, unknown>();
    for (const [k, x] of v) m.set(fromEdnData(k), fromEdnData(x));
    return m;
  }
  if (v instanceof Set) return [...v].map(fromEdnData);
  if (v instanceof Date) return new Tagged("inst", v.toISOString());
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.key === "string") return kw(o.key);
    if (typeof o.sym === "string") return new Sym(o.sym);
    if (typeof o.char === "string") return o.char;
    if (typeof o.tag === "string") return new Tagged(o.tag, fromEdnData(o.val));
  }
  return String(v);
}

const EDN_DATA_OPTIONS = {
  mapAs: "map",
  setAs: "array",
  listAs: "array",
  keywordAs: "object",
  symbolAs: "object",
  charAs: "string",
} as const;

const OP_TYPES = new Set<string>(["invoke", "ok", "fail", "info"]);
const K_TYPE = kw("type");
const K_F = kw("f");
const K_PROCESS = kw("process");
const K_VALUE = kw("value");
const K_TIME = kw("time");
const K_INDEX = kw("index");
const K_ERROR = kw("error");

/** Parsed fields of one op map before validation. */
interface RawOp {
  type: unknown;
  f: unknown;
  process: unknown;
  value: unknown;
  time: unknown;
  index: unknown;
  error: unknown;
  hasError: boolean;
}

/**
 * The op map being read on the fast path. One object serves every op (`buildOp` copies what it
 * keeps): a fresh one per op was a million short-lived objects per million ops for the garbage
 * collector.
 */
const scratch: RawOp = {
  type: undefined,
  f: undefined,
  process: undefined,
  value: undefined,
  time: undefined,
  index: undefined,
  error: undefined,
  hasError: false,
};

/**
 * Parses an op map at the reader's position with the fast path: keyword keys are dispatched
 * without building a Map, and the raw text of `:error` is kept when it is not a plain string.
 * Returns the shared `scratch` object, valid until the next call.
 */
function readOpMap(r: Reader): RawOp {
  const s = r.s;
  const startLine = r.line;
  r.i++;
  const op = scratch;
  op.type = undefined;
  op.f = undefined;
  op.process = undefined;
  op.value = undefined;
  op.time = undefined;
  op.index = undefined;
  op.error = undefined;
  op.hasError = false;
  for (;;) {
    const key = r.mapKey(startLine);
    if (key === MAP_END) return op;
    if (key === K_ERROR) {
      const from = r.i;
      const v = r.value();
      op.error = typeof v === "string" ? v : s.slice(from, r.i);
      op.hasError = true;
      continue;
    }
    const v = r.value();
    if (key === K_TYPE) op.type = v;
    else if (key === K_F) op.f = v;
    else if (key === K_PROCESS) op.process = v;
    else if (key === K_VALUE) op.value = v;
    else if (key === K_TIME) op.time = v;
    else if (key === K_INDEX) op.index = v;
  }
}

function rawFromMap(m: Map<unknown, unknown>): RawOp {
  const err = m.get(K_ERROR);
  return {
    type: m.get(K_TYPE),
    f: m.get(K_F),
    process: m.get(K_PROCESS),
    value: m.get(K_VALUE),
    time: m.get(K_TIME),
    index: m.get(K_INDEX),
    error: typeof err === "string" ? err : err === undefined ? undefined : ednishToText(err),
    hasError: m.has(K_ERROR),
  };
}

/** The fallback path loses the error's source text; re-render it as EDN. */
function ednishToText(v: unknown): string {
  if (v instanceof Kw) return `:${v.name}`;
  if (v instanceof Sym) return v.name;
  if (v instanceof Tagged) return `#${v.tag} ${ednishToText(v.value)}`;
  if (Array.isArray(v)) return `[${v.map(ednishToText).join(" ")}]`;
  if (v instanceof Map)
    return `{${[...v].map(([k, x]) => `${ednishToText(k)} ${ednishToText(x)}`).join(", ")}}`;
  return toEdnGeneric(v);
}

/** Converts a generic parsed value to plain JS (for nemesis values and hgetall maps). */
function toPlain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Kw) return v.name;
  if (v instanceof Sym) return v.name;
  if (v instanceof Tagged) return toPlain(v.value);
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[String(toPlain(k))] = toPlain(x);
    return o;
  }
  return v;
}

function toKey(v: unknown, line: number): Key {
  if (typeof v === "number" || typeof v === "string") return v;
  if (v instanceof Kw) return v.name;
  if (typeof v === "bigint") return v.toString();
  throw new HistoryParseError(
    `a micro-op key must be an integer, string or keyword, found ${describe(v)}`,
    line,
  );
}

/** Converts a micro-op value in place where possible: lists of integers are by far the common case. */
function toMopValue(v: unknown): MopValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  if (Array.isArray(v)) {
    for (let k = 0; k < v.length; k++) {
      const x = v[k];
      if (typeof x !== "number") v[k] = toMopValue(x);
    }
    return v as MopValue[];
  }
  if (v instanceof Map) {
    const o: { [field: string]: MopValue } = {};
    for (const [k, x] of v) o[String(toPlain(k))] = toMopValue(x);
    return o;
  }
  if (v instanceof Kw) return v.name;
  if (typeof v === "bigint") return v.toString();
  return String(toPlain(v));
}

function toMops(v: unknown, line: number): MicroOp[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v))
    throw new HistoryParseError(
      `a transaction's :value must be a vector of micro-ops, found ${describe(v)}`,
      line,
    );
  for (let k = 0; k < v.length; k++) {
    const m = v[k];
    if (!Array.isArray(m) || m.length < 2 || m.length > 3)
      throw new HistoryParseError(`a micro-op must be a vector [f key value], found ${describe(m)}`, line);
    const f = m[0];
    if (f instanceof Kw) m[0] = f.name;
    else if (typeof f !== "string")
      throw new HistoryParseError(
        `a micro-op's function must be a keyword such as :append, found ${describe(f)}`,
        line,
      );
    m[1] = toKey(m[1], line);
    m[2] = m.length === 3 ? toMopValue(m[2]) : null;
  }
  return v as MicroOp[];
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  return undefined;
}

/** Validates one op; `position` is its place in the history. */
function buildOp(raw: RawOp, position: number, line: number): Op {
  const t = raw.type;
  if (t === undefined)
    throw new HistoryParseError(
      "this map has no :type, so it is not a Jepsen history op (expected {:type :invoke|:ok|:fail|:info, :process …, :value …})",
      line,
    );
  const type = t instanceof Kw ? t.name : typeof t === "string" ? t : undefined;
  if (type === undefined || !OP_TYPES.has(type))
    throw new HistoryParseError(`:type must be :invoke, :ok, :fail or :info, found ${describe(t)}`, line);
  const p = raw.process;
  let process: number | "nemesis";
  if (typeof p === "number" && Number.isInteger(p)) process = p;
  else if (p instanceof Kw || typeof p === "string") process = "nemesis";
  else if (p === undefined)
    throw new HistoryParseError("op has no :process, so it is not a Jepsen history op", line);
  else throw new HistoryParseError(`:process must be an integer or :nemesis, found ${describe(p)}`, line);
  const fv = raw.f;
  const f = fv === undefined || fv === null ? "txn" : fv instanceof Kw ? fv.name : String(toPlain(fv));
  const value = typeof process === "number" ? toMops(raw.value, line) : toPlain(raw.value);
  const indexValue = toNumber(raw.index);
  const error = raw.hasError && raw.error !== undefined && raw.error !== null ? String(raw.error) : undefined;
  return newOp(indexValue ?? position, type as OpType, process, f, value, toNumber(raw.time), error);
}

/**
 * Parses a Jepsen EDN history: one op map per line (or any whitespace between maps), or a single
 * vector/list of op maps. Ops without `:f` are transactions; `:process :nemesis` ops keep their value
 * as plain data; `:error` is kept as text.
 */
export function parseEdnHistory(text: string): History {
  const p = new EdnHistoryParser();
  p.push(text);
  return p.end();
}

/** A form cut by a chunk boundary is retried with more text; one longer than this is an error. */
const MAX_PENDING_FORM = 64 << 20;

/**
 * The EDN history reader fed in pieces (a file read in chunks), so that a history far larger than
 * the longest string the runtime allows can be read, and its text never held whole. Each piece is
 * parsed up to its last newline; an op map cut there is read again once the next piece arrives.
 * The result, and every error with its line, is the same as parsing the whole text at once.
 */
export class EdnHistoryParser {
  private readonly ops: Op[] = [];
  private readonly sharer = new MopSharer();
  private carry = "";
  /** Line number of the first character of `carry`. */
  private line = 1;
  private started = false;
  private wrapped = false;
  private close = 0;
  private openLine = 1;
  private closed = false;
  /** Whether the text being parsed is the last there is. */
  private finalPass = false;

  push(chunk: string): void {
    this.carry += chunk;
    const cut = this.carry.lastIndexOf("\n");
    if (cut < 0) return;
    const rest = this.carry.slice(cut + 1);
    const left = this.drain(this.carry.slice(0, cut + 1), false);
    this.carry = left + rest;
  }

  end(): History {
    this.drain(this.carry, true);
    this.carry = "";
    return this.ops;
  }

  /** Parses the forms complete in `text`; returns the text not yet parsed (a cut form). */
  private drain(text: string, final: boolean): string {
    this.finalPass = final;
    const r = new Reader(text);
    r.line = this.line;
    if (!this.started) {
      r.skipWs();
      const first = text.charCodeAt(r.i);
      if (Number.isNaN(first) && !final) {
        this.line = r.line;
        return "";
      }
      this.started = true;
      this.wrapped = first === Ch.LBracket || first === Ch.LParen;
      this.close = first === Ch.LBracket ? Ch.RBracket : Ch.RParen;
      this.openLine = r.line;
      if (this.wrapped) r.i++;
    }
    for (;;) {
      const line = r.line;
      const start = r.i;
      try {
        if (!this.step(r)) break;
      } catch (e) {
        if (final || r.n - start > MAX_PENDING_FORM) throw e;
        // Cut by the chunk boundary (or broken: then the final pass reports it, at its line).
        this.line = line;
        return text.slice(start);
      }
    }
    this.line = r.line;
    return "";
  }

  /** Reads one op (or the closing of the history vector); false at the end of the text. */
  private step(r: Reader): boolean {
    r.skipWs();
    const text = r.s;
    const c = text.charCodeAt(r.i);
    if (Number.isNaN(c)) {
      if (this.wrapped && !this.closed && this.finalPass)
        r.fail(`unterminated history vector (opened on line ${this.openLine}): found end of input`);
      return false;
    }
    if (this.closed) r.fail(`unexpected ${describeChar(c)} after the history vector closed`);
    if (this.wrapped && c === this.close) {
      r.i++;
      this.closed = true;
      return true;
    }
    const line = r.line;
    const start = r.i;
    r.top = 0;
    let raw: RawOp;
    try {
      if (c !== Ch.LBrace) {
        const v = r.value();
        r.fail(`expected an op map {:type …, :process …, :value …}, found ${describe(v)}`, line);
      }
      raw = readOpMap(r);
    } catch (e) {
      if (!(e instanceof Unusual)) throw e;
      raw = readWithFallback(r, start, line);
    }
    const op = buildOp(raw, this.ops.length, line);
    this.sharer.share(op);
    this.ops.push(op);
    return true;
  }
}

function readWithFallback(r: Reader, start: number, line: number): RawOp {
  const end = r.formEnd(start);
  const slice = r.s.slice(start, end);
  let parsed: unknown;
  try {
    parsed = parseEDNString(slice, EDN_DATA_OPTIONS as never);
  } catch (e) {
    throw new HistoryParseError(`not valid EDN: ${(e as Error).message}`, line);
  }
  for (let k = 0; k < slice.length; k++) if (slice.charCodeAt(k) === Ch.Lf) r.line++;
  r.i = end;
  const v = fromEdnData(parsed);
  if (!(v instanceof Map))
    throw new HistoryParseError(
      `expected an op map {:type …, :process …, :value …}, found ${describe(v)}`,
      line,
    );
  return rawFromMap(v);
}

// ---------------------------------------------------------------------------------------------
// Export

const KEYWORD_RE = /^[A-Za-z*+!_?<>=][A-Za-z0-9*+!_?<>=.\-/]*$/;

/** An EDN string literal; bytes outside printable ASCII are written `\uXXXX` so files stay ASCII. */
export function ednString(s: string): string {
  let out = '"';
  let from = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0x20 && c < 0x7f && c !== Ch.Quote && c !== Ch.Backslash) continue;
    out += s.slice(from, k);
    from = k + 1;
    if (c === Ch.Quote) out += '\\"';
    else if (c === Ch.Backslash) out += "\\\\";
    else if (c === Ch.Lf) out += "\\n";
    else if (c === Ch.Tab) out += "\\t";
    else if (c === Ch.Cr) out += "\\r";
    else out += `\\u${c.toString(16).padStart(4, "0")}`;
  }
  return `${out + s.slice(from)}"`;
}

function ednName(name: string): string {
  return KEYWORD_RE.test(name) ? `:${name}` : ednString(name);
}

function ednMapKey(k: string): string {
  return /^-?\d+$/.test(k) && Number.isSafeInteger(Number(k)) ? k : ednString(k);
}

/** Renders plain JS data as EDN (strings stay strings; objects become maps). */
export function toEdnGeneric(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "nil";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "string") return ednString(v);
  if (typeof v === "bigint") return `${v}N`;
  if (Array.isArray(v)) return `[${v.map(toEdnGeneric).join(" ")}]`;
  if (typeof v === "object") {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      parts.push(`${ednMapKey(k)} ${toEdnGeneric(x)}`);
    return `{${parts.join(", ")}}`;
  }
  return ednString(String(v));
}

function mopToEdn(m: MicroOp): string {
  const [f, k, v] = m;
  return `[${ednName(String(f))} ${typeof k === "number" ? k : ednString(k)} ${toEdnGeneric(v)}]`;
}

/** One op as an EDN map on one line, fields in Jepsen's usual order (README). */
export function opToEdn(op: Op): string {
  const value =
    typeof op.process === "number" && Array.isArray(op.value)
      ? `[${(op.value as MicroOp[]).map(mopToEdn).join(" ")}]`
      : toEdnGeneric(op.value);
  let out = `{:type :${op.type}, :f ${ednName(op.f)}, :value ${value}, :process ${
    op.process === "nemesis" ? ":nemesis" : op.process
  }`;
  if (op.time !== undefined) out += `, :time ${op.time}`;
  out += `, :index ${op.index}`;
  if (op.error !== undefined) out += `, :error ${ednString(op.error)}`;
  return `${out}}`;
}

/** A history as EDN, one op map per line. */
export function historyToEdn(history: History): string {
  const lines: string[] = new Array(history.length);
  for (let k = 0; k < history.length; k++) lines[k] = opToEdn(history[k]);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
