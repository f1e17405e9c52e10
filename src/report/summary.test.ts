import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../io/errors.ts";
import { formatJson } from "../io/json.ts";
import { TOOL } from "../io/version.ts";
import {
  type CampaignFailure,
  type CampaignSummary,
  findSummaryDirs,
  groupFailures,
  mergeSummaries,
  readSummary,
  relocateRepros,
  signatureOf,
  validateSummary,
} from "./summary.ts";

function shard(
  index: number,
  failures: CampaignFailure[],
  extra: Partial<CampaignSummary> = {},
): CampaignSummary {
  return {
    tool: TOOL,
    campaign: "nightly",
    scenarios: ["list-append", "queue"],
    variant: "head",
    variants: ["head"],
    seeds: 1000,
    firstSeed: 1,
    shard: { index, count: 2 },
    wallMs: 10_000,
    seedsPerSecond: 100,
    opsPerSecond: 50_000,
    ops: 500_000,
    failures,
    groups: groupFailures(failures),
    probes: { "pop-race": 3, "compactor-race": index },
    ...extra,
  };
}

const f = (seed: number, scenario: string, types: string[], ops?: number): CampaignFailure => ({
  seed,
  scenario,
  anomalyTypes: types,
  repro: `${scenario}-${seed}/repro.json`,
  ...(ops !== undefined ? { ops } : {}),
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "deltasim-summary-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("groupFailures", () => {
  it("groups by scenario and sorted, deduplicated anomaly types; keeps the smallest", () => {
    expect(
      signatureOf({ scenario: "q", anomalyTypes: ["lost-element", "len-mismatch", "lost-element"] }),
    ).toBe("q|len-mismatch,lost-element");
    const groups = groupFailures([
      f(5, "q", ["lost-element", "len-mismatch"], 40),
      f(9, "q", ["len-mismatch", "lost-element"], 12),
      f(3, "q", ["len-mismatch", "lost-element"]),
      f(2, "list-append", ["G0"], 30),
    ]);
    expect(groups).toEqual([
      {
        signature: "q|len-mismatch,lost-element",
        count: 3,
        smallest: { seed: 9, repro: "q-9/repro.json", ops: 12 },
      },
      {
        signature: "list-append|G0",
        count: 1,
        smallest: { seed: 2, repro: "list-append-2/repro.json", ops: 30 },
      },
    ]);
  });
});

describe("mergeSummaries", () => {
  it("sums the unknown verdicts and lists their runs in one order, whatever the shard order", () => {
    const u = (scenario: string, seed: number) => ({
      scenario,
      seed,
      anomalyTypes: ["empty-transaction-graph"],
    });
    const a = shard(0, [], { unknown: 2, unknownRuns: [u("queue", 9), u("hash", 4)] });
    const b = shard(1, [], { unknown: 1, unknownRuns: [u("hash", 2)] });
    expect(() => validateSummary({ ...a, unknownRuns: [{ scenario: "q", seed: "x" }] }, "s.json")).toThrow(
      /unknownRuns\[0\]\.seed/,
    );
    for (const m of [mergeSummaries([a, b]), mergeSummaries([b, a])]) {
      expect(m.unknown).toBe(3);
      expect(m.unknownRuns?.map((r) => `${r.scenario}:${r.seed}`)).toEqual(["hash:2", "hash:4", "queue:9"]);
    }
  });

  it("dedupes failures, regroups, sums counts and wall time, keeps the smallest repro per group", () => {
    const a = shard(0, [f(2, "queue", ["lost-element"], 20), f(4, "list-append", ["G0"], 9)]);
    const b = shard(1, [f(3, "queue", ["lost-element"], 8), f(2, "queue", ["lost-element"], 20)], {
      stopped: true,
    });
    const m = mergeSummaries([a, b]);
    expect(m.tool).toBe(TOOL);
    expect(m.seeds).toBe(2000);
    expect(m.wallMs).toBe(20_000);
    expect(m.ops).toBe(1_000_000);
    expect(m.seedsPerSecond).toBe(100);
    expect(m.opsPerSecond).toBe(50_000);
    expect(m.shards).toBe(2);
    expect(m.stopped).toBe(true);
    expect(m.shard).toBeUndefined();
    expect(m.failures.map((x) => `${x.scenario}:${x.seed}`)).toEqual(["queue:2", "queue:3", "list-append:4"]);
    expect(m.groups).toEqual([
      {
        signature: "queue|lost-element",
        count: 2,
        smallest: { seed: 3, repro: "queue-3/repro.json", ops: 8 },
      },
      {
        signature: "list-append|G0",
        count: 1,
        smallest: { seed: 4, repro: "list-append-4/repro.json", ops: 9 },
      },
    ]);
    expect(m.probes).toEqual({ "compactor-race": 1, "pop-race": 6 });
    expect(m.unknown).toBeUndefined();
    // Merging is associative over shards: merging a merge gives the same groups.
    expect(mergeSummaries([mergeSummaries([a]), b]).groups).toEqual(m.groups);
  });

  it("keeps the same seed failing under two variants apart and unions variants", () => {
    const a = shard(0, [{ ...f(2, "queue", ["lost-element"]), variant: "head" }], { variants: ["head"] });
    const b = shard(1, [{ ...f(2, "queue", ["lost-element"]), variant: "pr485" }], {
      variant: "pr485",
      variants: ["pr485"],
    });
    const m = mergeSummaries([a, b], "all");
    expect(m.campaign).toBe("all");
    expect(m.failures).toHaveLength(2);
    expect(m.variants).toEqual(["head", "pr485"]);
    expect(m.variant).toBe("head,pr485");
  });

  it("recomputes ops from the rate when a shard has no op total", () => {
    const { ops: _o, ...noOps } = shard(0, []);
    expect(mergeSummaries([noOps, noOps]).ops).toBe(1_000_000);
  });

  it("rebases repro paths onto the merged folder", () => {
    const s = relocateRepros(shard(0, [f(2, "queue", ["x"])]), "/r/shard-0", "/r/merged");
    expect(s.failures[0]!.repro).toBe("../shard-0/queue-2/repro.json");
    expect(s.groups[0]!.smallest.repro).toBe("../shard-0/queue-2/repro.json");
  });
});

describe("readSummary", () => {
  it("reads shard folders in natural order and validates them", async () => {
    for (const i of [0, 1, 10, 2]) {
      await mkdir(join(dir, `shard-${i}`), { recursive: true });
      await writeFile(join(dir, `shard-${i}`, "summary.json"), formatJson(shard(i, [])));
    }
    await mkdir(join(dir, "not-a-shard"));
    const dirs = await findSummaryDirs(dir);
    expect(dirs.map((d) => d.slice(dir.length + 1))).toEqual(["shard-0", "shard-1", "shard-2", "shard-10"]);
    const s = await readSummary(dirs[3]!);
    expect(s.shard).toEqual({ index: 10, count: 2 });
  });

  it("rejects a summary with a bad field, naming it", () => {
    const bad = { ...shard(0, []), failures: [{ seed: "x", scenario: "q", anomalyTypes: [], repro: "r" }] };
    expect(() => validateSummary(bad, "s.json")).toThrow(InputError);
    expect(() => validateSummary(bad, "s.json")).toThrow(
      `s.json: field 'failures[0].seed': expected an integer, found "x"`,
    );
    const { groups: _g, ...noGroups } = shard(0, [f(1, "q", ["G0"])]);
    expect(validateSummary(noGroups, "s.json").groups).toHaveLength(1);
  });
});
