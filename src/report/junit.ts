/**
 * JUnit XML for CI systems: one testcase per scenario × variant, failing when any seed failed. The
 * failure carries the anomaly types (message) and, per failing seed, the explanation and the command
 * that replays it, so the CI page alone says what broke.
 */
import { TOOL } from "../io/version.ts";
import { escapeAttr, escapeXml, shellQuote } from "./escape.ts";
import type { CampaignSummary } from "./summary.ts";
import type { RunResult } from "./types.ts";

export interface JunitFailure {
  seed?: number;
  anomalyTypes: string[];
  explanation?: string;
  repro?: string;
}

export interface JunitCase {
  scenario: string;
  variant: string;
  /** Seeds run for this scenario × variant, when known. */
  seeds?: number;
  timeMs?: number;
  failures: JunitFailure[];
}

/** How many failing seeds are spelled out per testcase; a campaign can find thousands. */
const MAX_DETAILED = 20;

export function renderJunit(
  suiteName: string,
  cases: JunitCase[],
  opts: { timestamp?: string } = {},
): string {
  const failed = cases.filter((c) => c.failures.length > 0).length;
  const totalMs = cases.reduce((t, c) => t + (c.timeMs ?? 0), 0);
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${escapeAttr(suiteName)}" tests="${cases.length}" failures="${failed}" time="${secs(totalMs)}">`,
    `  <testsuite name="${escapeAttr(suiteName)}" tests="${cases.length}" failures="${failed}" errors="0" skipped="0" time="${secs(totalMs)}"${opts.timestamp ? ` timestamp="${escapeAttr(opts.timestamp)}"` : ""}>`,
    `    <properties><property name="tool" value="${escapeAttr(TOOL)}"/></properties>`,
  ];
  for (const c of cases) {
    const name = `${c.scenario} [${c.variant}]`;
    const head = `    <testcase classname="deltasim.${escapeAttr(c.scenario)}" name="${escapeAttr(name)}" time="${secs(c.timeMs ?? 0)}"`;
    if (c.failures.length === 0) {
      lines.push(
        `${head}${c.seeds !== undefined ? `>\n      <system-out>${c.seeds} seeds, no anomaly</system-out>\n    </testcase>` : "/>"}`,
      );
      continue;
    }
    const types = [...new Set(c.failures.flatMap((f) => f.anomalyTypes))].sort();
    const message = `${c.failures.length} failing seed${c.failures.length === 1 ? "" : "s"}: ${types.join(", ")}`;
    const body = c.failures.slice(0, MAX_DETAILED).map((f) => describeFailure(c, f));
    if (c.failures.length > MAX_DETAILED)
      body.push(`… and ${c.failures.length - MAX_DETAILED} more failing seeds`);
    lines.push(
      `${head}>`,
      `      <failure message="${escapeAttr(message)}" type="${escapeAttr(types.join(","))}">${escapeXml(body.join("\n\n"))}</failure>`,
      `    </testcase>`,
    );
  }
  lines.push("  </testsuite>", "</testsuites>", "");
  return lines.join("\n");
}

function describeFailure(c: JunitCase, f: JunitFailure): string {
  const out = [`seed ${f.seed ?? "(tape)"}: ${f.anomalyTypes.join(", ")}`];
  if (f.explanation) out.push(f.explanation.trim());
  if (f.repro) out.push(`replay: npx sim replay ${shellQuote(f.repro)}`);
  else if (f.seed !== undefined) {
    out.push(
      `replay: npx sim run ${shellQuote(c.scenario)} --seed ${f.seed} --variant ${shellQuote(c.variant)}`,
    );
  }
  return out.join("\n");
}

function secs(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * Testcases for a campaign: every scenario × variant of the summary, with its failures. Explanations
 * come from the failing runs' results when given (matched by scenario, seed and variant).
 */
export function junitCasesFromSummary(summary: CampaignSummary, results: RunResult[] = []): JunitCase[] {
  const explain = new Map<string, string>();
  for (const r of results) {
    if (r.seed === undefined) continue;
    const text = r.anomalies.map((a) => `${a.type}: ${a.explanation}`).join("\n");
    explain.set(`${r.scenario}\u0000${r.seed}\u0000${r.variant}`, text);
    explain.set(`${r.scenario}\u0000${r.seed}\u0000`, text);
  }
  const variants = summary.variants.length > 0 ? summary.variants : [summary.variant];
  const cases: JunitCase[] = [];
  for (const scenario of summary.scenarios) {
    for (const variant of variants) {
      const failures = summary.failures
        .filter((f) => f.scenario === scenario && (f.variant ?? variants[0]) === variant)
        .map((f) => ({
          seed: f.seed,
          anomalyTypes: f.anomalyTypes,
          repro: f.repro,
          explanation: explain.get(`${f.scenario}\u0000${f.seed}\u0000${f.variant ?? ""}`),
        }));
      cases.push({ scenario, variant, failures });
    }
  }
  return cases;
}

/** One testcase for a single run (`sim run --junit` style use). */
export function junitCaseFromRun(r: RunResult): JunitCase {
  return {
    scenario: r.scenario,
    variant: r.variant,
    seeds: 1,
    timeMs: r.wallMs,
    failures:
      r.valid === true
        ? []
        : [
            {
              seed: r.seed,
              anomalyTypes: r.anomalyTypes.length > 0 ? r.anomalyTypes : ["unknown"],
              explanation: r.anomalies.map((a) => `${a.type}: ${a.explanation}`).join("\n"),
              repro: r.repro,
            },
          ],
  };
}
