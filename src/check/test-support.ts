/**
 * What the checker's tests share: run the checker on a built history, and expect a verdict or an
 * anomaly of it. Used by tests only.
 */
import { expect } from "vitest";
import type { HistoryBuilder } from "./build.ts";
import type { History } from "./history.ts";
import { type CheckOptions, type CheckResult, checkHistory } from "./index.ts";

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
