// Every committed repro replays to the history hash and anomaly types it stores, and is still a
// counterexample a person can read in a minute: at most 12 client ops and 3 faults (the shrink
// target, docs/performance.md). A model change that moves one of them fails here, by file name,
// with the differences `sim replay` would print; a knob added since must keep old files replaying
// through `valueWhenUnrecorded` (src/cluster/knobs.ts).
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compareReplay, prepareRepro, replayPrepared } from "../src/campaign/replay.ts";

const DIR = new URL("./repros/", import.meta.url);
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort();

const MAX_OPS = 12;
const MAX_FAULTS = 3;

describe("the committed repros", () => {
  it("are there", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const name of files) {
    it(`${name} replays to its stored hash and anomalies, within ${MAX_OPS} ops and ${MAX_FAULTS} faults`, async () => {
      const file = fileURLToPath(new URL(name, DIR));
      const p = await prepareRepro(file);
      const ev = replayPrepared(p);
      expect(compareReplay(file, p, ev.result).differences).toEqual([]);
      expect(ev.result.anomalyTypes.length).toBeGreaterThan(0);
      expect(ev.result.stats.ops).toBeLessThanOrEqual(MAX_OPS);
      expect(ev.result.stats.faults).toBeLessThanOrEqual(MAX_FAULTS);
    });
  }
});
