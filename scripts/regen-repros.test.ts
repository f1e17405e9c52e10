/**
 * `npm run regen-repros` rewrites committed files, so a mistyped or misplaced option must stop it
 * before it reads a repro: a usage error (exit 2, one line naming the option), never a run.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("./regen-repros.ts", import.meta.url));

function regen(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", SCRIPT, ...args], (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr });
    });
  });
}

// Each case is a process start (about a second): they run side by side.
describe.concurrent("regen-repros options", () => {
  it("--help lists every option", async () => {
    const r = await regen(["--help"]);
    expect(r.code).toBe(0);
    for (const o of [
      "--only",
      "--attempts",
      "--workers",
      "--rounds",
      "--resume",
      "--check",
      "--force",
      "--hunt",
      "--seeds",
      "--failures",
      "--max-faults",
      "--target",
    ])
      expect(r.stdout).toContain(o);
  });

  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["--attempts", "0"], "--attempts: expected a positive integer"],
    [["--seeds", "1-5"], "--seeds: only with --hunt"],
    [["--hunt", "--seeds", "9-2"], "--seeds: expected A-B"],
    [["--hunt", "--failures", "2", "--max-faults", "x"], "--max-faults: expected a non-negative integer"],
    [["--hunt", "--max-faults", "3"], "--max-faults: only with --failures"],
    [["--hunt", "--resume"], "--resume: not with --hunt"],
    [["--target", ","], "--target: expected anomaly types"],
    [["--only", "no-such-repro"], "--only: no repro named no-such-repro"],
  ])("%j is a usage error", async (args, message) => {
    const r = await regen(args);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toContain(message);
    expect(r.stdout).toBe("");
  });
});
