import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MvccStore, ReadTSCompactedError } from "./store.ts";
import type { Mutation } from "./types.ts";

const put = (key: string, value: string): Mutation => ({ op: "put", key, value });
const del = (key: string): Mutation => ({ op: "del", key });

/** Keys chosen to exercise byte order: prefixes, NUL and 0xff bytes. */
const KEYS = ["a", "a\x00", "a\x00b", "ab", "b", "b\xff", "c", "\xff"];
const keyArb = fc.constantFrom(...KEYS);
const valueArb = fc.constantFrom("", "0", "1", "x", "\x00\xff");
const mutArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("put" as const), key: keyArb, value: valueArb }),
  fc.record({ op: fc.constant("del" as const), key: keyArb }),
);

describe("MvccStore basics", () => {
  it("reads the newest version at or below ts; tombstones hide", () => {
    const s = new MvccStore();
    expect(s.applyMutations([put("k", "1")], [], 0, 10)).toEqual({ ok: true });
    expect(s.applyMutations([put("k", "2")], [], 10, 20)).toEqual({ ok: true });
    expect(s.applyMutations([del("k")], [], 20, 30)).toEqual({ ok: true });
    expect(s.getAt("k", 9)).toBeUndefined();
    expect(s.getAt("k", 10)).toBe("1");
    expect(s.getAt("k", 25)).toBe("2");
    expect(s.getAt("k", 30)).toBeUndefined();
    expect(s.latestCommitTS("k")).toBe(30);
    expect(s.latestCommitTS("nope")).toBe(0);
    expect(s.committedVersionAt("k", 30)).toBe(true);
    expect(s.committedVersionAt("k", 29)).toBe(false);
    expect(s.lastCommitTS()).toBe(30);
    expect(s.versionCount).toBe(3);
  });

  it("writing at an existing ts overwrites; an older ts inserts in order", () => {
    const s = new MvccStore();
    // OCC refuses a second apply at a ts a key already has, so only one batch can carry it twice.
    s.applyMutations([put("k", "a"), put("k", "b")], [], 0, 10);
    expect(s.versionCount).toBe(1);
    expect(s.getAt("k", 10)).toBe("b");
    // Applied out of commitTS order (pre-allocated commitTS): j is untouched after startTS 10.
    expect(s.applyMutations([put("k", "c")], [], 10, 30)).toEqual({ ok: true });
    expect(s.applyMutations([put("j", "z")], [], 10, 30)).toEqual({ ok: true });
    expect(s.applyMutations([put("j", "y")], [], 10, 20)).toEqual({ ok: false, key: "j" });
    // The store does not order startTS against commitTS (the FSM does), so this reaches the
    // insert-below-newest path.
    expect(s.applyMutations([put("i", "y"), put("k", "d")], [], 30, 20)).toEqual({ ok: true });
    expect(s.versionsOf("k").map((v) => v.ts)).toEqual([10, 20, 30]);
    expect(s.getAt("k", 25)).toBe("d");
    expect(s.lastCommitTS()).toBe(30);
  });

  it("OCC: conflict iff latest > startTS, only when lastCommitTS > startTS; nothing written", () => {
    const s = new MvccStore();
    s.applyMutations([put("a", "1")], [], 0, 10);
    // Equality is not a conflict.
    expect(s.applyMutations([put("a", "2")], [], 10, 11)).toEqual({ ok: true });
    expect(s.applyMutations([put("b", "1"), put("a", "3")], ["c"], 10, 12)).toEqual({ ok: false, key: "a" });
    expect(s.getAt("b", 100)).toBeUndefined();
    s.applyMutations([put("r", "1")], [], 12, 13);
    // Write keys are checked before read keys.
    expect(s.applyMutations([put("a", "x")], ["r"], 10, 14)).toEqual({ ok: false, key: "a" });
    expect(s.applyMutations([put("z", "x")], ["r"], 12, 14)).toEqual({ ok: false, key: "r" });
    // A startTS at or above lastCommitTS skips the check altogether.
    expect(s.applyMutations([put("a", "x")], ["r"], 13, 14)).toEqual({ ok: true });
  });
});

describe("scanAt", () => {
  const s = new MvccStore();
  s.applyMutations(
    [put("a", "1"), put("a\x00", "2"), put("ab", "3"), put("b", "4"), put("\xff", "5")],
    [],
    0,
    10,
  );
  s.applyMutations([del("ab"), put("b", "4'")], [], 10, 20);

  it("forward over [start, end) in byte order, skipping tombstones", () => {
    expect(s.scanAt("a", "b", 10, 20)).toEqual([
      ["a", "1"],
      ["a\x00", "2"],
    ]);
    expect(s.scanAt("a", "b", 10, 15)).toEqual([
      ["a", "1"],
      ["a\x00", "2"],
      ["ab", "3"],
    ]);
    expect(s.scanAt("a\x00", "", 100, 20)).toEqual([
      ["a\x00", "2"],
      ["b", "4'"],
      ["\xff", "5"],
    ]);
    expect(s.scanAt("b", "a", 10, 20)).toEqual([]);
    expect(s.scanAt("a", "z", 0, 20)).toEqual([]);
  });

  it("limit counts visible results only", () => {
    expect(s.scanAt("a\x00", "", 2, 20)).toEqual([
      ["a\x00", "2"],
      ["b", "4'"],
    ]);
  });

  it("reverse is descending, end exclusive, stops at start", () => {
    expect(s.scanAt("a", "b", 10, 20, true)).toEqual([
      ["a\x00", "2"],
      ["a", "1"],
    ]);
    expect(s.scanAt("a\x00", "", 2, 20, true)).toEqual([
      ["\xff", "5"],
      ["b", "4'"],
    ]);
    expect(s.scanAt("a", "\xff", 10, 15, true).map(([k]) => k)).toEqual(["b", "ab", "a\x00", "a"]);
  });

  it("matches a naive scan at every ts (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(mutArb, { minLength: 1, maxLength: 3 }), { maxLength: 12 }),
        keyArb,
        fc.oneof(keyArb, fc.constant("")),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 14 }),
        fc.boolean(),
        (txns, start, end, limit, ts, reverse) => {
          const st = new MvccStore();
          for (const [i, m] of txns.entries()) st.applyMutations(m, [], i, i + 1);
          const expected: Array<[string, string]> = [];
          const keys = [...KEYS].sort();
          if (reverse) keys.reverse();
          for (const k of keys) {
            if (k < start || (end !== "" && k >= end)) continue;
            const vis = st.versionsOf(k).filter((v) => v.ts <= ts);
            const v = vis[vis.length - 1];
            if (v && !v.tombstone) expected.push([k, v.value]);
          }
          expect(st.scanAt(start, end, limit, ts, reverse)).toEqual(expected.slice(0, limit));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("stays exact once long-deleted keys leave the scan tree, for old and new snapshots (property)", () => {
    // Enough deletions to move keys to the cold tree many times over; scans at every age of
    // snapshot, so that both the fast path and the merged one are compared with a naive scan.
    const keys = Array.from({ length: 160 }, (_, i) => `k${String.fromCharCode(65 + (i % 26))}${i}`);
    let coldRuns = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            key: fc.integer({ min: 0, max: keys.length - 1 }),
            del: fc.integer({ min: 0, max: 3 }).map((x) => x !== 0),
            back: fc.integer({ min: 0, max: 3 }),
          }),
          { minLength: 400, maxLength: 900 },
        ),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 50 }), fc.boolean()), {
          minLength: 1,
          maxLength: 20,
        }),
        (writes, scans) => {
          const st = new MvccStore();
          let ts = 0;
          for (const [i, w] of writes.entries()) {
            // Mostly ascending commit timestamps, now and then one below the newest (out of order).
            ts += 4;
            const at = ts - w.back;
            const k = keys[w.key]!;
            st.applyMutations([w.del ? del(k) : put(k, `v${i}`)], [], at - 1, at);
            if (i % 50 === 49) {
              for (const [a, b, limit, reverse] of scans) {
                const readTS = (a % (ts + 2)) as number;
                const lo = keys[b % keys.length]!;
                const expected: Array<[string, string]> = [];
                const sorted = [...keys].sort();
                if (reverse) sorted.reverse();
                for (const key of sorted) {
                  if (key < lo) continue;
                  const vis = st.versionsOf(key).filter((v) => v.ts <= readTS);
                  const v = vis[vis.length - 1];
                  if (v && !v.tombstone) expected.push([key, v.value]);
                }
                expect(st.scanAt(lo, "", limit, readTS, reverse)).toEqual(expected.slice(0, limit));
                // A recent read keeps the floor moving.
                st.scanAt("", "", 1, ts, false);
              }
            }
          }
          expect(st.keyCount).toBe(new Set(writes.map((w) => w.key)).size);
          expect(st.clone().snapshotBytes()).toBe(st.snapshotBytes());
          // The snapshot lists every key once, in key order, from both trees.
          const snapKeys = st
            .snapshotBytes()
            .split("\n")
            .slice(1)
            .map((line) => JSON.parse(/^"(?:[^"\\]|\\.)*"/.exec(line)![0]) as string);
          expect(snapKeys).toEqual([...new Set(writes.map((w) => keys[w.key]))].sort());
          if ((st as unknown as { cold: { size: number } }).cold.size > 0) coldRuns++;
        },
      ),
      { numRuns: 40 },
    );
    expect(coldRuns).toBeGreaterThan(0);
  });
});

describe("compaction", () => {
  it("keeps the newest version at or below minTS, raises the floor, refuses older reads", () => {
    const s = new MvccStore();
    for (let t = 1; t <= 5; t++) s.applyMutations([put("k", `v${t}`)], [], (t - 1) * 10, t * 10);
    s.applyMutations([del("d")], [], 50, 60);
    expect(s.compact(35)).toEqual({ minTS: 35, removed: 2 });
    expect(s.versionsOf("k").map((v) => v.ts)).toEqual([30, 40, 50]);
    expect(s.getAt("k", 35)).toBe("v3");
    expect(s.versionCount).toBe(4);
    expect(() => s.getAt("k", 34)).toThrow(ReadTSCompactedError);
    expect(() => s.scanAt("", "", 10, 20)).toThrow(ReadTSCompactedError);
    // Tombstones survive so OCC still sees their timestamps.
    s.compact(100);
    expect(s.latestCommitTS("d")).toBe(60);
    expect(s.committedVersionAt("k", 50)).toBe(true);
  });

  it("clamps to the oldest pinned read ts", () => {
    const s = new MvccStore();
    for (let t = 1; t <= 5; t++) s.applyMutations([put("k", `v${t}`)], [], (t - 1) * 10, t * 10);
    s.pinReadTS(25);
    s.pinReadTS(25);
    expect(s.compact(45).minTS).toBe(25);
    expect(s.getAt("k", 25)).toBe("v2");
    s.unpinReadTS(25);
    expect(s.minActiveReadTS()).toBe(25);
    s.unpinReadTS(25);
    expect(s.minActiveReadTS()).toBeUndefined();
    expect(s.compact(45).minTS).toBe(45);
    expect(() => s.unpinReadTS(25)).toThrow();
  });

  it("never drops a version visible to a pinned read ts (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(mutArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 15 }),
        fc.array(fc.integer({ min: 0, max: 16 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 3 }),
        (txns, pins, compactions) => {
          const s = new MvccStore();
          for (const [i, m] of txns.entries()) s.applyMutations(m, [], i, i + 1);
          for (const p of pins) s.pinReadTS(p);
          const before = pins.map((p) => s.scanAt("", "", 100, p));
          for (const c of compactions) s.compact(c);
          pins.forEach((p, i) => {
            expect(s.scanAt("", "", 100, p)).toEqual(before[i]);
            for (const k of KEYS) expect(s.getAt(k, p)).toBe(before[i].find(([kk]) => kk === k)?.[1]);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("clone and snapshotBytes", () => {
  it("clone is deep and byte-identical", () => {
    const s = new MvccStore();
    s.applyMutations([put("a", "1"), del("b")], [], 0, 5);
    const c = s.clone();
    expect(c.snapshotBytes()).toBe(s.snapshotBytes());
    c.applyMutations([put("a", "2")], [], 5, 6);
    expect(s.getAt("a", 6)).toBe("1");
    expect(c.snapshotBytes()).not.toBe(s.snapshotBytes());
    expect(s.snapshotBytes()).toBe('last=5 minRetained=0\n"a" 5="1"\n"b" 5!');
  });
});

// ---------------------------------------------------------------------------------------------
// Model-based: serial histories against a single-version map per commit.

interface SerialModel {
  /** State after each commit, oldest first; index 0 is the empty state at ts 0. */
  states: Array<{ ts: number; map: Map<string, string> }>;
  latest: Map<string, number>;
  minRetained: number;
}

function modelAt(m: SerialModel, ts: number): Map<string, string> {
  let found = m.states[0].map;
  for (const s of m.states) if (s.ts <= ts) found = s.map;
  return found;
}

const lastTS = (m: SerialModel) => m.states[m.states.length - 1].ts;
const readTSFor = (m: SerialModel, back: number) => Math.max(0, lastTS(m) - back);
const refused = (m: SerialModel, ts: number) => ts !== 0 && ts < m.minRetained;

class TxnCmd implements fc.Command<SerialModel, MvccStore> {
  constructor(
    readonly muts: Mutation[],
    readonly readKeys: string[],
    readonly gap: number,
  ) {}
  check = () => true;
  run(m: SerialModel, s: MvccStore): void {
    const startTS = s.lastCommitTS();
    expect(startTS).toBe(lastTS(m));
    const commitTS = startTS + this.gap;
    expect(s.applyMutations(this.muts, this.readKeys, startTS, commitTS)).toEqual({ ok: true });
    const next = new Map(modelAt(m, startTS));
    for (const mu of this.muts) {
      if (mu.op === "put") next.set(mu.key, mu.value);
      else next.delete(mu.key);
      m.latest.set(mu.key, commitTS);
    }
    m.states.push({ ts: commitTS, map: next });
    expect(s.versionCount).toBeGreaterThanOrEqual(m.latest.size);
  }
  toString = () => `txn(${JSON.stringify(this.muts)}, +${this.gap})`;
}

class GetCmd implements fc.Command<SerialModel, MvccStore> {
  constructor(
    readonly key: string,
    readonly back: number,
  ) {}
  check = () => true;
  run(m: SerialModel, s: MvccStore): void {
    const ts = readTSFor(m, this.back);
    if (refused(m, ts)) {
      expect(() => s.getAt(this.key, ts)).toThrow(ReadTSCompactedError);
      return;
    }
    expect(s.getAt(this.key, ts)).toBe(modelAt(m, ts).get(this.key));
    expect(s.latestCommitTS(this.key)).toBe(m.latest.get(this.key) ?? 0);
  }
  toString = () => `get(${JSON.stringify(this.key)}, -${this.back})`;
}

class ScanCmd implements fc.Command<SerialModel, MvccStore> {
  constructor(
    readonly start: string,
    readonly end: string,
    readonly limit: number,
    readonly reverse: boolean,
    readonly back: number,
  ) {}
  check = () => true;
  run(m: SerialModel, s: MvccStore): void {
    const ts = readTSFor(m, this.back);
    if (refused(m, ts)) {
      expect(() => s.scanAt(this.start, this.end, this.limit, ts, this.reverse)).toThrow(
        ReadTSCompactedError,
      );
      return;
    }
    const entries = [...modelAt(m, ts).entries()]
      .filter(([k]) => k >= this.start && (this.end === "" || k < this.end))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (this.reverse) entries.reverse();
    expect(s.scanAt(this.start, this.end, this.limit, ts, this.reverse)).toEqual(
      entries.slice(0, this.limit),
    );
  }
  toString = () => `scan(${JSON.stringify([this.start, this.end, this.limit, this.reverse])}, -${this.back})`;
}

class CompactCmd implements fc.Command<SerialModel, MvccStore> {
  constructor(readonly back: number) {}
  check = () => true;
  run(m: SerialModel, s: MvccStore): void {
    const minTS = readTSFor(m, this.back);
    s.compact(minTS);
    m.minRetained = Math.max(m.minRetained, minTS);
    expect(s.minRetainedTS()).toBe(m.minRetained);
  }
  toString = () => `compact(-${this.back})`;
}

describe("MvccStore model-based (serial)", () => {
  it("agrees with a single-version map per commit", () => {
    const cmds = [
      fc
        .tuple(
          fc.array(mutArb, { minLength: 1, maxLength: 4 }),
          fc.array(keyArb, { maxLength: 2 }),
          fc.integer({ min: 1, max: 3 }),
        )
        .map(([mu, r, g]) => new TxnCmd(mu, r, g)),
      fc.tuple(keyArb, fc.integer({ min: 0, max: 8 })).map(([k, b]) => new GetCmd(k, b)),
      fc
        .tuple(
          keyArb,
          fc.oneof(keyArb, fc.constant("")),
          fc.integer({ min: 0, max: 5 }),
          fc.boolean(),
          fc.integer({ min: 0, max: 8 }),
        )
        .map(([a, b, l, r, back]) => new ScanCmd(a, b, l, r, back)),
      fc.integer({ min: 0, max: 10 }).map((b) => new CompactCmd(b)),
    ];
    fc.assert(
      fc.property(fc.commands(cmds, { maxCommands: 60 }), (cs) => {
        const model: SerialModel = { states: [{ ts: 0, map: new Map() }], latest: new Map(), minRetained: 0 };
        fc.modelRun(() => ({ model, real: new MvccStore() }), cs);
      }),
      { numRuns: 800 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Concurrent histories: txns pick a start ts, read, and later try to apply; the committed ones
// must be serializable in commitTS order with exactly the reads they made.

interface TxnSpec {
  lag: number;
  readKeys: string[];
  muts: Mutation[];
}

interface TxnRun {
  spec: TxnSpec;
  step: 0 | 1 | 2 | 3;
  startTS: number;
  reads: Array<[string, string | undefined]>;
  commitTS: number;
  committed: boolean;
}

let concurrentCommits = 0;
let concurrentConflicts = 0;

describe("MvccStore OCC (concurrent interleavings)", () => {
  it("committed txns are conflict-serializable in commitTS order", () => {
    const specArb: fc.Arbitrary<TxnSpec> = fc.record({
      lag: fc.integer({ min: 0, max: 3 }),
      readKeys: fc.uniqueArray(fc.constantFrom("a", "b", "c", "d"), { maxLength: 3 }),
      muts: fc.array(
        fc.oneof(
          fc.record({
            op: fc.constant("put" as const),
            key: fc.constantFrom("a", "b", "c", "d"),
            value: valueArb,
          }),
          fc.record({ op: fc.constant("del" as const), key: fc.constantFrom("a", "b", "c", "d") }),
        ),
        { maxLength: 3 },
      ),
    });
    fc.assert(
      fc.property(
        fc.array(specArb, { minLength: 2, maxLength: 7 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 3 }),
        (specs, schedule, gap) => {
          const store = new MvccStore();
          const runs: TxnRun[] = specs.map((spec) => ({
            spec,
            step: 0,
            startTS: 0,
            reads: [],
            commitTS: 0,
            committed: false,
          }));
          let clock = 0;
          const advance = (r: TxnRun) => {
            if (r.step === 0) {
              // Snapshots are taken at or below the applied watermark.
              r.startTS = Math.max(0, store.lastCommitTS() - r.spec.lag);
            } else if (r.step === 1) {
              r.reads = r.spec.readKeys.map((k) => [k, store.getAt(k, r.startTS)]);
            } else if (r.step === 2) {
              // commitTS allocated at apply time, so apply order = commitTS order.
              clock = Math.max(clock, store.lastCommitTS()) + gap;
              r.commitTS = clock;
              const out = store.applyMutations(r.spec.muts, r.spec.readKeys, r.startTS, r.commitTS);
              r.committed = out.ok;
              if (out.ok) concurrentCommits++;
              else concurrentConflicts++;
            }
            if (r.step < 3) r.step++;
          };
          for (const pick of schedule) advance(runs[pick % runs.length]);
          for (const r of runs) while (r.step < 3) advance(r);

          const ref = new Map<string, string>();
          for (const r of runs.filter((x) => x.committed).sort((x, y) => x.commitTS - y.commitTS)) {
            for (const [k, v] of r.reads) expect(v).toBe(ref.get(k));
            for (const m of r.spec.muts) {
              if (m.op === "put") ref.set(m.key, m.value);
              else ref.delete(m.key);
            }
          }
          const final = store.scanAt("", "", 100, store.lastCommitTS());
          expect(final).toEqual([...ref.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
        },
      ),
      { numRuns: 2000 },
    );
    // Not vacuous: both outcomes happened.
    expect(concurrentCommits).toBeGreaterThan(100);
    expect(concurrentConflicts).toBeGreaterThan(100);
  });
});
