/**
 * A list-append history as columns of typed arrays, read straight from EDN or JSONL bytes: one row
 * per op (type, process, its micro-ops' range), one row per micro-op (function, key, value), and
 * every read list as a range of one element array. No object is made per op or per micro-op, so a
 * 1M-op history costs tens of bytes per micro-op instead of hundreds, and the garbage collector
 * has next to nothing to copy (docs/performance.md, "The checker at 1M and 10M ops").
 *
 * The readers take only the plain shape nearly every list-append history has: one op map (or JSON
 * object) after another, not wrapped in a vector, with keyword (or JSON string) keys, `append` and
 * `r` micro-ops on non-negative integer keys with non-negative integer elements, and nothing the
 * general readers (edn.ts, jsonl.ts) would reject or read differently. On anything else — another
 * datatype, a comment, a keyword or string key, a float, an escape the general reader might decode
 * differently, a form cut off at the end — they give up, and the caller reads the history the
 * general way instead: giving up is never wrong, only slower.
 */

/** Op types, as stored in `opType`. */
export const INVOKE = 0;
export const OK = 1;
export const FAIL = 2;
export const INFO = 3;
/** Micro-op functions, as stored in `mopF`. */
export const APPEND = 0;
export const READ = 1;
/** `opProcess` of a nemesis op (a keyword or string process). */
export const NEMESIS = -1;
/** `mopVal` of a read of nil. */
export const NIL_READ = -1;

/** A column reader for the format a history's first bytes show (as format.ts detects it). */
export function columnReaderFor(
  format: "edn" | "jsonl",
  sizeHint = 0,
): ColumnarEdnReader | ColumnarJsonlReader {
  return format === "jsonl" ? new ColumnarJsonlReader(sizeHint) : new ColumnarEdnReader(sizeHint);
}

export interface HistoryColumns {
  opCount: number;
  /** INVOKE, OK, FAIL or INFO. */
  opType: Uint8Array;
  /** A client's process number, or NEMESIS. */
  opProcess: Int32Array;
  /** Op i's micro-ops are `opMopFrom[i] .. opMopFrom[i + 1]` (nemesis ops have none). */
  opMopFrom: Int32Array;
  mopCount: number;
  /** APPEND or READ. */
  mopF: Uint8Array;
  mopKey: Int32Array;
  /** An append's element, or a read's number (NIL_READ for nil): its list is `elems[readFrom[r] .. readFrom[r + 1]]`. */
  mopVal: Int32Array;
  readCount: number;
  readFrom: Int32Array;
  elems: Int32Array;
}

/** Thrown inside the reader: the text is not of the plain shape (see the module comment). */
class GiveUp extends Error {}
/** Thrown inside the reader: the form runs past the bytes read so far. */
class NeedMore extends Error {}
const GIVE_UP = new GiveUp();
const NEED_MORE = new NeedMore();

const SPACE = 32;
const COMMA = 44;
const TAB = 9;
const LF = 10;
const CR = 13;
const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const LPAREN = 40;
const RPAREN = 41;
const HASH = 35;
const MINUS = 45;
const D0 = 48;
const D9 = 57;

/** Characters that end a keyword or number, as in the general reader. */
const DELIMITER = new Uint8Array(128);
for (const c of [SPACE, COMMA, TAB, LF, CR, QUOTE, 59, LBRACE, RBRACE, LBRACKET, RBRACKET, LPAREN, RPAREN])
  DELIMITER[c] = 1;
/** Characters a keyword name may hold here (letters, digits and `*+!_?<>=.-/`). */
const NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++)
  if (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= D0 && c <= D9) ||
    "*+!_?<>=.-/".includes(String.fromCharCode(c))
  )
    NAME[c] = 1;

/** Characters after a backslash in a string that the general reader accepts: n t r b f " \\ /. */
const ESCAPED = new Uint8Array(256);
for (const c of 'ntrbf"\\/') ESCAPED[c.charCodeAt(0)] = 1;

/** Op-map keys and keyword values the reader tells apart, by name. */
const WORDS = [
  "type",
  "process",
  "value",
  "invoke",
  "ok",
  "fail",
  "info",
  "append",
  "r",
  "nil",
  "true",
  "false",
];
const W_TYPE = 0;
const W_PROCESS = 1;
const W_VALUE = 2;
const W_INVOKE = 3;
const W_APPEND = 7;
const W_R = 8;
const W_NIL = 9;
const WORD_BYTES = WORDS.map((w) => Buffer.from(w, "latin1"));

/** The index in `words` of the bytes `b[from .. to]`, or -1. */
function wordIndex(words: Buffer[], b: Uint8Array, from: number, to: number): number {
  const len = to - from;
  for (let w = 0; w < words.length; w++) {
    const wb = words[w];
    if (wb.length !== len) continue;
    let k = 0;
    while (k < len && wb[k] === b[from + k]) k++;
    if (k === len) return w;
  }
  return -1;
}

/** Growable typed columns: doubled when full (each growth is one copy, no garbage per row). */
function grow<T extends Uint8Array | Int32Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = a.length * 2;
  while (n < need) n *= 2;
  const b = new (a.constructor as { new (n: number): T })(n);
  b.set(a);
  return b;
}

/**
 * Reads bytes in pieces into columns (the format's grammar is the subclass's). `pushBytes` returns
 * false once the reader has given up (the caller then stops feeding it); `end` returns the
 * columns, or null when it gave up.
 */
abstract class ColumnReader {
  private opType = new Uint8Array(1 << 16);
  private opProcess = new Int32Array(1 << 16);
  private opMopFrom = new Int32Array(1 << 16);
  protected mopF = new Uint8Array(1 << 16);
  protected mopKey = new Int32Array(1 << 16);
  protected mopVal = new Int32Array(1 << 16);
  protected readFrom = new Int32Array(1 << 16);
  protected elems = new Int32Array(1 << 16);
  private opCount = 0;
  protected mopCount = 0;
  protected readCount = 0;
  protected elemCount = 0;
  private carry: Uint8Array | null = null;
  private gaveUp = false;
  // The piece being read.
  protected b: Uint8Array = new Uint8Array(0);
  protected i = 0;

  /** `sizeHint`: the file's length in bytes, if known; the columns start near the size it implies. */
  constructor(sizeHint = 0) {
    // About 135 bytes of EDN, 2.5 micro-ops and 6.5 read elements per op in the bench's list-append
    // histories; a generous first guess saves the doublings (too small only costs a copy).
    const ops = Math.max(1 << 12, Math.ceil(sizeHint / 100));
    this.opType = new Uint8Array(ops);
    this.opProcess = new Int32Array(ops);
    this.opMopFrom = new Int32Array(ops + 1);
    this.mopF = new Uint8Array(ops * 2);
    this.mopKey = new Int32Array(ops * 2);
    this.mopVal = new Int32Array(ops * 2);
    this.readFrom = new Int32Array(ops + 1);
    this.elems = new Int32Array(ops * 6);
  }

  pushBytes(bytes: Uint8Array): boolean {
    if (this.gaveUp) return false;
    let b = bytes;
    if (this.carry !== null) {
      b = new Uint8Array(this.carry.length + bytes.length);
      b.set(this.carry);
      b.set(bytes, this.carry.length);
    }
    this.carry = null;
    const from = this.readOps(b, false);
    if (from >= 0 && from < b.length) this.carry = Uint8Array.prototype.slice.call(b, from);
    return !this.gaveUp;
  }

  end(): HistoryColumns | null {
    if (!this.gaveUp && this.carry !== null) this.readOps(this.carry, true);
    this.carry = null;
    if (this.gaveUp || this.opCount === 0) return null;
    this.readFrom = grow(this.readFrom, this.readCount + 1);
    this.readFrom[this.readCount] = this.elemCount;
    this.opMopFrom[this.opCount] = this.mopCount;
    return {
      opCount: this.opCount,
      opType: this.opType,
      opProcess: this.opProcess,
      opMopFrom: this.opMopFrom,
      mopCount: this.mopCount,
      mopF: this.mopF,
      mopKey: this.mopKey,
      mopVal: this.mopVal,
      readCount: this.readCount,
      readFrom: this.readFrom,
      elems: this.elems,
    };
  }

  /** Reads whole op maps from `b`; returns where the first incomplete one starts (-1: gave up). */
  private readOps(b: Uint8Array, final: boolean): number {
    this.b = b;
    this.i = 0;
    this.final = final;
    let start = 0;
    try {
      for (;;) {
        start = this.i;
        if (!this.skipWs()) return b.length;
        this.op();
      }
    } catch (e) {
      if (e === NEED_MORE && !final) {
        return start;
      }
      if (e !== GIVE_UP && e !== NEED_MORE) throw e;
      this.gaveUp = true;
      return -1;
    }
  }

  /** Whether the piece being read is the last. */
  protected final = false;

  // The op being read: where its rows start, and what its fields have said so far.
  private opMopsAt = 0;
  private opReadsAt = 0;
  private opElemsAt = 0;
  private opTypeRead = -1;
  private opProcessRead = -2;
  private opHasValue = false;
  /** False once a client op's value turned out not to be micro-ops. */
  private opValueIsMops = true;

  /** Skips the format's whitespace; false at the end of the piece. */
  protected abstract skipWs(): boolean;
  /** Reads an op's fields, after its `{` up to and including its `}`, through the field readers below. */
  protected abstract fields(): void;
  /** Reads what must follow an op (nothing, unless the format says otherwise). */
  protected afterOp(): void {}
  /** A keyword or string process at the position (a nemesis op's), skipped; anything else gives up. */
  protected abstract nemesisProcess(): void;
  /** A value at the position as micro-ops into the columns; false when it is something else. */
  protected abstract mops(): boolean;
  /** Skips a value the checker does not need. */
  protected abstract skipValue(depth: number): void;

  /** One op (a map or object), appended to the columns (or dropped, with its rows, if it gives up midway). */
  private op(): void {
    if (this.b[this.i] !== LBRACE) throw GIVE_UP;
    this.i++;
    this.opMopsAt = this.mopCount;
    this.opReadsAt = this.readCount;
    this.opElemsAt = this.elemCount;
    this.opTypeRead = -1;
    this.opProcessRead = -2;
    this.opHasValue = false;
    this.opValueIsMops = true;
    try {
      this.fields();
      const process = this.opProcessRead;
      if (this.opTypeRead < 0 || process === -2 || (process !== NEMESIS && !this.opValueIsMops))
        throw GIVE_UP;
      // A value read as micro-ops before a nemesis process was known is dropped with its rows.
      if (process === NEMESIS) this.dropOpRows();
      this.afterOp();
    } catch (e) {
      this.dropOpRows();
      throw e;
    }
    this.pushOp(this.opTypeRead, this.opProcessRead, this.opMopsAt);
  }

  /** The type field's value, as index `t` in the format's words (`invoke`: the index of "invoke"). */
  protected typeField(t: number, invoke: number): void {
    if (t < invoke || t > invoke + 3) throw GIVE_UP;
    this.opTypeRead = t - invoke;
  }

  /** Whether the op being read has had its type field. */
  protected hasType(): boolean {
    return this.opTypeRead >= 0;
  }

  /** The process field's value at the position: a natural, or a nemesis's name. */
  protected processField(): void {
    if (this.opProcessRead !== -2) throw GIVE_UP;
    const c = this.b[this.i];
    if (c >= D0 && c <= D9) this.opProcessRead = this.natural();
    else {
      this.nemesisProcess();
      this.opProcessRead = NEMESIS;
    }
  }

  /**
   * The value field at the position: micro-ops, read into the columns unless the op is a nemesis's
   * (a value before the process may belong to a nemesis op: it is read as micro-ops where it can be).
   */
  protected valueField(): void {
    if (this.opHasValue) throw GIVE_UP;
    this.opHasValue = true;
    const at = this.i;
    if (this.opProcessRead === NEMESIS || !this.mops()) {
      this.i = at;
      this.dropOpRows();
      this.opValueIsMops = this.opProcessRead === NEMESIS;
      this.skipValue(0);
    }
  }

  /** Drops the rows stored since the op being read began. */
  private dropOpRows(): void {
    this.mopCount = this.opMopsAt;
    this.readCount = this.opReadsAt;
    this.elemCount = this.opElemsAt;
  }

  protected ws(): void {
    if (!this.skipWs()) throw NEED_MORE;
  }

  /** Appends op `type`'s row; its micro-ops are those stored since `mopsAt`. */
  private pushOp(type: number, process: number, mopsAt: number): void {
    const n = this.opCount;
    if (n + 2 > this.opType.length) {
      this.opType = grow(this.opType, n + 2);
      this.opProcess = grow(this.opProcess, n + 2);
      this.opMopFrom = grow(this.opMopFrom, n + 2);
    }
    this.opType[n] = type;
    this.opProcess[n] = process;
    this.opMopFrom[n] = mopsAt;
    this.opCount = n + 1;
  }

  protected pushMop(f: number, key: number, val: number): void {
    const m = this.mopCount;
    if (m >= this.mopF.length) {
      this.mopF = grow(this.mopF, m + 1);
      this.mopKey = grow(this.mopKey, m + 1);
      this.mopVal = grow(this.mopVal, m + 1);
    }
    this.mopF[m] = f;
    this.mopKey[m] = key;
    this.mopVal[m] = val;
    this.mopCount = m + 1;
  }

  /** Starts a read list; `pushElem` adds to it, `endList` closes it and returns its number. */
  protected startList(): void {
    const r = this.readCount;
    if (r + 2 > this.readFrom.length) this.readFrom = grow(this.readFrom, r + 2);
    this.readFrom[r] = this.elemCount;
  }

  protected pushElem(x: number): void {
    if (this.elemCount >= this.elems.length) this.elems = grow(this.elems, this.elemCount + 1);
    this.elems[this.elemCount++] = x;
  }

  protected endList(): number {
    return this.readCount++;
  }

  /** A non-negative integer below 2^31, written plainly (no sign, no leading zero, no suffix). */
  protected natural(): number {
    const b = this.b;
    let j = this.i;
    let v = 0;
    let c = b[j];
    if (c === D0 && j + 1 < b.length && b[j + 1] >= D0 && b[j + 1] <= D9) throw GIVE_UP;
    while (c >= D0 && c <= D9) {
      v = v * 10 + (c - D0);
      if (v > 0x7fffffff) throw GIVE_UP;
      c = b[++j];
    }
    if (j >= b.length) throw NEED_MORE;
    if (c >= 128 || DELIMITER[c] !== 1) throw GIVE_UP;
    this.i = j;
    return v;
  }
}

/** EDN op maps (see the module comment for the shape taken). */
export class ColumnarEdnReader extends ColumnReader {
  /** Skips whitespace and commas; false at the end of the piece. Comments and `#_` give up. */
  protected skipWs(): boolean {
    const b = this.b;
    for (;;) {
      if (this.i >= b.length) return false;
      const c = b[this.i];
      if (c === SPACE || c === COMMA || c === LF || c === CR || c === TAB) this.i++;
      else return true;
    }
  }

  /** An op map's fields, after its `{` up to and including its `}`. */
  protected fields(): void {
    const b = this.b;
    for (;;) {
      this.ws();
      if (b[this.i] === RBRACE) {
        this.i++;
        return;
      }
      const key = this.keyword();
      this.ws();
      if (b[this.i] === RBRACE) throw GIVE_UP; // a key with no value: the general reader says so
      if (key === W_TYPE)
        this.typeField(!this.hasType() && b[this.i] === COLON ? this.keyword() : -1, W_INVOKE);
      else if (key === W_PROCESS) this.processField();
      else if (key === W_VALUE) this.valueField();
      else this.skipValue(0);
    }
  }

  protected nemesisProcess(): void {
    const c = this.b[this.i];
    if (c === COLON) this.keyword();
    else if (c === QUOTE) this.string();
    else throw GIVE_UP;
  }

  /**
   * A transaction's value: nil, or a vector of `[:append k x]`, `[:r k nil]`, `[:r k [x …]]` or
   * `[:r k]`. False (nothing consumed that matters) when it is something else.
   */
  protected mops(): boolean {
    const b = this.b;
    if (b[this.i] === 110) return this.word() === W_NIL;
    if (b[this.i] !== LBRACKET) return false;
    this.i++;
    for (;;) {
      this.ws();
      const c = b[this.i];
      if (c === RBRACKET) {
        this.i++;
        return true;
      }
      if (c !== LBRACKET) return false;
      this.i++;
      this.ws();
      if (b[this.i] !== COLON) return false;
      const f = this.keyword();
      if (f !== W_APPEND && f !== W_R) return false;
      this.ws();
      const kc = b[this.i];
      if (!(kc >= D0 && kc <= D9)) return false;
      const key = this.natural();
      this.ws();
      let val: number;
      if (f === W_APPEND) {
        const vc = b[this.i];
        if (!(vc >= D0 && vc <= D9)) return false;
        val = this.natural();
        this.ws();
      } else if (b[this.i] === RBRACKET) val = NIL_READ;
      else if (b[this.i] === 110) {
        if (this.word() !== W_NIL) return false;
        val = NIL_READ;
        this.ws();
      } else if (b[this.i] === LBRACKET) {
        val = this.list();
        if (val < 0) return false;
        this.ws();
      } else return false;
      if (b[this.i] !== RBRACKET) return false;
      this.i++;
      this.pushMop(f === W_APPEND ? APPEND : READ, key, val);
    }
  }

  /** A vector of naturals, stored as the next read; its number, or -1 if it holds anything else. */
  private list(): number {
    const b = this.b;
    this.i++;
    this.startList();
    for (;;) {
      this.ws();
      const c = b[this.i];
      if (c === RBRACKET) {
        this.i++;
        return this.endList();
      }
      if (!(c >= D0 && c <= D9)) return -1;
      this.pushElem(this.natural());
    }
  }

  /** A keyword at the position (after its colon): its index in WORDS, or -1 for another one. */
  private keyword(): number {
    if (this.b[this.i] !== COLON) throw GIVE_UP;
    this.i++;
    return this.word();
  }

  /** A name made of NAME characters: its index in WORDS, or -1. */
  private word(): number {
    const b = this.b;
    const from = this.i;
    let j = from;
    for (;;) {
      if (j >= b.length) throw NEED_MORE;
      const c = b[j];
      if (c < 128 && DELIMITER[c] === 1) break;
      if (c >= 128 || NAME[c] !== 1) throw GIVE_UP;
      j++;
    }
    if (j === from) throw GIVE_UP;
    this.i = j;
    return wordIndex(WORD_BYTES, b, from, j);
  }

  /** A string (skipped: the checker never needs one's text). */
  private string(): void {
    const b = this.b;
    let j = this.i + 1;
    for (;;) {
      if (j >= b.length) throw NEED_MORE;
      const c = b[j];
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        // The escapes the general reader decodes alike; \u and anything else give up.
        if (j + 1 >= b.length) throw NEED_MORE;
        if (ESCAPED[b[j + 1]] !== 1) throw GIVE_UP;
        j += 2;
        continue;
      }
      j++;
    }
    this.i = j + 1;
  }

  /**
   * Skips a value the checker does not need (`:time`, `:index`, `:f`, `:error`, a nemesis op's
   * value): keywords, plain strings, integers, nil/true/false, and vectors, lists, sets and maps of
   * those. Anything else gives up, so that what is skipped is always something the general reader
   * accepts.
   */
  protected skipValue(depth: number): void {
    if (depth > 64) throw GIVE_UP;
    const b = this.b;
    const c = b[this.i];
    if (c === COLON) this.keyword();
    else if (c === QUOTE) this.string();
    else if (c >= D0 && c <= D9) this.integer();
    else if (c === MINUS) {
      this.i++;
      if (this.i >= b.length) throw NEED_MORE;
      if (!(b[this.i] >= D0 && b[this.i] <= D9)) throw GIVE_UP;
      this.integer();
    } else if (c === 110 || c === 116 || c === 102) {
      const w = this.word();
      if (w < W_NIL) throw GIVE_UP;
    } else if (c === LBRACKET || c === LPAREN || c === LBRACE || c === HASH) {
      let close = c === LBRACKET ? RBRACKET : c === LPAREN ? RPAREN : RBRACE;
      if (c === HASH) {
        if (this.i + 1 >= b.length) throw NEED_MORE;
        if (b[this.i + 1] !== LBRACE) throw GIVE_UP;
        this.i++;
        close = RBRACE;
      }
      const isMap = c === LBRACE;
      this.i++;
      let n = 0;
      for (;;) {
        this.ws();
        const d = b[this.i];
        if (d === close) {
          this.i++;
          if (isMap && n % 2 === 1) throw GIVE_UP;
          return;
        }
        this.skipValue(depth + 1);
        n++;
      }
    } else throw GIVE_UP;
  }

  /** Digits (any number of them: the general reader takes long ones as big integers; floats give up). */
  private integer(): void {
    const b = this.b;
    let j = this.i;
    while (j < b.length && b[j] >= D0 && b[j] <= D9) j++;
    if (j >= b.length) throw NEED_MORE;
    const c = b[j];
    if (c >= 128 || DELIMITER[c] !== 1) throw GIVE_UP;
    this.i = j;
  }
}

/** JSON keys of an op object the reader tells apart, and the strings it matches as values. */
const JSON_WORDS = ["type", "process", "value", "invoke", "ok", "fail", "info", "append", "r"].map((w) =>
  Buffer.from(`"${w}"`, "latin1"),
);
const J_TYPE = 0;
const J_PROCESS = 1;
const J_VALUE = 2;
const J_INVOKE = 3;
const J_APPEND = 7;
const J_R = 8;
/** `jsonString`'s answer for a string with an escape in it. */
const ESCAPED_STRING = -2;
const NULL_BYTES = Buffer.from("null", "latin1");
const HEX = new Uint8Array(256);
for (const c of "0123456789abcdefABCDEF") HEX[c.charCodeAt(0)] = 1;

/**
 * JSONL ops, one object per line, in the shape the EDN reader takes (see the module comment),
 * checked as strictly as `JSON.parse` checks: what it would reject, or read differently, gives up.
 */
export class ColumnarJsonlReader extends ColumnReader {
  /** JSON whitespace within a line; a newline only between ops (blank lines are skipped). */
  protected skipWs(): boolean {
    const b = this.b;
    for (;;) {
      if (this.i >= b.length) return false;
      const c = b[this.i];
      if (c === SPACE || c === TAB || c === CR || c === LF) this.i++;
      else return true;
    }
  }

  /** Within an op: JSON whitespace, but not the end of its line. */
  private inLine(): void {
    const b = this.b;
    for (;;) {
      if (this.i >= b.length) throw NEED_MORE;
      const c = b[this.i];
      if (c === SPACE || c === TAB || c === CR) this.i++;
      else if (c === LF) throw GIVE_UP;
      else return;
    }
  }

  /** What must follow an op: the end of its line (or of the last piece). */
  private endOfLine(): void {
    const b = this.b;
    for (;;) {
      if (this.i >= b.length) {
        if (this.final) return;
        throw NEED_MORE;
      }
      const c = b[this.i];
      if (c === SPACE || c === TAB || c === CR) this.i++;
      else if (c === LF) return;
      else throw GIVE_UP;
    }
  }

  /** An op object's members, after its `{` up to and including its `}`. */
  protected fields(): void {
    const b = this.b;
    this.inLine();
    if (b[this.i] === RBRACE) {
      this.i++;
      return;
    }
    for (;;) {
      this.inLine();
      const key = this.jsonString(true);
      // A key spelt with escapes could be "type" in disguise: JSON.parse would read it so.
      if (key === ESCAPED_STRING) throw GIVE_UP;
      this.inLine();
      if (b[this.i] !== COLON) throw GIVE_UP;
      this.i++;
      this.inLine();
      if (key === J_TYPE)
        this.typeField(!this.hasType() && b[this.i] === QUOTE ? this.jsonString(true) : -1, J_INVOKE);
      else if (key === J_PROCESS) this.processField();
      else if (key === J_VALUE) this.valueField();
      else this.skipValue(0);
      if (this.next(RBRACE)) return;
    }
  }

  protected nemesisProcess(): void {
    this.jsonString(false);
  }

  protected afterOp(): void {
    this.endOfLine();
  }

  /** After an element of an array: true at its `]` (consumed), false after a `,` (consumed). */
  private next(close: number): boolean {
    this.inLine();
    const c = this.b[this.i];
    if (c === close) {
      this.i++;
      return true;
    }
    if (c !== COMMA) throw GIVE_UP;
    this.i++;
    this.inLine();
    return false;
  }

  /** `null`, or an array of `["append", k, x]`, `["r", k, null]`, `["r", k, [x, …]]`, `["r", k]`. */
  protected mops(): boolean {
    const b = this.b;
    if (b[this.i] === 110) return this.nullWord();
    if (b[this.i] !== LBRACKET) return false;
    this.i++;
    this.inLine();
    if (b[this.i] === RBRACKET) {
      this.i++;
      return true;
    }
    for (;;) {
      if (b[this.i] !== LBRACKET) return false;
      this.i++;
      this.inLine();
      if (b[this.i] !== QUOTE) return false;
      const f = this.jsonString(true);
      if (f !== J_APPEND && f !== J_R) return false;
      this.inLine();
      if (b[this.i] !== COMMA) return false;
      this.i++;
      this.inLine();
      const kc = b[this.i];
      if (!(kc >= D0 && kc <= D9)) return false;
      const key = this.natural();
      this.inLine();
      let val = NIL_READ;
      if (b[this.i] === COMMA) {
        this.i++;
        this.inLine();
        const c = b[this.i];
        if (f === J_APPEND) {
          if (!(c >= D0 && c <= D9)) return false;
          val = this.natural();
        } else if (c === 110) {
          if (!this.nullWord()) return false;
        } else if (c === LBRACKET) {
          val = this.list();
          if (val < 0) return false;
        } else return false;
        this.inLine();
      } else if (f === J_APPEND) return false;
      if (b[this.i] !== RBRACKET) return false;
      this.i++;
      this.pushMop(f === J_APPEND ? APPEND : READ, key, val);
      if (this.next(RBRACKET)) return true;
    }
  }

  /** An array of naturals, stored as the next read; its number, or -1 if it holds anything else. */
  private list(): number {
    const b = this.b;
    this.i++;
    this.startList();
    this.inLine();
    if (b[this.i] === RBRACKET) {
      this.i++;
      return this.endList();
    }
    for (;;) {
      const c = b[this.i];
      if (!(c >= D0 && c <= D9)) return -1;
      this.pushElem(this.natural());
      if (this.next(RBRACKET)) return this.endList();
    }
  }

  /** `null` at the position (consumed): true; another word: false. */
  private nullWord(): boolean {
    const b = this.b;
    if (this.i + 4 >= b.length) throw NEED_MORE;
    for (let k = 0; k < 4; k++) if (b[this.i + k] !== NULL_BYTES[k]) return false;
    const c = b[this.i + 4];
    if (c < 128 && DELIMITER[c] === 1) {
      this.i += 4;
      return true;
    }
    return false;
  }

  /**
   * A JSON string (escapes as JSON allows them; a raw control character gives up). With `match`,
   * its index in JSON_WORDS (-1 for another string); ESCAPED_STRING when it holds an escape.
   */
  private jsonString(match: boolean): number {
    const b = this.b;
    if (b[this.i] !== QUOTE) throw GIVE_UP;
    const from = this.i;
    let j = from + 1;
    let plain = true;
    for (;;) {
      if (j >= b.length) throw NEED_MORE;
      const c = b[j];
      if (c === QUOTE) break;
      if (c < 32) throw GIVE_UP;
      if (c === BACKSLASH) {
        plain = false;
        if (j + 1 >= b.length) throw NEED_MORE;
        const e = b[j + 1];
        if (e === 117) {
          if (j + 5 >= b.length) throw NEED_MORE;
          for (let k = 2; k < 6; k++) if (HEX[b[j + k]] !== 1) throw GIVE_UP;
          j += 6;
          continue;
        }
        if (ESCAPED[e] !== 1) throw GIVE_UP;
        j += 2;
        continue;
      }
      j++;
    }
    this.i = j + 1;
    if (!plain) return ESCAPED_STRING;
    if (!match) return -1;
    return wordIndex(JSON_WORDS, b, from, j + 1);
  }

  /**
   * Skips a JSON value the checker does not need: strings, integers, true/false/null, and arrays
   * and objects of those. Fractions and exponents give up, so that what is skipped is always
   * something `JSON.parse` accepts.
   */
  protected skipValue(depth: number): void {
    if (depth > 64) throw GIVE_UP;
    const b = this.b;
    const c = b[this.i];
    if (c === QUOTE) this.jsonString(false);
    else if (c === MINUS || (c >= D0 && c <= D9)) {
      let j = this.i + (c === MINUS ? 1 : 0);
      if (j >= b.length) throw NEED_MORE;
      if (!(b[j] >= D0 && b[j] <= D9)) throw GIVE_UP;
      const lead = j;
      while (j < b.length && b[j] >= D0 && b[j] <= D9) j++;
      if (j >= b.length) throw NEED_MORE;
      if (b[lead] === D0 && j - lead > 1) throw GIVE_UP;
      const d = b[j];
      if (d !== COMMA && d !== RBRACE && d !== RBRACKET && d !== SPACE && d !== TAB && d !== CR)
        throw GIVE_UP;
      this.i = j;
    } else if (c === 110 || c === 116 || c === 102) {
      const word = c === 110 ? "null" : c === 116 ? "true" : "false";
      if (this.i + word.length >= b.length) throw NEED_MORE;
      for (let k = 0; k < word.length; k++) if (b[this.i + k] !== word.charCodeAt(k)) throw GIVE_UP;
      const d = b[this.i + word.length];
      if (!(d < 128 && DELIMITER[d] === 1)) throw GIVE_UP;
      this.i += word.length;
    } else if (c === LBRACKET) {
      this.i++;
      this.inLine();
      if (b[this.i] === RBRACKET) {
        this.i++;
        return;
      }
      for (;;) {
        this.skipValue(depth + 1);
        if (this.next(RBRACKET)) return;
      }
    } else if (c === LBRACE) {
      this.i++;
      this.inLine();
      if (b[this.i] === RBRACE) {
        this.i++;
        return;
      }
      for (;;) {
        this.jsonString(false);
        this.inLine();
        if (b[this.i] !== COLON) throw GIVE_UP;
        this.i++;
        this.inLine();
        this.skipValue(depth + 1);
        if (this.next(RBRACE)) return;
      }
    } else throw GIVE_UP;
  }
}
