/**
 * Where the test fixtures that are not part of this repository live: Elle's list-append cases and
 * real Jepsen histories (README "Quick start"). One setting names their folder, DELTASIM_FIXTURES
 * (absolute, or relative to the repository root), by default `../shared` — a `shared/` folder
 * beside the clone. A suite whose fixtures are absent is skipped with the reason in its title,
 * so a fresh clone passes and says what it did not run.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES_ENV = "DELTASIM_FIXTURES";
const DEFAULT_FIXTURES = "../shared";
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export type FixtureFolder = { found: true; dir: string } | { found: false; reason: string };

/** The fixture folder `sub` (e.g. "elle-cases"), or why it cannot be used; needs `marker` inside. */
export function fixtureFolder(
  sub: string,
  marker = "expected.json",
  env: NodeJS.ProcessEnv = process.env,
): FixtureFolder {
  const setting = env[FIXTURES_ENV];
  const base = resolve(repoRoot, setting === undefined || setting === "" ? DEFAULT_FIXTURES : setting);
  const dir = resolve(base, sub);
  if (existsSync(resolve(dir, marker))) return { found: true, dir };
  const how = setting ? `${FIXTURES_ENV}=${setting}` : `${FIXTURES_ENV} unset, default ${DEFAULT_FIXTURES}`;
  return { found: false, reason: `no ${sub}/${marker} under ${base} (${how}); see README "Quick start"` };
}
