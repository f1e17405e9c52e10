import { describe, expect, it } from "vitest";
import { prepareRepro, replayPrepared } from "./replay.ts";

// A `fixed` campaign with BUGGIFY's MULTI/EXEC of each client's own commands found it: EXEC[HSET
// "\0" c, HDEL "" c] answered HDEL 0 from a snapshot where "" did not exist yet, tracked no read key
// for it, and committed after a concurrent HSET had created "" with field c (G2-item-realtime).
describe("EXEC's hash reads of an absent key (execAbsentHashFences)", async () => {
  const p = await prepareRepro("scenarios/repros/fixed-exec-absent-hash.json");
  const run = (on: boolean) => replayPrepared({ ...p, knobs: { ...p.knobs, execAbsentHashFences: on } });

  it("without the creator fences, the recorded run shows the anomaly", () => {
    expect(p.knobs.execAbsentHashFences).toBe(false);
    expect(run(false).result.anomalyTypes).toContain("G2-item-realtime");
  });

  it("with them, the EXEC conflicts with the creating HSET and the run is valid", () => {
    const r = run(true);
    expect(r.result.anomalyTypes).toEqual([]);
    expect(r.result.valid).toBe(true);
  });
});
