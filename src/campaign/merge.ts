/**
 * `sim merge DIR…`: combine the results of shards (`sim fuzz --shard I/N`, run on separate
 * machines) into one campaign folder: summary.json, junit.xml and report.html. Each DIR is a shard
 * folder (with a summary.json) or a folder of shard folders. Repro paths are rebased so that they
 * resolve from the merged folder.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../io/errors.ts";
import { claimOutDir } from "../io/outdir.ts";
import { TOOL } from "../io/version.ts";
import {
  type CampaignSummary,
  findSummaryDirs,
  mergeSummaries,
  readSummary,
  relocateRepros,
} from "../report/summary.ts";
import { type CliIO, EXIT, line, printJson } from "./cli-io.ts";
import { writeCampaignFiles } from "./fuzz.ts";
import { unshardedId } from "./plan.ts";
import { campaignRunReports } from "./report.ts";

async function exists(p: string): Promise<"dir" | "file" | undefined> {
  try {
    return (await stat(p)).isDirectory() ? "dir" : "file";
  } catch {
    return undefined;
  }
}

/** The shard folders named by the arguments. */
export async function shardDirs(args: string[]): Promise<string[]> {
  const dirs: string[] = [];
  for (const a of args) {
    const kind = await exists(a);
    if (kind === undefined) throw new InputError({ file: a, problem: "cannot read: no such file or folder" });
    if (kind === "file") {
      throw new InputError({
        file: a,
        expected: "a shard folder (holding summary.json) or a folder of them",
        found: "a file",
      });
    }
    if ((await exists(join(a, "summary.json"))) === "file") dirs.push(a);
    else {
      const found = await findSummaryDirs(a);
      if (found.length === 0)
        throw new InputError({ file: a, problem: "no summary.json in it or in its subfolders" });
      dirs.push(...found);
    }
  }
  return [...new Set(dirs)];
}

export async function mergeCommand(
  args: string[],
  opts: { out?: string; json?: boolean; force?: boolean },
  io: CliIO,
): Promise<number> {
  const dirs = await shardDirs(args);
  const summaries: Array<{ dir: string; s: CampaignSummary }> = [];
  for (const d of dirs) summaries.push({ dir: d, s: await readSummary(d) });
  const names = [...new Set(summaries.map(({ s }) => unshardedId(s.campaign)))];
  const campaign = names.length === 1 ? names[0]! : "merged";
  const { dir: out } = await claimOutDir({
    out: opts.out,
    defaultDir: join("reports", campaign),
    force: opts.force,
  });
  const merged = mergeSummaries(
    summaries.map(({ dir, s }) => relocateRepros(s, dir, out)),
    campaign,
  );
  await writeCampaignFiles(out, merged, await campaignRunReports(out, merged));
  if (io.json) printJson(io, { ...merged, tool: TOOL, out });
  else {
    line(
      io,
      `merged ${summaries.length} shard${summaries.length === 1 ? "" : "s"}: ${merged.seeds} seeds, ${merged.failures.length} failure${merged.failures.length === 1 ? "" : "s"} in ${merged.groups.length} group${merged.groups.length === 1 ? "" : "s"} → ${out}`,
    );
    for (const g of merged.groups)
      line(io, `  ${io.c.red(g.signature)}  ×${g.count}  ${join(out, g.smallest.repro)}`);
  }
  return merged.failures.length > 0 ? EXIT.failure : EXIT.valid;
}
