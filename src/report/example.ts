/**
 * A small hand-made failing run: a G-single (read skew) between two transactions while the network
 * is partitioned, plus an op whose outcome is unknown. Used by the report tests and to draw the
 * README's example picture, so it exercises every part of the page: lanes, a nemesis fault band, a
 * leader change, an info op, and a two-transaction cycle with an rw and a wr edge.
 */
import type { Op } from "../check/history.ts";
import type { RunReport } from "./types.ts";

const ms = (n: number) => Math.round(n * 1e6);

export function exampleHistory(): Op[] {
  return [
    {
      index: 0,
      type: "invoke",
      process: 0,
      f: "txn",
      value: [
        ["r", "x", null],
        ["r", "y", null],
      ],
      time: ms(1),
    },
    {
      index: 1,
      type: "invoke",
      process: 1,
      f: "txn",
      value: [
        ["append", "x", 1],
        ["append", "y", 1],
      ],
      time: ms(1.2),
    },
    { index: 2, type: "info", process: "nemesis", f: "partition", value: "{n1} | {n2 n3}", time: ms(1.5) },
    { index: 3, type: "invoke", process: 2, f: "txn", value: [["append", "z", 1]], time: ms(1.6) },
    {
      index: 4,
      type: "ok",
      process: 1,
      f: "txn",
      value: [
        ["append", "x", 1],
        ["append", "y", 1],
      ],
      time: ms(2),
    },
    {
      index: 5,
      type: "ok",
      process: 0,
      f: "txn",
      value: [
        ["r", "x", [1]],
        ["r", "y", []],
      ],
      time: ms(2.5),
    },
    { index: 6, type: "invoke", process: 1, f: "txn", value: [["r", "z", null]], time: ms(2.7) },
    {
      index: 7,
      type: "fail",
      process: 1,
      f: "txn",
      value: [["r", "z", null]],
      time: ms(3.1),
      error: "not leader",
    },
    {
      index: 8,
      type: "info",
      process: 2,
      f: "txn",
      value: [["append", "z", 1]],
      time: ms(4),
      error: "timeout",
    },
    { index: 9, type: "info", process: "nemesis", f: "heal", value: null, time: ms(5) },
    { index: 10, type: "invoke", process: 0, f: "txn", value: [["r", "x", null]], time: ms(5.2) },
    { index: 11, type: "ok", process: 0, f: "txn", value: [["r", "x", [1]]], time: ms(5.6) },
  ];
}

export function exampleRun(): RunReport {
  return {
    tool: "deltasim@0.1.0",
    scenario: "list-append",
    variant: "read-set-pre-raft",
    seed: 42,
    valid: false,
    anomalyTypes: ["G-single-item"],
    anomalies: [
      {
        type: "G-single-item",
        keys: ["x", "y"],
        cycle: {
          steps: [
            {
              from: 5,
              to: 4,
              kind: "rw",
              key: "y",
              value: 1,
              why: "T1 read y = [] which did not yet contain 1, appended by T2",
            },
            {
              from: 4,
              to: 5,
              kind: "wr",
              key: "x",
              value: 1,
              why: "T1 read x = [1], which contains 1, appended by T2",
            },
          ],
        },
        explanation:
          "Let T1 = {p0: [r x [1]] [r y []]} and T2 = {p1: [append x 1] [append y 1]}.\n" +
          "Then:\n" +
          "  - T1 < T2, because T1 read y = [] which did not yet contain 1, appended by T2 (rw).\n" +
          "  - However, T2 < T1, because T1 read x = [1], which contains 1, appended by T2 (wr): a contradiction!",
      },
    ],
    stats: { ops: 4, ok: 2, fail: 1, info: 1, simTimeMs: 6, leaderChanges: 1, faults: 1 },
    config: {
      nodes: 3,
      clients: 3,
      faults: { partition: true, crash: false, clockSkew: false },
      knobs: { readSetBeforeRaft: true, compactionThreshold: 8 },
    },
    probes: { "leader-change-mid-commit": 1, "ambiguous-commit-retried": 0 },
    historyHash: "9f2c4e0d51a7b3e8",
    wallMs: 12,
    repro: "reports/example/repro.json",
    history: exampleHistory(),
    events: [
      { timeUs: 1500, kind: "fault-start", detail: { fault: "partition", groups: [["n1"], ["n2", "n3"]] } },
      { timeUs: 3000, kind: "leader-change", detail: "n2 elected leader in term 3" },
      { timeUs: 5000, kind: "fault-stop", detail: { fault: "partition" } },
    ],
  };
}
