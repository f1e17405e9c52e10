/**
 * `report.html`: one self-contained page (inline CSS, script and SVG; no network, enforced by a
 * Content-Security-Policy) for a single run or a whole campaign. For each failing run it shows the
 * verdict, the anomalies with their cycles drawn as graphs and explained in words, the history as a
 * timeline, stats, probes, configuration and the command that replays it.
 *
 * Everything taken from a history or result is escaped: histories carry arbitrary byte strings.
 */
import type { Op } from "../check/history.ts";
import { TOOL } from "../io/version.ts";
import { cycleLabels, procName, renderCycle } from "./cycle.ts";
import { escapeAttr, escapeXml, jsonForScript, shellQuote } from "./escape.ts";
import { fmtAny, fmtDuration, fmtInt, fmtKey, fmtOpValue, fmtRate } from "./format.ts";
import { renderHistoryTable } from "./history-table.ts";
import type { CampaignSummary } from "./summary.ts";
import { renderTimeline } from "./timeline.ts";
import { opNumber, opNumberOf, type PairedHistory, pairHistory } from "./txns.ts";
import type { Anomaly, ReportOpRole, RunReport, RunResult } from "./types.ts";

/** A campaign: its summary and the failing runs to draw (usually each group's smallest). */
export interface CampaignReport {
  summary: CampaignSummary;
  failures: RunReport[];
}

export type HtmlReportInput = RunReport | CampaignReport;

export interface HtmlReportOptions {
  title?: string;
  /** Shown in the footer; defaults to none so that a report's bytes depend only on its input. */
  generatedAt?: string;
  /**
   * A variant's own knob values (defaults with the variant's changes), so that the knob table can
   * lead with what a run changed; without it every knob is listed.
   */
  variantKnobs?: (variant: string) => Record<string, unknown> | undefined;
}

/** Beyond this many rows the campaign's failure table is cut; the groups already summarise them. */
const MAX_FAILURE_ROWS = 500;

export function isCampaignReport(input: HtmlReportInput): input is CampaignReport {
  return "summary" in input && "failures" in input && !("history" in input);
}

export function renderHtmlReport(input: HtmlReportInput, opts: HtmlReportOptions = {}): string {
  let title: string;
  let body: string;
  if (isCampaignReport(input)) {
    title = opts.title ?? `deltasim campaign ${input.summary.campaign}`;
    body = renderCampaign(input, opts);
  } else {
    title = opts.title ?? `deltasim ${input.scenario} [${input.variant}] ${seedText(input)}`;
    body = renderRun(input, "run-0", 0, opts);
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="${escapeAttr(TOOL)}">
<link rel="icon" href="data:,">
<title>${escapeXml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top"><h1>${escapeXml(title)}</h1><span class="muted">${escapeXml(TOOL)}</span></header>
<main>
${body}
</main>
<footer class="muted">${escapeXml(TOOL)}${opts.generatedAt ? ` · ${escapeXml(opts.generatedAt)}` : ""} · replay any failure with <code>npx sim replay REPRO</code></footer>
<div id="tip" class="tip" hidden></div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function seedText(r: RunResult): string {
  return r.seed === undefined ? "(tape)" : `seed ${r.seed}`;
}

function verdictBadge(r: RunResult): string {
  if (r.valid === true) return `<span class="verdict ok">valid</span>`;
  if (r.valid === "unknown") return `<span class="verdict unknown">unknown</span>`;
  return `<span class="verdict bad">invalid</span>`;
}

function replayCommands(r: RunResult): string[] {
  const cmds: string[] = [];
  if (r.repro) cmds.push(`npx sim replay ${shellQuote(r.repro)}`);
  if (r.seed !== undefined) {
    cmds.push(`npx sim run ${shellQuote(r.scenario)} --seed ${r.seed} --variant ${shellQuote(r.variant)}`);
  }
  return cmds;
}

function renderRun(r: RunReport, id: string, ordinal: number, opts: HtmlReportOptions): string {
  const paired = pairHistory(r.history ?? []);
  const highlight = new Map<number, string>();
  const focus: number[] = [];
  const anomalies = r.anomalies ?? [];
  anomalies.forEach((a) => {
    if (a.cycle && a.cycle.steps.length > 0) {
      for (const [idx, label] of cycleLabels(a.cycle.steps, paired)) {
        if (!highlight.has(idx)) highlight.set(idx, label);
        focus.push(idx);
      }
    }
    for (const ref of a.ops ?? []) {
      const n = opNumberOf(paired, ref);
      if (!highlight.has(n)) highlight.set(n, `op ${n}`);
      focus.push(n);
    }
  });

  const facts: [string, string][] = [
    ["scenario", r.scenario],
    ["variant", r.variant],
    ["seed", r.seed === undefined ? "(driven by a tape)" : String(r.seed)],
    ["historyHash", r.historyHash],
    ["anomalies", r.anomalyTypes.length > 0 ? r.anomalyTypes.join(", ") : "none"],
    ["wall time", fmtDuration(r.wallMs)],
  ];
  if (r.repro) facts.push(["repro", r.repro]);
  if (r.tool) facts.push(["tool", r.tool]);
  const cmds = replayCommands(r);

  const out: string[] = [];
  out.push(
    `<section class="run" id="${escapeAttr(id)}" data-run="${escapeAttr(id)}">`,
    `<h2>${ordinal > 0 ? `${ordinal}. ` : ""}${escapeXml(r.scenario)} <span class="muted">[${escapeXml(r.variant)}] ${escapeXml(seedText(r))}</span> ${verdictBadge(r)}</h2>`,
    `<dl class="facts">${facts.map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`).join("")}</dl>`,
  );
  if (cmds.length > 0) {
    out.push(
      `<div class="replay"><span class="muted">replay</span>${cmds.map((c) => `<code class="cmd">${escapeXml(c)}</code>`).join("")}</div>`,
    );
  }
  if (anomalies.length > 0) {
    out.push(`<h3>Anomalies</h3>`);
    anomalies.forEach((a, i) => {
      out.push(renderAnomaly(a, paired, `${id}-a${i}`));
    });
  }
  if (r.opRoles && r.opRoles.length > 0) out.push(renderOpRoles(r.opRoles));
  const { knobs, ...config } = (r.config ?? {}) as Record<string, unknown>;
  out.push(
    `<h3>Timeline</h3>`,
    renderTimeline({ txns: paired.txns, events: r.events, highlight, focus }),
    renderHistoryTable(paired.txns),
    `<div class="cols">`,
    `<div><h3>Stats</h3>${table(Object.entries(r.stats ?? {}).map(([k, v]) => [k, statText(k, v)]))}</div>`,
    `<div><h3>Probes</h3>${probeTable(r.probes ?? {})}</div>`,
    `<div><h3>Configuration</h3>${table(flatten(config).map(([k, v]) => [k, fmtAny(v)]))}</div>`,
    `</div>`,
    knobTable(knobs, opts.variantKnobs?.(r.variant), r.variant),
    `<script type="application/json" class="ops-data" data-run="${escapeAttr(id)}">${jsonForScript(opData(paired))}</script>`,
    `</section>`,
  );
  return out.join("\n");
}

/** A shrunk repro's ops, the anomaly's first and the rest after them, marked as context. */
function renderOpRoles(roles: readonly ReportOpRole[]): string {
  const ordered = [
    ...roles.filter((o) => o.role === "anomaly"),
    ...roles.filter((o) => o.role !== "anomaly"),
  ];
  const items = ordered.map((o) => {
    const who = o.process === "nemesis" ? "nemesis" : `p${o.process}`;
    const tag = o.role === "anomaly" ? "" : ` <span class="muted">(context)</span>`;
    return `<li class="${o.role === "anomaly" ? "anomaly-op" : "context-op muted"}">#${o.index} ${escapeXml(who)} <code>${escapeXml(o.text)}</code>${tag}</li>`;
  });
  return `<h3>Ops of the repro</h3><ol class="op-roles">${items.join("")}</ol>`;
}

function renderAnomaly(a: Anomaly, paired: PairedHistory, id: string): string {
  const keys = (a.keys ?? []).map((k) => fmtKey(k)).join(", ");
  const out: string[] = [
    `<article class="anomaly" id="${escapeAttr(id)}">`,
    `<h4><span class="atype">${escapeXml(a.type)}</span>${keys ? ` <span class="muted">on ${escapeXml(keys)}</span>` : ""}</h4>`,
  ];
  const steps = a.cycle?.steps ?? [];
  if (steps.length > 0) {
    const labels = cycleLabels(steps, paired);
    const name = (ref: number) => labels.get(opNumberOf(paired, ref)) ?? `op ${ref}`;
    out.push(
      `<div class="cycle-wrap">${renderCycle(steps, paired, `${id}-g`)}</div>`,
      `<ol class="steps">${steps
        .map(
          (s) =>
            `<li><b>${escapeXml(name(s.from))} → ${escapeXml(name(s.to))}</b> <span class="kind ${escapeAttr(s.kind)}">${escapeXml(s.kind)}</span>${s.key !== undefined ? ` on ${escapeXml(fmtKey(s.key))}` : ""}: ${escapeXml(s.why)}</li>`,
        )
        .join("")}</ol>`,
    );
  }
  if (a.ops && a.ops.length > 0) {
    out.push(
      `<ul class="involved">${a.ops
        .map((ref) => {
          const t = paired.byIndex.get(ref);
          if (!t) return `<li>op ${escapeXml(ref)} (not in the history)</li>`;
          const op = t.complete ?? t.invoke;
          return `<li data-op="${opNumber(t)}"><b>op ${opNumber(t)}</b> ${escapeXml(procName(t.process))} ${escapeXml(t.status)} <code>${escapeXml(fmtOpValue(op).join(" "))}</code></li>`;
        })
        .join("")}</ul>`,
    );
  }
  out.push(`<pre class="explanation">${escapeXml(a.explanation ?? "")}</pre>`, `</article>`);
  return out.join("\n");
}

/** Hover details per transaction, keyed by op number; pre-formatted so the script only sets text. */
function opData(paired: PairedHistory): Record<number, string[]> {
  const data: Record<number, string[]> = {};
  for (const t of paired.txns) {
    const inv = t.invoke;
    const done = t.complete;
    const lines = [`op ${opNumber(t)} ${procName(t.process)} ${inv.f} ${t.status}`];
    if (done !== inv) lines.push(`invoke (index ${inv.index}) ${timeText(inv)}`);
    if (done) lines.push(`${done.type} (index ${done.index}) ${timeText(done)}`);
    const shown = done ?? inv;
    for (const m of fmtOpValue(shown)) lines.push(`  ${m}`);
    if (done && done !== inv && t.process !== "nemesis") {
      const asked = fmtOpValue(inv).join(" ");
      if (asked !== fmtOpValue(done).join(" ")) lines.push(`invoked as: ${asked}`);
    }
    if (shown.error !== undefined) lines.push(`error: ${fmtAny(shown.error)}`);
    data[opNumber(t)] = lines;
  }
  return data;
}

function timeText(op: Op): string {
  return typeof op.time === "number" ? `at ${+(op.time / 1e6).toFixed(3)} ms` : "";
}

/**
 * The run's knobs: those that differ from its variant's own values first (set by the scenario or
 * `--knob`, or drawn for the run), then every knob behind "show all" (a details element: no script).
 */
function knobTable(
  knobs: unknown,
  variantKnobs: Record<string, unknown> | undefined,
  variant: string,
): string {
  if (typeof knobs !== "object" || knobs === null) return "";
  const all = Object.entries(knobs as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
  const full = `<details class="knobs-all"><summary>show all ${all.length} knobs</summary>${table(all.map(([k, v]) => [k, fmtAny(v)]))}</details>`;
  if (variantKnobs === undefined) return `<h3>Knobs</h3>${full}`;
  const differ = all.filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(variantKnobs[k]));
  const head =
    differ.length === 0
      ? `<p class="muted">Every knob has the value variant ${escapeXml(variant)} gives it.</p>`
      : `<table class="kv knobs-diff"><tr><th></th><td class="muted">this run</td><td class="muted">variant ${escapeXml(variant)}</td></tr>${differ
          .map(
            ([k, v]) =>
              `<tr><th>${escapeXml(k)}</th><td>${escapeXml(fmtAny(v))}</td><td class="muted">${escapeXml(k in variantKnobs ? fmtAny(variantKnobs[k]) : "(not a knob of it)")}</td></tr>`,
          )
          .join("")}</table>`;
  return `<h3>Knobs <span class="muted">that differ from variant ${escapeXml(variant)}</span></h3>${head}${full}`;
}

function statText(k: string, v: unknown): string {
  if (typeof v !== "number") return fmtAny(v);
  return k === "simTimeMs" ? fmtDuration(v) : fmtInt(v);
}

function probeTable(probes: Record<string, number>): string {
  const rows = Object.entries(probes).sort(([a], [b]) => (a < b ? -1 : 1));
  if (rows.length === 0) return `<p class="muted">No probes recorded.</p>`;
  return table(
    rows.map(([k, v]) => [k, fmtInt(v)]),
    (_k, v) => (v === "0" ? "zero" : ""),
  );
}

function table(rows: [string, string][], rowClass?: (k: string, v: string) => string): string {
  if (rows.length === 0) return `<p class="muted">None.</p>`;
  return `<table class="kv">${rows
    .map(([k, v]) => {
      const c = rowClass?.(k, v);
      return `<tr${c ? ` class="${escapeAttr(c)}"` : ""}><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`;
    })
    .join("")}</table>`;
}

function flatten(obj: Record<string, unknown>, prefix = ""): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (
      v !== null &&
      typeof v === "object" &&
      !Array.isArray(v) &&
      Object.keys(v).length > 0 &&
      prefix.split(".").length < 4
    ) {
      out.push(...flatten(v as Record<string, unknown>, key));
    } else out.push([key, v]);
  }
  return out;
}

function runKey(scenario: string, seed: number | undefined, variant?: string): string {
  return `${scenario}\u0000${seed}\u0000${variant ?? ""}`;
}

function renderCampaign(c: CampaignReport, opts: HtmlReportOptions): string {
  const s = c.summary;
  const anchors = new Map<string, string>();
  c.failures.forEach((r, i) => {
    const id = `failure-${i + 1}`;
    anchors.set(runKey(r.scenario, r.seed, r.variant), id);
    if (!anchors.has(runKey(r.scenario, r.seed))) anchors.set(runKey(r.scenario, r.seed), id);
  });
  const anchorFor = (scenario: string, seed: number, variant?: string) =>
    anchors.get(runKey(scenario, seed, variant)) ?? anchors.get(runKey(scenario, seed));
  const link = (scenario: string, seed: number, repro: string, variant?: string) => {
    const a = anchorFor(scenario, seed, variant);
    return a
      ? `<a href="#${escapeAttr(a)}">seed ${seed}</a>`
      : `<a href="${escapeAttr(hrefOf(repro))}">seed ${seed}</a>`;
  };

  const tiles: [string, string][] = [
    ["seeds", fmtInt(s.seeds)],
    ["failures", fmtInt(s.failures.length)],
    ["groups", fmtInt(s.groups.length)],
    ["wall time", fmtDuration(s.wallMs)],
    ["seeds / s", fmtRate(s.seedsPerSecond)],
    ["ops / s", fmtRate(s.opsPerSecond)],
  ];
  const facts: [string, string][] = [
    ["campaign", s.campaign],
    ["scenarios", s.scenarios.join(", ")],
    ["variant", s.variants.length > 0 ? s.variants.join(", ") : s.variant],
  ];
  if (s.firstSeed !== undefined) facts.push(["first seed", String(s.firstSeed)]);
  if (s.shard) facts.push(["shard", `${s.shard.index}/${s.shard.count}`]);
  if (s.shards !== undefined) facts.push(["merged shards", String(s.shards)]);
  if (s.stopped) facts.push(["stopped early", "yes"]);
  if (s.shrinking) {
    const k = s.shrinking;
    const parts = [`${k.shrunk} of ${k.started} shrunk (at most ${fmtDuration(k.limitMs)} each)`];
    if (k.cutShort > 0) parts.push(`${k.cutShort} cut short by --duration`);
    if (k.skippedForTime > 0) parts.push(`${k.skippedForTime} not started: --duration nearly spent`);
    facts.push(["shrinking", parts.join(", ")]);
  }
  facts.push(["tool", s.tool]);

  const out: string[] = [
    `<section class="campaign">`,
    `<div class="tiles">${tiles.map(([k, v]) => `<div class="tile"><div class="tv">${escapeXml(v)}</div><div class="tk">${escapeXml(k)}</div></div>`).join("")}</div>`,
    `<dl class="facts">${facts.map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`).join("")}</dl>`,
    `<h2>Failure groups</h2>`,
  ];
  if (s.groups.length === 0) out.push(`<p class="verdict ok">No failures.</p>`);
  else {
    out.push(
      `<table class="groups"><thead><tr><th>scenario</th><th>anomaly types</th><th>count</th><th>smallest</th><th>ops</th><th>repro</th></tr></thead><tbody>${s.groups
        .map((g) => {
          const bar = g.signature.indexOf("|");
          const scenario = bar >= 0 ? g.signature.slice(0, bar) : g.signature;
          const types = bar >= 0 ? g.signature.slice(bar + 1) : "";
          return `<tr class="group" data-signature="${escapeAttr(g.signature)}"><td>${escapeXml(scenario)}</td><td class="atype">${escapeXml(types.split(",").join(", "))}</td><td class="num">${fmtInt(g.count)}</td><td>${link(scenario, g.smallest.seed, g.smallest.repro, g.smallest.variant)}${g.smallest.variant ? ` <span class="muted">[${escapeXml(g.smallest.variant)}]</span>` : ""}</td><td class="num">${g.smallest.ops ?? ""}</td><td><code>${escapeXml(g.smallest.repro)}</code></td></tr>`;
        })
        .join("")}</tbody></table>`,
    );
    out.push(`<h2>Failures</h2>`);
    // A campaign of one variant records it once, in the summary, not on every failure.
    const soleVariant = s.variants.length === 1 ? s.variants[0]! : "";
    const rows = s.failures.slice(0, MAX_FAILURE_ROWS);
    out.push(
      `<table class="failures"><thead><tr><th>seed</th><th>scenario</th><th>variant</th><th>anomaly types</th><th>ops</th><th>repro</th></tr></thead><tbody>${rows
        .map(
          (f) =>
            `<tr><td>${link(f.scenario, f.seed, f.repro, f.variant)}</td><td>${escapeXml(f.scenario)}</td><td>${escapeXml(f.variant ?? soleVariant)}</td><td class="atype">${escapeXml(f.anomalyTypes.join(", "))}</td><td class="num">${f.ops ?? ""}</td><td><code>${escapeXml(f.repro)}</code></td></tr>`,
        )
        .join("")}</tbody></table>`,
    );
    if (s.failures.length > rows.length) {
      out.push(`<p class="muted">… and ${fmtInt(s.failures.length - rows.length)} more in summary.json.</p>`);
    }
  }
  out.push(`<h2>Probes</h2>`, probeTable(s.probes), `</section>`);
  if (c.failures.length > 0) {
    out.push(`<h2>Failing runs</h2>`);
    c.failures.forEach((r, i) => {
      out.push(renderRun(r, `failure-${i + 1}`, i + 1, opts));
    });
  }
  return out.join("\n");
}

/** A repro path as a link target: relative paths stay relative to the report's folder. */
function hrefOf(path: string): string {
  const segs = path.split(/[\\/]/).map(encodeURIComponent).join("/");
  return path.startsWith("/") ? `file://${segs}` : segs;
}

const CSS = `
:root{--bg:#fff;--fg:#1d2329;--muted:#6b7580;--line:#d9dee3;--lane:#f4f6f8;--ok:#2e9e5b;--fail:#d64545;--info:#e0a020;--pending:#9aa4ae;--band:rgba(214,69,69,.12);--mark:#6c4bd8;--hl:#111;--ww:#8e44ad;--wr:#2874a6;--rw:#c0392b;--realtime:#7f8c8d;--process:#16a085;--code:#f2f4f6}
@media (prefers-color-scheme:dark){:root{--bg:#15191d;--fg:#e3e7eb;--muted:#95a0ab;--line:#39424b;--lane:#1e2328;--band:rgba(240,90,90,.18);--hl:#fff;--code:#232a31;--ww:#c08be0;--wr:#6fb1e6;--rw:#f07a6a;--realtime:#aab4bc;--process:#4fd1b0}}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
header.top{display:flex;align-items:baseline;gap:1em;padding:14px 24px;border-bottom:1px solid var(--line)}
h1{font-size:18px;margin:0}h2{font-size:17px;margin:28px 0 10px}h3{font-size:15px;margin:22px 0 8px}h4{margin:0 0 8px;font-size:14px}
main{padding:4px 24px 24px}footer{padding:12px 24px;border-top:1px solid var(--line)}
.muted{color:var(--muted);font-weight:normal}
code,pre,.cmd{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
code{background:var(--code);padding:1px 4px;border-radius:3px}
.cmd{display:block;margin:4px 0;padding:6px 10px;background:var(--code);border-radius:4px;user-select:all;white-space:pre-wrap;word-break:break-all}
.replay{margin:10px 0}
section.run{border-top:2px solid var(--line);margin-top:24px}main>section.run:first-child{border-top:none;margin-top:0}
.verdict{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;text-transform:uppercase;color:#fff;vertical-align:middle}
.verdict.ok{background:var(--ok)}.verdict.bad{background:var(--fail)}.verdict.unknown{background:var(--info)}
p.verdict{text-transform:none;font-size:14px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;font-family:ui-monospace,monospace;font-size:12.5px;word-break:break-all}
.anomaly{border:1px solid var(--line);border-left:4px solid var(--fail);border-radius:4px;padding:10px 14px;margin:10px 0}
.atype{font-family:ui-monospace,monospace;font-weight:600}
.explanation{white-space:pre-wrap;background:var(--code);padding:8px 10px;border-radius:4px;margin:8px 0 0}
ol.steps{margin:6px 0;padding-left:22px}ol.steps li{margin:2px 0}
.kind{font-family:ui-monospace,monospace;font-weight:600;padding:0 4px;border-radius:3px;color:#fff}
.kind.ww{background:var(--ww)}.kind.wr{background:var(--wr)}.kind.rw{background:var(--rw)}.kind.realtime{background:var(--realtime)}.kind.process{background:var(--process)}
.cycle-wrap,.scroll{overflow-x:auto;max-width:100%}
svg text{fill:var(--fg);font:11px ui-monospace,SFMono-Regular,Menlo,monospace}
svg.cycle .node rect{fill:var(--bg);stroke:var(--pending);stroke-width:2}
svg.cycle .node.ok rect{stroke:var(--ok)}svg.cycle .node.fail rect{stroke:var(--fail)}svg.cycle .node.info rect{stroke:var(--info)}
svg.cycle .node{cursor:pointer}.node-head{font-weight:700}
svg.cycle .edge path{fill:none;stroke-width:2}
svg.cycle .edge-label-bg{fill:var(--bg);stroke:var(--line)}
.edge.ww path{stroke:var(--ww)}.edge.wr path{stroke:var(--wr)}.edge.rw path{stroke:var(--rw)}.edge.realtime path{stroke:var(--realtime);stroke-dasharray:6 4}.edge.process path{stroke:var(--process);stroke-dasharray:2 3}
.edge.ww text{fill:var(--ww)}.edge.wr text{fill:var(--wr)}.edge.rw text{fill:var(--rw)}.edge.realtime text{fill:var(--realtime)}.edge.process text{fill:var(--process)}
.arrow path{fill:var(--fg)}.arrow.ww path{fill:var(--ww)}.arrow.wr path{fill:var(--wr)}.arrow.rw path{fill:var(--rw)}.arrow.realtime path{fill:var(--realtime)}.arrow.process path{fill:var(--process)}
svg.timeline .lane-bg{fill:var(--lane);stroke:var(--bg);stroke-width:2}
svg.timeline .lane.nemesis .lane-bg{fill:none;stroke:var(--line);stroke-dasharray:3 3}
svg.timeline .lane-label{fill:var(--muted)}
svg.timeline .axis line{stroke:var(--line);stroke-width:1}svg.timeline .axis text{fill:var(--muted);font-size:10px}
svg.timeline .band rect{fill:var(--band)}
svg.timeline .note text{font-size:10px}svg.timeline .note line{stroke-width:1}
svg.timeline .band-note text{fill:var(--fail)}svg.timeline .band-note line{stroke:var(--fail)}
svg.timeline .mark-note text{fill:var(--mark)}svg.timeline .mark-note line{stroke:var(--mark)}
svg.timeline .mark line{stroke:var(--mark);stroke-width:1.5;stroke-dasharray:4 3}svg.timeline .mark circle{fill:var(--mark)}
svg.timeline .op rect{fill:var(--pending)}svg.timeline .op.ok rect{fill:var(--ok)}svg.timeline .op.fail rect{fill:var(--fail)}svg.timeline .op.info rect{fill:var(--info)}svg.timeline .op.pending rect{fill:var(--pending);opacity:.6}
svg.timeline .op.hl rect{stroke:var(--hl);stroke-width:2}
svg.timeline .op{cursor:default}svg.timeline .op:hover rect{opacity:.75}
svg.timeline .op-label{fill:#fff;font-weight:700;pointer-events:none}
svg.timeline .op.flash rect{stroke:var(--mark);stroke-width:4}
.legend{display:flex;flex-wrap:wrap;gap:4px 10px;align-items:center;color:var(--muted);font-size:12px;margin-bottom:4px}
.sw{display:inline-block;width:14px;height:10px;border-radius:2px;margin-right:3px;vertical-align:middle}
.sw.ok{background:var(--ok)}.sw.fail{background:var(--fail)}.sw.info{background:var(--info)}.sw.pending{background:var(--pending)}.sw.band{background:var(--band);border:1px solid var(--fail)}.sw.mark{background:var(--mark);width:3px}.sw.hl{border:2px solid var(--hl)}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:0 28px}
table{border-collapse:collapse}
table.kv th{text-align:left;font-weight:normal;color:var(--muted);padding:1px 14px 1px 0;vertical-align:top}
table.kv td{font-family:ui-monospace,monospace;font-size:12.5px;word-break:break-all}
table.kv tr.zero td{color:var(--fail)}
table.groups,table.failures{width:100%}
table.groups th,table.failures th{text-align:left;border-bottom:1px solid var(--line);padding:4px 8px}
table.groups td,table.failures td{border-bottom:1px solid var(--line);padding:4px 8px;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.tile{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:110px}
.tv{font-size:20px;font-weight:600}.tk{color:var(--muted);font-size:12px}
ul.involved{margin:6px 0;padding-left:20px}
details.history{margin:10px 0}details summary{cursor:pointer;color:var(--muted)}
table.history{width:100%;margin-top:4px}table.history th{text-align:left;border-bottom:1px solid var(--line);padding:2px 8px;font-weight:normal;color:var(--muted)}
table.history td{border-bottom:1px solid var(--line);padding:2px 8px;vertical-align:top}
table.history tr.fail td.st{color:var(--fail)}table.history tr.info td.st{color:var(--info)}table.history tr.ok td.st{color:var(--ok)}
details.knobs-all{margin:6px 0}
.tip{position:fixed;z-index:10;max-width:560px;background:var(--bg);color:var(--fg);border:1px solid var(--line);box-shadow:0 4px 14px rgba(0,0,0,.18);border-radius:4px;padding:6px 9px;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap;pointer-events:none}
`;

// Plain ES2017 so any browser runs it; builds the tooltip with textContent only (never HTML).
const SCRIPT = `
(function () {
  "use strict";
  var data = {};
  var blocks = document.querySelectorAll("script.ops-data");
  for (var i = 0; i < blocks.length; i++) {
    data[blocks[i].getAttribute("data-run")] = JSON.parse(blocks[i].textContent || "{}");
  }
  var tip = document.getElementById("tip");
  function target(el) {
    while (el && el !== document) {
      if (el.getAttribute && el.getAttribute("data-op") !== null) return el;
      el = el.parentNode;
    }
    return null;
  }
  function runOf(el) {
    while (el && el !== document) {
      if (el.tagName === "SECTION" && el.getAttribute("data-run")) return el;
      el = el.parentNode;
    }
    return null;
  }
  function place(e) {
    var x = e.clientX + 14, y = e.clientY + 14;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    if (x + w > window.innerWidth - 8) x = Math.max(8, e.clientX - w - 14);
    if (y + h > window.innerHeight - 8) y = Math.max(8, e.clientY - h - 14);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  document.addEventListener("mouseover", function (e) {
    var el = target(e.target);
    var run = el && runOf(el);
    var ops = run && data[run.getAttribute("data-run")];
    var lines = ops && ops[el.getAttribute("data-op")];
    if (!lines) { tip.hidden = true; return; }
    tip.textContent = lines.join("\\n");
    tip.hidden = false;
    place(e);
  });
  document.addEventListener("mousemove", function (e) { if (!tip.hidden) place(e); });
  document.addEventListener("mouseout", function (e) {
    if (target(e.target) && !target(e.relatedTarget)) tip.hidden = true;
  });
  // Clicking a transaction in a cycle finds it on the timeline.
  document.addEventListener("click", function (e) {
    var el = target(e.target);
    if (!el || el.closest("svg.timeline")) return;
    var run = runOf(el);
    var bar = run && run.querySelector('svg.timeline [data-op="' + el.getAttribute("data-op") + '"]');
    if (!bar) return;
    bar.scrollIntoView({ block: "center", inline: "center", behavior: "smooth" });
    bar.classList.add("flash");
    setTimeout(function () { bar.classList.remove("flash"); }, 1500);
  });
})();
`;
