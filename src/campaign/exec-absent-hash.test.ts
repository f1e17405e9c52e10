import { describe, expect, it } from "vitest";
import { prepareRepro, replayPrepared } from "./replay.ts";

// A `fixed` campaign with BUGGIFY's MULTI/EXEC of each client's own commands found it: EXEC[HSET
// h2 c, HDEL h1 c] answered HDEL 0 from a snapshot where h1 did not exist yet, tracked no read key
// for it, and committed after a concurrent HSET had created h1 with field c (G2-item-realtime).
// The repro was made with F6's fix (`execAbsenceFences`) off too, as it covers the same path.
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
