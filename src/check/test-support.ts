/**
 * What the checker's tests share: run the checker on a built history, and expect a verdict or an
 * anomaly of it. Used by tests only.
 */
import fc from "fast-check";
import { expect } from "vitest";
import type { HistoryBuilder } from "./build.ts";
import type { History, Key, MicroOp } from "./history.ts";
import { type CheckOptions, type CheckResult, checkHistory } from "./index.ts";
import type { RefMop, RefTxn } from "./reference-model.ts";

export function check(b: HistoryBuilder, opts?: CheckOptions): CheckResult {
  return checkHistory(b.build(), opts);
}

/** Valid, with every anomaly's explanation shown when it is not. */
export function expectValid(b: HistoryBuilder, opts?: CheckOptions): void {
  const res = check(b, opts);
  expect(res.anomalies.map((a) => `${a.type}: ${a.explanation}`)).toEqual([]);
  expect(res.valid).toBe(true);
}

/** The first anomaly of `type`, which must be there. */
export function found(res: CheckResult, type: string) {
  const a = res.anomalies.find((x) => x.type === type);
  expect(a, `${type} among ${res.anomalyTypes.join(", ")}`).toBeDefined();
  return a!;
}

/**
 * No anomaly under any of `models`, save that a history with no dependency at all may be
 * undecidable (empty-transaction-graph).
 */
export function expectNoAnomalies(h: History, models: readonly string[]): void {
  for (const model of models) {
    const bad = checkHistory(h, { model }).anomalies.filter((a) => a.type !== "empty-transaction-graph");
    expect(bad.map((a) => `${model}: ${a.type}: ${a.explanation}`)).toEqual([]);
  }
}

/** Micro-ops as the queue and hash analyses read them (the value is the completion's reply). */
export const lpush = (k: Key, v: number): MicroOp => ["lpush", k, v];
export const lpop = (k: Key, v: number | null = null): MicroOp => ["pop", k, v];
export const rpop = (k: Key, v: number | null = null): MicroOp => ["rpop", k, v];
export const llen = (k: Key, n: number): MicroOp => ["len", k, n];
export const del = (k: Key, n: number): MicroOp => ["del", k, n];
export const exists = (k: Key, n: number): MicroOp => ["exists", k, n];
export const hset = (k: Key, f: string, v: number, isNew: boolean | null = null): MicroOp => [
  "hset",
  k,
  [f, v, isNew],
];
export const hdel = (k: Key, f: string, removed: boolean | null = null): MicroOp => ["hdel", k, [f, removed]];
export const hget = (k: Key, f: string, v: number | null = null): MicroOp => ["hget", k, [f, v]];
export const hgetall = (k: Key, m: Record<string, number> = {}): MicroOp => ["hgetall", k, m];
export const hlen = (k: Key, n: number): MicroOp => ["hlen", k, n];

/** Reference transactions of 1 to `maxMops` micro-ops drawn from `mop`, with one of `outcomes`. */
export function refTxnArb(
  mop: fc.Arbitrary<RefMop>,
  outcomes: RefTxn["outcome"][],
  maxMops: number,
): fc.Arbitrary<RefTxn> {
  return fc.record({
    mops: fc.array(mop, { minLength: 1, maxLength: maxMops }),
    outcome: fc.constantFrom(...outcomes),
    applied: fc.boolean(),
  });
}
