import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HistoryParseError, historyToEdn, parseEdnHistory } from "./edn.ts";
import { detectFormat, HistoryStreamParser, parseHistory } from "./format.ts";
import type { History, MicroOp, Op } from "./history.ts";
import { historyToJsonl, parseJsonlHistory } from "./jsonl.ts";

/** The first op both import tests read: an invocation of an append and a read of x. */
const FIRST_INVOKE: Op = {
  index: 0,
  type: "invoke",
  process: 0,
  f: "txn",
  value: [
    ["append", "x", 1],
    ["r", "x", null],
  ],
};

describe("EDN import", () => {
  it("reads one op map per line, with keyword keys and Jepsen's quirks", () => {
    const text = [
      "; a comment line",
      "{:type :invoke, :f :txn, :value [[:append :x 1] [:r :x nil]], :process 0, :time 10, :index 0}",
      "{:type :ok, :value [[:append :x 1] [:r :x nil]], :process 0, :time 20, :index 1}",
      '{:type :info, :f :start-partition, :value {"n1" #{"n2"}}, :process :nemesis, :index 2}',
      "{:type :invoke, :value ([:r 3] [:append 3 2]), :process 1, :time 1589367458073308289, :index 3}",
      '{:type :fail, :value [[:r 3 nil] [:append 3 2]], :process 1, :index 4, :error ["Error 8005" {:a 1}]}',
      "{:type :info, :value [[:append 3 3]], :process 2, :index 5, :error :eof} #_ {:ignored true}",
    ].join("\n");
    const h = parseEdnHistory(text);
    expect(h).toHaveLength(6);
    expect(h[0]).toEqual({ ...FIRST_INVOKE, time: 10 });
    expect(h[1].f).toBe("txn"); // no :f means a transaction
    expect(h[2]).toMatchObject({ process: "nemesis", f: "start-partition", value: { n1: ["n2"] } });
    expect(h[3].value).toEqual([
      ["r", 3, null],
      ["append", 3, 2],
    ]);
    expect(h[3].time! / 1e18).toBeCloseTo(1.589367458073308, 12);
    expect(h[4].error).toBe('["Error 8005" {:a 1}]');
    expect(h[5].error).toBe(":eof");
  });

  it("reads a single vector of ops, keeping the file's indices", () => {
    const h = parseEdnHistory(
      '[\n{:index 10, :type :invoke, :process 0, :f :txn, :value [[:append 9 2]]}\n{:index 11, :type :ok, :process 0, :f :txn, :value [[:append 9 2]], :error "x"}\n]\n',
    );
    expect(h.map((o) => [o.index, o.type])).toEqual([
      [10, "invoke"],
      [11, "ok"],
    ]);
    expect(h[1].error).toBe("x");
  });

  it("hands unusual syntax to the general EDN parser", () => {
    const h = parseEdnHistory(
      [
        '{:type :info, :process :nemesis, :f :kill, :value [sym \\a 1/2 #inst "2020-01-01T00:00:00.000Z"], :index 0}',
        "{:type :invoke, :process 0, :value [[:append :k 1.5]], :index 1, :tag #my/tag {:a 1}}",
        '{:type :ok, :process 0, :value [[:append :k 1.5]], :index 2, :error #error "boom"}',
      ].join("\n"),
    );
    expect(h).toHaveLength(3);
    // Symbols (and ratios, which the general parser reads as symbols) become their text.
    expect(h[0].value).toEqual(["sym", "a", "1/2", "2020-01-01T00:00:00.000Z"]);
    expect(h[1].value).toEqual([["append", "k", 1.5]]);
    expect(h[2].error).toBe('#error "boom"');
  });

  it("gives clear errors with line numbers", () => {
    const bad = (text: string) => () => parseEdnHistory(text);
    expect(bad("{:type :ok, :process 0, :value []}\n\n[1 2 3]\n")).toThrow(
      "line 3: expected an op map {:type …, :process …, :value …}, found a vector",
    );
    expect(bad("{:type :ok, :process 0, :value [[:r :x [1]]]\n{:type :ok")).toThrow(/line 2: .*end of input/);
    expect(bad("{:a 1, :b 2}")).toThrow(/line 1: this map has no :type, so it is not a Jepsen history op/);
    expect(bad("{:type :done, :process 0}")).toThrow(
      "line 1: :type must be :invoke, :ok, :fail or :info, found the keyword :done",
    );
    expect(bad("{:type :ok, :process 0, :value 5}")).toThrow(
      /line 1: a transaction's :value must be a vector of micro-ops, found the number 5/,
    );
    expect(bad("{:type :ok, :process 0, :value [[:r]]}")).toThrow(
      /micro-op must be a vector \[f key value\]/,
    );
    expect(bad("{:type :ok, :process 0}}")).toThrow(/line 1: unexpected '}'/);
    expect(bad('{:type :ok, :process 0, :value ["unterminated]}')).toThrow(/unterminated string/);
    expect(bad("{:type :ok, :process 0, :x #{1 2 }")).toThrow(/unterminated map/);
    expect(bad("[{:type :ok, :process 0, :value []}")).toThrow(/unterminated history vector/);
    expect(bad("42")).toThrow(/line 1: expected an op map.*found the number 42/);
    try {
      parseEdnHistory("\n\n{:type :ok :process}");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(HistoryParseError);
      expect((e as HistoryParseError).line).toBe(3);
    }
  });

  it("reads an empty file as an empty history", () => {
    expect(parseEdnHistory("")).toEqual([]);
    expect(parseEdnHistory("[]")).toEqual([]);
  });
});

describe("JSONL import and format detection", () => {
  it("reads one object per line", () => {
    const h = parseJsonlHistory(
      '{"index":0,"type":"invoke","process":0,"value":[["append","x",1],["r","x"]]}\n\n{"index":1,"type":"ok","process":0,"f":"txn","value":[["append","x",1],["r","x",[1]]],"error":{"a":1}}\n',
    );
    expect(h[0]).toEqual(FIRST_INVOKE);
    expect(h[1].error).toBe('{"a":1}');
  });

  it("reports the line of a bad record", () => {
    expect(() => parseJsonlHistory('{"type":"ok","process":0,"value":[]}\n{"type":"ok",\n')).toThrow(
      /^line 2: not valid JSON/,
    );
    expect(() => parseJsonlHistory('{"type":"ok","process":0,"value":[]}\n[1]\n')).toThrow(
      "line 2: expected an op object, found an array",
    );
    expect(() => parseJsonlHistory('{"process":0}')).toThrow(/line 1: this object has no "type"/);
  });

  it("detects the format", () => {
    expect(detectFormat('{"type":"ok"}')).toBe("jsonl");
    expect(detectFormat(" {:type :ok}")).toBe("edn");
    expect(detectFormat("[{:type :ok}]")).toBe("edn");
    expect(detectFormat("; comment\n{:type :ok}")).toBe("edn");
    expect(parseHistory('{"type":"ok","process":1,"value":[]}')[0].process).toBe(1);
  });
});

const mopArb: fc.Arbitrary<MicroOp> = fc.oneof(
  fc.tuple(
    fc.constant("append"),
    fc.oneof(fc.integer({ min: -5, max: 5 }), fc.string({ maxLength: 4 })),
    fc.nat(),
  ),
  fc.tuple(
    fc.constant("r"),
    fc.integer({ min: 0, max: 3 }),
    fc.option(fc.array(fc.nat({ max: 99 }), { maxLength: 4 }), { nil: null }),
  ),
  fc.tuple(
    fc.constant("hgetall"),
    // Keys are byte strings: any char code 0–255.
    fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 3 }).map((cs) => String.fromCharCode(...cs)),
    fc.dictionary(fc.integer({ min: 0, max: 9 }).map(String), fc.nat({ max: 9 }), { maxKeys: 3 }),
  ),
) as fc.Arbitrary<MicroOp>;

const opArb: fc.Arbitrary<Omit<Op, "index">> = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom("invoke", "ok", "fail", "info"),
      process: fc.nat({ max: 9 }),
      f: fc.constant("txn"),
      value: fc.array(mopArb, { maxLength: 4 }),
      time: fc.nat(),
      error: fc.string({ maxLength: 8 }),
    },
    { requiredKeys: ["type", "process", "f", "value"] },
  ),
  fc.record({
    type: fc.constant("info" as const),
    process: fc.constant("nemesis" as const),
    f: fc.constantFrom("partition", "kill", "heal"),
    value: fc.oneof(fc.constant(null), fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 })),
  }),
);

describe("export", () => {
  it("EDN and JSONL both round-trip any history", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 12 }), (raw) => {
        const h: History = raw.map((o, index) => ({ index, ...o }) as Op);
        expect(parseEdnHistory(historyToEdn(h))).toEqual(h);
        expect(parseJsonlHistory(historyToJsonl(h))).toEqual(h);
      }),
      { numRuns: 200 },
    );
  });

  it("writes one op map per line in Jepsen's field order, bytes escaped", () => {
    const h: History = [
      { index: 0, type: "invoke", process: 0, f: "txn", value: [["r", 'k\u0001"é', null]], time: 5 },
      { index: 1, type: "fail", process: 0, f: "txn", value: [["r", 'k\u0001"é', null]], error: "conflict" },
      { index: 2, type: "info", process: "nemesis", f: "kill", value: { n1: "ok" } },
    ];
    expect(historyToEdn(h)).toBe(
      [
        '{:type :invoke, :f :txn, :value [[:r "k\\u0001\\"\\u00e9" nil]], :process 0, :time 5, :index 0}',
        '{:type :fail, :f :txn, :value [[:r "k\\u0001\\"\\u00e9" nil]], :process 0, :index 1, :error "conflict"}',
        '{:type :info, :f :kill, :value {"n1" "ok"}, :process :nemesis, :index 2}',
        "",
      ].join("\n"),
    );
  });
});

describe("reading a history in pieces", () => {
  const outcome = (f: () => History): unknown => {
    try {
      return f();
    } catch (e) {
      if (e instanceof HistoryParseError) return { error: e.message, line: e.line };
      throw e;
    }
  };
  const inPieces = (text: string, cuts: number[]) => () => {
    const p = new HistoryStreamParser();
    let from = 0;
    for (const c of [...cuts].sort((a, b) => a - b)) {
      p.push(text.slice(from, c));
      from = c;
    }
    p.push(text.slice(from));
    return p.end();
  };
  const texts = [
    [
      "; a comment",
      "{:type :invoke, :f :txn, :value [[:append :x 1] [:r :x nil]], :process 0, :index 0}",
      '{:type :ok, :value [[:append :x 1] [:r :x [1 "a\\nb"]]], :process 0, :index 1} ; trailing',
      "{:type :info, :f :kill, :value {:n1 #{:n2}}, :process :nemesis,",
      "  :index 2} #_ {:ignored",
      " true}",
    ].join("\n"),
    "[{:type :invoke, :value [[:r 1 nil]], :process 0}\n {:type :ok, :value [[:r 1 [2]]], :process 0}\n]\n",
    "[{:type :invoke, :value [[:r 1 nil]], :process 0}\n",
    "{:type :invoke, :value [[:r 1 nil]], :process 0}\n{:type :okk, :value [[:r 1 nil]], :process 0}\n{:type :ok}",
    "{:type :invoke, :value [[:r 1 nil]], :process 0}\n{:type :ok, :value [[:r 1 [2]]], :process 0\n",
    '{"type":"invoke","process":0,"f":"txn","value":[["r",1,null]],"index":0}\n\n{"type":"ok","process":0,"f":"txn","value":[["r",1,[2]]],"index":1}\n',
    '{"type":"invoke","process":0,"f":"txn","value":[["r",1,null]],"index":0}\n{"type":"ok",\n',
  ];
  const inBytes = (text: string, cuts: number[]) => () => {
    const bytes = new TextEncoder().encode(text);
    const p = new HistoryStreamParser();
    // One buffer reused for every piece, as a file reader does.
    const buf = new Uint8Array(bytes.length);
    let from = 0;
    for (const c of [...cuts.map((x) => Math.min(x, bytes.length))]
      .sort((a, b) => a - b)
      .concat(bytes.length)) {
      buf.set(bytes.subarray(from, c));
      p.pushBytes(buf.subarray(0, c - from));
      buf.fill(0);
      from = c;
    }
    return p.end();
  };
  it("reads raw bytes cut anywhere, inside a character too, into the same ops", () => {
    for (const text of [
      ...texts,
      '{:type :invoke, :value [[:r "é" nil]], :process 0}\n{:type :ok, :value [[:r "é" ["ü€"]]], :process 0}\n',
    ])
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: text.length * 3 }), { maxLength: 6 }), (cuts) => {
          expect(outcome(inBytes(text, cuts))).toEqual(outcome(() => parseHistory(text)));
        }),
        { numRuns: 150 },
      );
  });
  it("gives the same ops, or the same error at the same line, wherever the pieces are cut", () => {
    for (const text of texts)
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 6 }), (cuts) => {
          expect(outcome(inPieces(text, cuts))).toEqual(outcome(() => parseHistory(text)));
        }),
        { numRuns: 150 },
      );
  });
});
