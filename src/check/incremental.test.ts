/**
 * The incremental checker against the batch one: on every fixture (Elle's cases, the real Jepsen
 * histories, generated dense histories), fed op by op, its final verdict is the batch verdict, and
 * whenever it claims a proof before the end, the batch verdict on the whole history is invalid.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateDenseHistory } from "../../bench/dense.ts";
import { fixtureFolder } from "../io/fixtures.ts";
import { append, HistoryBuilder, read } from "./build.ts";
import type { History, Key, MicroOp } from "./history.ts";
import { IncrementalChecker, type IncrementalOptions, type Proof } from "./incremental.ts";
import { type CheckOptions, checkHistory, parseHistory } from "./index.ts";

/** Keys that only append and r touch in the whole history: what a run would declare up front. */
function appendOnlyKeys(h: History): (k: Key) => boolean {
  const bad = new Set<Key>();
  for (const op of h)
    if (Array.isArray(op.value) && typeof op.process === "number")
      for (const m of op.value as MicroOp[]) if (m[0] !== "append" && m[0] !== "r") bad.add(m[1]);
  return (k) => !bad.has(k);
}

function feed(h: History, opts: CheckOptions, extra: Partial<IncrementalOptions> = {}) {
  const inc = new IncrementalChecker({ ...opts, appendOnlyKeys: appendOnlyKeys(h), ...extra });
  let first: Proof | null = null;
  for (const op of h) {
    const p = inc.add(op);
    if (p !== null && first === null) first = p;
  }
  first ??= inc.checkNow();
  return { first, final: inc.finish(), batch: checkHistory(h, opts) };
}

let provedEarly = 0;
let provedAtAll = 0;

function agrees(h: History, opts: CheckOptions, extra?: Partial<IncrementalOptions>) {
  const { first, final, batch } = feed(h, opts, extra);
  expect(final).toEqual(batch);
  if (first !== null) {
    provedAtAll++;
    if (first.ops < h.length) provedEarly++;
    expect(batch.valid).toBe(false);
    expect(first.anomalies.length).toBeGreaterThan(0);
  }
}

// The Elle cases and real Jepsen histories live outside the repository (src/io/fixtures.ts).
const elleFixtures = fixtureFolder("elle-cases");
const realFixtures = fixtureFolder("real-histories");
for (const f of [elleFixtures, realFixtures])
  if (!f.found)
    describe.skip(`incremental checking on fixtures — skipped: ${f.reason}`, () =>
      it("agrees with the batch check", () => {}));

describe("incremental checking agrees with the batch check", () => {
  if (elleFixtures.found) {
    const elleDir = elleFixtures.dir;
    const elle = JSON.parse(readFileSync(join(elleDir, "expected.json"), "utf8")) as Record<
      string,
      { models: string[]; anomaliesRequested: string[] }
    >;
    for (const [name, e] of Object.entries(elle))
      it(`Elle case ${name}`, () => {
        const h = parseHistory(readFileSync(join(elleDir, `${name}.edn`), "utf8"));
        agrees(h, { models: e.models, anomalies: e.anomaliesRequested }, { minOps: 1 });
      });
  }

  const realDir = realFixtures.found ? realFixtures.dir : "";
  const real = realFixtures.found
    ? (JSON.parse(readFileSync(join(realDir, "expected.json"), "utf8")) as Record<string, unknown>)
    : {};
  for (const file of Object.keys(real))
    it(`real history ${file}`, () => {
      const h = parseHistory(readFileSync(join(realDir, file), "utf8"));
      // Doubling keeps the re-checks within twice one batch check on the large ones.
      agrees(h, {}, { growth: 1 });
      agrees(h, { model: "serializable" }, { growth: 1 });
    });

  it("generated dense histories, under several models", () => {
    for (let seed = 1; seed <= 6; seed++)
      for (const snapshotIsolation of [false, true]) {
        const h = generateDenseHistory({
          txns: 150,
          seed,
          snapshotIsolation,
          lenKeys: seed % 2 === 0 ? 0.5 : 0,
        });
        for (const model of ["strict-serializable", "serializable", "snapshot-isolation", "read-committed"])
          agrees(h, { model });
      }
  });

  it("proves a stale read long before the run ends", () => {
    const b = new HistoryBuilder()
      .txn(0, [append("x", 1)])
      .txn(1, [read("x", [])])
      .txn(2, [read("x", [1])]);
    for (let i = 0; i < 200; i++) b.txn(2, [append("y", i + 1)]);
    const h = b.build();
    const { first, batch } = feed(h, {}, { minOps: 1 });
    expect(batch.valid).toBe(false);
    expect(first).not.toBeNull();
    expect(first!.ops).toBeLessThan(10);
    expect(first!.anomalies.map((a) => a.type)).toEqual(["G-single-item-realtime"]);
  });

  it("waits on what a later op could explain: an append no read has placed yet", () => {
    // Until a read shows where 2 went, nothing orders the two appends.
    const b = new HistoryBuilder()
      .txn(0, [read("x", [])])
      .txn(1, [append("x", 1)])
      .txn(2, [append("x", 2)]);
    const inc = new IncrementalChecker({ appendOnlyKeys: () => true, minOps: 1 });
    for (const op of b.build()) expect(inc.add(op)).toBeNull();
    expect(inc.finish().valid).toBe(true);
  });

  it.runIf(elleFixtures.found && realFixtures.found)(
    "some fixtures are proved before their end (the property above is not vacuous)",
    () => {
      expect(provedAtAll).toBeGreaterThan(5);
      expect(provedEarly).toBeGreaterThan(5);
    },
  );
});
