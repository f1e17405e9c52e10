/**
 * The tool's version, read once from package.json so that a release needs one edit. Every JSON
 * output, summary.json and repro file carries `TOOL` (README), which is how `replay` can tell a
 * file written by another version apart when a history hash differs.
 */
import { readFileSync } from "node:fs";

function readVersion(): string {
  const url = new URL("../../package.json", import.meta.url);
  const pkg = JSON.parse(readFileSync(url, "utf8")) as { version?: unknown };
  if (typeof pkg.version !== "string") throw new Error(`${url.pathname}: field 'version' is missing`);
  return pkg.version;
}

export const VERSION: string = readVersion();
export const TOOL = `deltasim@${VERSION}` as const;
