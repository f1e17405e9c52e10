import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatHistory } from "../check/format.ts";
import type { History, MicroOp } from "../check/history.ts";
import { checkHistory } from "../check/index.ts";
import { checkColumnsOfFile, checkCommand, countTxns } from "./check.ts";
import { makeIO } from "./cli-io.ts";

/** Serial txns on a few keys, two clients taking turns, one failed txn and a nemesis op: valid. */
function validHistory(): History {
  const h: History = [];
  const lists = new Map<number, number[]>();
  let next = 1;
  for (let i = 0; i < 60; i++) {
    const p = i % 2;
    const k = i % 3;
    const mops: MicroOp[] = [
      ["r", k, null],
      ["append", k, next++],
    ];
    h.push({ index: h.length, type: "invoke", process: p, f: "txn", value: mops });
    if (i === 7) {
      h.push({ index: h.length, type: "fail", process: p, f: "txn", value: mops, error: "conflict" });
      continue;
    }
    const l = lists.get(k) ?? [];
    const done: MicroOp[] = [
      ["r", k, [...l]],
      ["append", k, mops[1][2]],
    ];
    lists.set(k, [...l, mops[1][2] as number]);
    h.push({ index: h.length, type: "ok", process: p, f: "txn", value: done, time: i });
    if (i === 30) h.push({ index: h.length, type: "info", process: "nemesis", f: "kill", value: ["n1"] });
  }
  return h;
}

const dir = mkdtempSync(join(tmpdir(), "deltasim-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(file: string, model: string, json: boolean): Promise<{ code: number; out: string }> {
  let out = "";
  const w = { write: (s: string) => (out += s) };
  const code = await checkCommand(file, { model, json }, makeIO({ json }, w, w, { NO_COLOR: "1" }));
  return { code, out: out.replace(/"wallMs": [0-9.]+/, '"wallMs": 0').replace(/ {2}[0-9.]+ ms\n$/, "") };
}

describe("sim check's column path", () => {
  const h = validHistory();
  for (const format of ["edn", "jsonl"] as const)
    it(`answers for a plain valid ${format} history, as the general check would`, async () => {
      const file = join(dir, `valid.${format}`);
      writeFileSync(file, formatHistory(h, format));
      for (const model of ["strict-serializable", "read-committed"]) {
        const fast = await checkColumnsOfFile(file, model);
        expect(fast).not.toBeNull();
        expect(fast!.verdict).toEqual(checkHistory(h, { model }));
        expect(fast!.ops).toBe(countTxns(h));
        const { code, out } = await run(file, model, true);
        expect(code).toBe(0);
        expect(JSON.parse(out).cycleSearch).toEqual(checkHistory(h, { model }).cycleSearch);
      }
    });

  it("leaves a history with an anomaly, or of another shape, to the general reader and check", async () => {
    // A stale read: key 0 read as [] after the first append to it completed.
    const stale: History = [
      ...h,
      { index: h.length, type: "invoke", process: 5, f: "txn", value: [["r", 0, null]] },
      { index: h.length + 1, type: "ok", process: 5, f: "txn", value: [["r", 0, []]] },
    ];
    const anomalous = join(dir, "stale.edn");
    writeFileSync(anomalous, formatHistory(stale, "edn"));
    expect(await checkColumnsOfFile(anomalous, "strict-serializable")).toBeNull();
    const { code, out } = await run(anomalous, "strict-serializable", true);
    expect(code).toBe(1);
    expect(JSON.parse(out).anomalyTypes).toEqual(checkHistory(stale).anomalyTypes);

    const wrapped = join(dir, "wrapped.edn");
    writeFileSync(wrapped, `[${formatHistory(h, "edn")}]\n`);
    expect(await checkColumnsOfFile(wrapped, "strict-serializable")).toBeNull();
    expect((await run(wrapped, "strict-serializable", false)).out).toBe(
      (await run(join(dir, "valid.edn"), "strict-serializable", false)).out.replace(
        "valid.edn",
        "wrapped.edn",
      ),
    );
    expect(await checkColumnsOfFile(join(dir, "no-such-file.edn"), "strict-serializable")).toBeNull();
  });
});
