import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { opToEdn } from "./edn.ts";
import type { History, MicroOp } from "./history.ts";
import {
  ColumnarEdnReader,
  checkHistory,
  checkHistoryColumns,
  columnReaderFor,
  countInvocations,
  type HistoryColumns,
  parseHistory,
} from "./index.ts";
import { opToJson } from "./jsonl.ts";

const MODELS = ["strict-serializable", "serializable", "read-committed", "strong-session-serializable"];

/**
 * A small list-append history from clients against a store where each txn takes effect at its
 * completion (valid under every model), then bent by `faults`: a read that drops its last element
 * or shows one appended later, a failed txn whose append is seen, an append written twice.
 */
function history(seed: number, ops: number, faults: number): History {
  let x = seed | 0 || 1;
  const rand = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const lists = new Map<number, number[]>();
  let next = 1;
  const open = new Map<number, MicroOp[]>();
  const h: History = [];
  for (let i = 0; i < ops; i++) {
    const p = Math.floor(rand() * 4);
    const mops = open.get(p);
    if (mops === undefined) {
      const m: MicroOp[] = [];
      for (let j = 0; j < 1 + Math.floor(rand() * 3); j++) {
        const k = Math.floor(rand() * 3);
        m.push(rand() < 0.5 ? ["r", k, null] : ["append", k, next++]);
      }
      open.set(p, m);
      h.push({ index: i, type: "invoke", process: p, f: "txn", value: m });
      continue;
    }
    open.delete(p);
    const roll = rand();
    const type = roll < 0.1 ? "fail" : roll < 0.2 ? "info" : "ok";
    const bend = rand() < faults;
    const applied = type === "ok" || (type === "info" && rand() < 0.5) || (type === "fail" && bend);
    const done: MicroOp[] = mops.map(([f, k, v]) => {
      const key = k as number;
      const l = lists.get(key) ?? [];
      if (f === "append") {
        if (applied) lists.set(key, [...l, v as number]);
        return [f, k, bend && rand() < 0.2 ? 1 : v];
      }
      let seen = [...l];
      if (bend && seen.length > 0 && rand() < 0.5) seen = seen.slice(0, -1);
      else if (bend) seen.push(next + 1);
      return [f, k, seen];
    });
    h.push({ index: i, type, process: p, f: "txn", value: type === "ok" ? done : mops });
  }
  return h;
}

function columns(h: History, format: "edn" | "jsonl" = "edn"): HistoryColumns {
  const r = columnReaderFor(format);
  const text = Buffer.from(`${h.map(format === "edn" ? opToEdn : opToJson).join("\n")}\n`);
  // In two pieces cut mid-op, as a file read in chunks is.
  const cut = Math.floor(text.length / 2);
  expect(r.pushBytes(text.subarray(0, cut)) && r.pushBytes(text.subarray(cut))).toBe(true);
  const c = r.end();
  expect(c).not.toBeNull();
  return c!;
}

/** One EDN history line. */
const op = (i: number, type: string, p: number, v: string) =>
  `{:index ${i}, :type :${type}, :process ${p}, :value ${v}}`;

/** EDN lines read into columns. */
function ednColumns(lines: string[]): HistoryColumns {
  const r = new ColumnarEdnReader();
  r.pushBytes(Buffer.from(`${lines.join("\n")}\n`));
  return r.end()!;
}

/**
 * Each case shows the anomaly it is named after to the general check under serializability, and
 * the column check hands the history on (null) rather than answer for it.
 */
function expectHandedOn(cases: Record<string, string[]>): void {
  for (const [type, lines] of Object.entries(cases)) {
    const full = checkHistory(parseHistory(lines.join("\n")), { model: "serializable" });
    expect(full.anomalyTypes, type).toContain(type);
    expect(checkHistoryColumns(ednColumns(lines), { model: "serializable" }), type).toBeNull();
  }
}

describe("checkHistoryColumns", () => {
  it("gives checkHistory's result, or leaves the history to it", () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1 << 30 }), fc.constantFrom(0, 0.05, 0.3), (seed, faults) => {
        const h = history(seed, 120, faults);
        const c = columns(h);
        expect(columns(h, "jsonl")).toEqual(c);
        expect(countInvocations(c)).toBe(h.filter((o) => o.type === "invoke").length);
        for (const model of MODELS) {
          const fast = checkHistoryColumns(c, { model });
          const full = checkHistory(h, { model });
          if (fast === null) {
            // Only a history with nothing to report may be answered here; a valid one should be.
            if (faults === 0) expect(full.valid).toBe(true);
            continue;
          }
          answered++;
          expect(fast).toEqual(full);
        }
      }),
      { numRuns: 150 },
    );
    expect(answered).toBeGreaterThan(100);
  });

  it("answers for every valid history of the unbent kind", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const h = history(seed, 200, 0);
      expect(checkHistoryColumns(columns(h), {})).toEqual(checkHistory(h));
    }
  });

  it("leaves each within-txn anomaly to the general check", () => {
    const cases: Record<string, string[]> = {
      // Each with a later reader, so that the graph is not empty (that alone would leave it).
      internal: [
        op(0, "invoke", 0, "[[:append 0 1] [:r 0 nil]]"),
        op(1, "ok", 0, "[[:append 0 1] [:r 0 []]]"),
        op(2, "invoke", 1, "[[:r 0 nil]]"),
        op(3, "ok", 1, "[[:r 0 [1]]]"),
      ],
      "future-read": [
        op(0, "invoke", 0, "[[:r 0 nil] [:append 0 1]]"),
        op(1, "ok", 0, "[[:r 0 [1]] [:append 0 1]]"),
        op(2, "invoke", 1, "[[:r 0 nil]]"),
        op(3, "ok", 1, "[[:r 0 [1]]]"),
      ],
      "lost-update": [
        op(0, "invoke", 0, "[[:r 0 nil] [:append 0 1]]"),
        op(1, "invoke", 1, "[[:r 0 nil] [:append 0 2]]"),
        op(2, "ok", 0, "[[:r 0 []] [:append 0 1]]"),
        op(3, "ok", 1, "[[:r 0 []] [:append 0 2]]"),
        op(4, "invoke", 2, "[[:r 0 nil]]"),
        op(5, "ok", 2, "[[:r 0 [1 2]]]"),
      ],
    };
    expectHandedOn(cases);
  });

  it("leaves to the general check what only the element screens catch", () => {
    // Neither history has a cycle, so the screens alone send it to the general check.
    const cases: Record<string, string[]> = {
      // A failed append seen only by an indeterminate txn's read, with a committed one after it.
      "dirty-update": [
        op(0, "invoke", 0, "[[:append 0 1]]"),
        op(1, "fail", 0, "[[:append 0 1]]"),
        op(2, "invoke", 2, "[[:append 0 2]]"),
        op(3, "ok", 2, "[[:append 0 2]]"),
        op(4, "invoke", 1, "[[:r 0 nil]]"),
        op(5, "info", 1, "[[:r 0 [1 2]]]"),
        op(6, "invoke", 3, "[[:r 0 nil]]"),
        op(7, "ok", 3, "[[:r 0 [2]]]"),
      ],
      // Two concurrent reads, one not a prefix of the other.
      "incompatible-order": [
        op(0, "invoke", 0, "[[:append 0 1]]"),
        op(1, "invoke", 1, "[[:append 0 2]]"),
        op(2, "invoke", 2, "[[:r 0 nil]]"),
        op(3, "invoke", 3, "[[:r 0 nil]]"),
        op(4, "ok", 0, "[[:append 0 1]]"),
        op(5, "ok", 1, "[[:append 0 2]]"),
        op(6, "ok", 2, "[[:r 0 [1 2]]]"),
        op(7, "ok", 3, "[[:r 0 [2]]]"),
      ],
    };
    expectHandedOn(cases);
  });

  it("leaves a lost append to the general check where no real-time edge puts it on a cycle", () => {
    // 1 is acknowledged, then 2 is appended, then a read shows [2]. Under a model with real time
    // the append of 1, placed after the longest read, closes a real-time cycle through that read;
    // asked for lost-append alone, no model names real time, the graph gets no real-time edge and
    // stays acyclic, so only the lost-append screen can send the history on.
    const lines = [
      op(0, "invoke", 0, "[[:append 0 1]]"),
      op(1, "ok", 0, "[[:append 0 1]]"),
      op(2, "invoke", 1, "[[:append 0 2]]"),
      op(3, "ok", 1, "[[:append 0 2]]"),
      op(4, "invoke", 2, "[[:r 0 nil]]"),
      op(5, "ok", 2, "[[:r 0 [2]]]"),
    ];
    for (const opts of [{ anomalies: ["lost-append"] }, { model: "strict-serializable" }]) {
      const full = checkHistory(parseHistory(lines.join("\n")), opts);
      expect(full.anomalyTypes, JSON.stringify(opts)).toContain("lost-append");
      expect(checkHistoryColumns(ednColumns(lines), opts), JSON.stringify(opts)).toBeNull();
    }
  });

  it("gives up on what the general reader must read", () => {
    for (const text of [
      "[{:type :invoke, :process 0, :value [[:r 1 nil]]}]\n", // wrapped in a vector
      "{:type :invoke, :process 0, :value [[:r :x nil]]}\n", // keyword key
      "{:type :invoke, :process 0, :value [[:len 1 nil]]}\n", // another datatype
      "{:type :invoke, :process 0, :value [[:append 1 1.5]]}\n", // a float
      "; a comment\n{:type :invoke, :process 0, :value [[:r 1 nil]]}\n",
      '{:type :invoke, :process 0, :error "\\u0041", :value nil}\n',
      "{:type :invoke, :process 0, :value [[:r 1 nil]]", // cut off
    ]) {
      const r = new ColumnarEdnReader();
      r.pushBytes(Buffer.from(text));
      expect(r.end(), text).toBeNull();
    }
    for (const text of [
      '{"type":"invoke","process":0,"value":[["r",1,null]]} {"type":"ok"}\n', // two on a line
      '{"type":"invoke","process":0,"value":[["r",1 null]]}\n', // a comma missing
      '{"type":"invoke","process":0,"value":[["r",1,null],]}\n', // a trailing comma
      '{"type":"invoke","process":0,"value":[["r","x",null]]}\n', // a string key
      '{"type":"invoke","process":0,"time":1.5,"value":null}\n', // a fraction
      '{"typ\\u0065":"invoke","process":0,"value":null}\n', // a key spelt with an escape
      '{"type":"invoke","process":0,"value":[["r",1,null]]', // cut off
    ]) {
      const r = columnReaderFor("jsonl");
      r.pushBytes(Buffer.from(text));
      expect(r.end(), text).toBeNull();
    }
  });
});
