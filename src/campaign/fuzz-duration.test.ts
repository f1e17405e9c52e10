/**
 * `--duration` caps a campaign's shrinking as well as its seeds. Run in this thread (`--workers 0`)
 * so that no process or worker start-up eats into the small budget. No timing is asserted: a broken
 * cap shows as two 60 s shrinks outlasting the test's timeout, and the summary must say how
 * shrinking went.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { makeIO } from "./cli-io.ts";
import { fuzzCommand } from "./fuzz.ts";

const dir = mkdtempSync(join(tmpdir(), "deltasim-duration-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const API = fileURLToPath(new URL("../workload/scenario.ts", import.meta.url));

it("ends shrinks at the end of --duration and reports them", async () => {
  // An event cap far too small: every seed is a sim-error failure.
  const file = join(dir, "capped.ts");
  writeFileSync(
    file,
    `import { lrange, rpush, scenario, script } from ${JSON.stringify(API)};
export default scenario({
  description: "fails every seed",
  cluster: { nodes: 3 },
  clients: [script("p0", [rpush("k", 1), lrange("k"), rpush("k", 2), lrange("k")])],
  runFor: "1s",
  caps: { events: 30 },
});
`,
  );
  let stdout = "";
  const io = makeIO({ json: true }, { write: (s: string) => (stdout += s) }, { write: () => true });
  const code = await fuzzCommand(
    [file],
    {
      seeds: "2",
      duration: "6s",
      workers: "0",
      shrinkTime: "60s",
      shrinkLimit: "all",
      json: true,
      out: join(dir, "out"),
    },
    io,
  );
  expect(code).toBe(1);
  const f = JSON.parse(stdout) as { seeds: number; shrinking: Record<string, number> };
  expect(f.seeds).toBe(2);
  const k = f.shrinking;
  expect(k.limitMs).toBe(60_000);
  // Each failure was either shrunk (within what was left of the duration) or not started.
  expect(k.started + k.skippedForTime).toBe(2);
  expect(k.shrunk + k.cutShort).toBeLessThanOrEqual(k.started);
  const summary = JSON.parse(readFileSync(join(dir, "out", "summary.json"), "utf8"));
  expect(summary.shrinking).toEqual(k);
});
