import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Op } from "../check/history.ts";
import { TOOL } from "../io/version.ts";
import { CHROMIUM_MISSING, chromiumAvailable, launchChromium } from "./browser.ts";
import { exampleRun } from "./example.ts";
import { type CampaignReport, renderHtmlReport } from "./html.ts";
import { groupFailures } from "./summary.ts";
import type { RunReport } from "./types.ts";

const EVIL = `</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;

/** The example run with hostile strings in keys, values, errors, explanations and config. */
function evilRun(): RunReport {
  const r = exampleRun();
  r.scenario = `scen${EVIL}`;
  r.history = r.history.map((op) =>
    op.index === 8 ? { ...op, error: EVIL, value: [["append", `k\u0000\u0001${EVIL}`, 1]] } : op,
  );
  r.anomalies[0]!.explanation += `\n${EVIL}`;
  r.anomalies[0]!.cycle!.steps[0]!.why = EVIL;
  r.config = { [EVIL]: EVIL };
  r.probes = { [EVIL]: 1 };
  r.events = [...(r.events ?? []), { timeUs: 4500, kind: EVIL, detail: EVIL }];
  return r;
}

function campaign(): CampaignReport {
  const run = exampleRun();
  const second: RunReport = { ...exampleRun(), seed: 77, repro: "list-append-77/repro.json" };
  const failures = [
    {
      seed: 42,
      scenario: "list-append",
      variant: run.variant,
      anomalyTypes: ["G-single-item"],
      repro: "a/repro.json",
      ops: 4,
    },
    {
      seed: 77,
      scenario: "list-append",
      variant: run.variant,
      anomalyTypes: ["G-single-item"],
      repro: "b/repro.json",
      ops: 9,
    },
    { seed: 90, scenario: "queue", anomalyTypes: ["lost-element"], repro: "queue 90/repro.json", ops: 30 },
  ];
  return {
    summary: {
      tool: TOOL,
      campaign: "nightly",
      scenarios: ["list-append", "queue"],
      variant: "all",
      variants: ["read-set-pre-raft", "fixed"],
      seeds: 2000,
      wallMs: 61_000,
      seedsPerSecond: 32.8,
      opsPerSecond: 41_000,
      failures,
      groups: groupFailures(failures),
      probes: { "pop-race": 12, "leader-change-mid-commit": 0 },
    },
    failures: [run, second],
  };
}

describe("renderHtmlReport (structure)", () => {
  it("lists a shrunk repro's anomaly ops first and the rest after them as context", () => {
    const html = renderHtmlReport({
      ...exampleRun(),
      opRoles: [
        { index: 0, role: "context", process: 0, text: "append 1 9" },
        { index: 4, role: "anomaly", process: 1, text: "r 1 [9 9]" },
        { index: 6, role: "context", process: "nemesis", text: "crash n1" },
      ],
    });
    const list = /<ol class="op-roles">(.*?)<\/ol>/.exec(html)?.[1] ?? "";
    const items = list.split("</li>").filter((x) => x.length > 0);
    expect(items).toHaveLength(3);
    expect(items[0]).toContain("#4 p1");
    expect(items[0]).not.toContain("(context)");
    expect(items[1]).toContain("#0 p0");
    expect(items[1]).toContain("(context)");
    expect(items[2]).toContain("#6 nemesis");
    expect(renderHtmlReport(exampleRun())).not.toContain("op-roles");
  });

  it("is self-contained: CSP, inline style and script, no external references", () => {
    const html = renderHtmlReport(exampleRun());
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain(
      `content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'`,
    );
    expect(html).not.toMatch(/\s(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<link rel="stylesheet"|<script src=/);
    // The only URL in the page is the SVG namespace.
    expect(html.match(/https?:\/\/[^"]*/g)?.every((u) => u === "http://www.w3.org/2000/svg")).toBe(true);
  });

  it("draws lanes, ops, fault bands, the cycle, the explanation and the replay command", () => {
    const html = renderHtmlReport(exampleRun());
    for (const lane of ["nemesis", "p0", "p1", "p2"]) expect(html).toContain(`data-lane="${lane}"`);
    expect(html.match(/<g class="op /g)).toHaveLength(7); // 5 txns + 2 nemesis ops
    // Ops are named by one number, the op's index in the history as Elle uses it: the
    // completion's index (p2's append, invoked at 3, completed at 8, is op 8).
    expect(html).toContain(`<g class="op info" data-op="8">`);
    expect(html).toContain(`<g class="op ok hl" data-op="5">`);
    // The op's text is written on its bar where it fits, after its label in the anomaly.
    expect(html).toMatch(
      /data-op="5">[^<]*<rect[^>]*><text class="op-label"[^>]*>T1 \[r x \[1\]\] \[r y \[\]\]<\/text>/,
    );
    expect(html).toMatch(/data-op="7">[^<]*<rect[^>]*><text class="op-label"[^>]*>\[r z nil\]<\/text>/);
    expect(html).toContain(`<g class="band">`);
    expect(html).toContain("partition groups=[[n1] [n2 n3]]");
    expect(html).toContain(`<g class="mark leader-change">`);
    expect(html).toContain(`<svg class="cycle"`);
    expect(html).toContain(">rw · y · 1</text>");
    expect(html).toContain(">wr · x · 1</text>");
    expect(html).toContain("T1 · op 5 · p0 · ok");
    // Fault and leader-change markers are labelled on the page, not only on hover.
    expect(html).toMatch(
      /<g class="note band-note">[\s\S]*?<text[^>]*>partition groups=\[\[n1\] \[n2 n3\]\]<\/text>/,
    );
    expect(html).toMatch(
      /<g class="note mark-note leader-change">[\s\S]*?<text[^>]*>n2 elected leader in term 3<\/text>/,
    );
    // Every op in a history table, numbered the same way.
    const rows = [...html.matchAll(/<tr class="(\w+)" data-op="(\d+)">/g)].map((m) => `${m[2]} ${m[1]}`);
    expect(rows).toEqual(["5 ok", "4 ok", "2 info", "8 info", "7 fail", "9 info", "11 ok"]);
    expect(html).toContain("<summary>History: 7 ops, in the order they were invoked</summary>");
    // An ok op shows what it returned; a failed one its error.
    expect(html).toMatch(
      /data-op="5">(?:<td[^>]*>[\s\S]*?<\/td>){4}<td><code>\[r x \[1\]\] \[r y \[\]\]<\/code><\/td>/,
    );
    expect(html).toContain(`<td><span class="muted">not leader</span></td>`);
    expect(html).toContain("npx sim replay reports/example/repro.json");
    expect(html).toContain("npx sim run list-append --seed 42 --variant read-set-pre-raft");
    expect(html).toContain("9f2c4e0d51a7b3e8");
    expect(html).toContain("leader-change-mid-commit");
    expect(html).toContain("a contradiction!");
  });

  it("escapes everything taken from the run", () => {
    const html = renderHtmlReport(evilRun());
    expect(html).not.toContain("<script>window.__pwned");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("\u0000");
    expect(html).toContain("&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;");
    // Inside the hover data, too: nothing can close the JSON script element.
    const start = html.indexOf(">", html.indexOf(`<script type="application/json"`)) + 1;
    const data = html.slice(start, html.indexOf("</script>", start));
    expect(data).toContain("window.__pwned");
    expect(data).not.toContain("<");
  });

  it("renders a campaign with groups linking to each group's smallest failure", () => {
    const html = renderHtmlReport(campaign());
    expect(html).toContain(`data-signature="list-append|G-single-item"`);
    expect(html).toContain(`<a href="#failure-1">seed 42</a>`);
    expect(html).toContain(`<a href="queue%2090/repro.json">seed 90</a>`);
    expect(html).toContain(`id="failure-2"`);
    expect(html.match(/<section class="run"/g)).toHaveLength(2);
  });

  it("draws histories without :time by index, with nemesis bands, self-loops and non-cycle anomalies", () => {
    const run = exampleRun();
    run.history = run.history.map(({ time: _t, ...op }) => op);
    run.anomalies.push(
      {
        type: "G0-process",
        keys: [1],
        explanation: "loop",
        cycle: { steps: [{ from: 4, to: 1, kind: "process", why: "same" }] },
      },
      { type: "lost-append", keys: ["z"], explanation: "z lost", ops: [8, 99] },
    );
    const html = renderHtmlReport(run);
    expect(html).toContain(">history index</text>");
    expect(html).toContain("Events are not drawn: the history has no :time values.");
    expect(html).toContain(`<g class="band">`); // partition … heal, inferred from the nemesis ops
    expect(html).toContain(`<g class="op info hl" data-op="8">`);
    expect(html).toContain(`<li data-op="8"><b>op 8</b> p2 info`);
    expect(html).toContain("op 99 (not in the history)");
    expect(html.match(/<svg class="cycle"/g)).toHaveLength(2);
  });

  it("lists the knobs that differ from the variant's own values, with every knob behind show all", () => {
    const variantKnobs = (v: string) =>
      v === "read-set-pre-raft" ? { readSetBeforeRaft: true, compactionThreshold: 64 } : undefined;
    const html = renderHtmlReport(exampleRun(), { variantKnobs });
    const diff = html.slice(
      html.indexOf(`<table class="kv knobs-diff">`),
      html.indexOf("</table>", html.indexOf("knobs-diff")),
    );
    expect(diff).toContain('<th>compactionThreshold</th><td>8</td><td class="muted">64</td>');
    expect(diff).not.toContain("readSetBeforeRaft");
    expect(html).toContain("<summary>show all 2 knobs</summary>");
    // Without the variant's values, all knobs are listed (folded).
    expect(renderHtmlReport(exampleRun())).not.toContain("knobs-diff");
  });

  it("shows a slow campaign's real rate and fills the variant column", () => {
    const c = campaign();
    c.summary.variants = ["fixed"];
    c.summary.variant = "fixed";
    c.summary.seedsPerSecond = 0.21;
    c.summary.shrinking = { started: 2, shrunk: 1, cutShort: 1, skippedForTime: 1, limitMs: 10_000 };
    c.summary.failures = c.summary.failures.map(({ variant: _v, ...f }) => f);
    const html = renderHtmlReport(c);
    expect(html).toContain(`<div class="tv">0.21</div><div class="tk">seeds / s</div>`);
    expect(html).toContain(
      "<dt>shrinking</dt><dd>1 of 2 shrunk (at most 10.0 s each), 1 cut short by --duration, 1 not started: --duration nearly spent</dd>",
    );
    const table = html.slice(html.indexOf(`<table class="failures">`));
    expect(table.match(/<td>fixed<\/td>/g)).toHaveLength(3);
  });

  it("windows a long history around the anomaly", () => {
    const history: Op[] = [];
    for (let i = 0; i < 3000; i++) {
      history.push({ index: 2 * i, type: "invoke", process: i % 4, f: "txn", value: [["r", 1, null]] });
      history.push({ index: 2 * i + 1, type: "ok", process: i % 4, f: "txn", value: [["r", 1, []]] });
    }
    const run: RunReport = {
      ...exampleRun(),
      history,
      events: undefined,
      anomalies: [{ type: "G1a", keys: [1], explanation: "x", ops: [5001] }],
    };
    const html = renderHtmlReport(run);
    expect(html).toContain("Showing 1500 of 3000 operations");
    expect(html.match(/<g class="op /g)).toHaveLength(1500);
    expect(html).toContain(`<g class="op ok hl" data-op="5001">`);
  });
});

describe("report.html in headless Chromium", () => {
  let browser: Browser | undefined;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "deltasim-html-"));
    if (chromiumAvailable()) browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function open(name: string, html: string) {
    if (!browser) throw new Error(CHROMIUM_MISSING);
    const file = join(dir, name);
    await writeFile(file, html);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href);
    return { page, errors, requests, url: pathToFileURL(file).href };
  }

  it("shows the timeline lanes, the cycle graph with edge labels, and op details on hover", async () => {
    const { page, errors, requests, url } = await open("run.html", renderHtmlReport(exampleRun()));
    expect(await page.locator("svg.timeline [data-lane]").count()).toBe(4);
    await expect(page.locator('[data-lane="p2"]').isVisible()).resolves.toBe(true);

    const cycle = page.locator("svg.cycle");
    expect(await cycle.isVisible()).toBe(true);
    const box = await cycle.boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(box!.height).toBeGreaterThan(60);
    const labels = await page.locator("svg.cycle .edge-label").allTextContents();
    expect(labels).toEqual(["rw · y · 1", "wr · x · 1"]);
    for (const l of await page.locator("svg.cycle .edge-label").all()) expect(await l.isVisible()).toBe(true);
    expect(await page.locator("svg.cycle .node").count()).toBe(2);

    // Hovering T2's bar shows its micro-ops.
    await page.locator('svg.timeline [data-op="4"] rect').hover();
    const tip = page.locator("#tip");
    expect(await tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toContain("[append x 1]");
    expect(await tip.textContent()).toMatch(/^op 4 p1 txn ok/);
    // Clicking a cycle node finds its bar.
    await page.locator('svg.cycle .node[data-txn="T1"]').click();
    await page.waitForTimeout(50);
    expect(await page.locator('svg.timeline [data-op="5"].flash').count()).toBe(1);
    // The fault and the leader change are named under the lanes, visibly.
    expect(await page.locator("svg.timeline .note text").allTextContents()).toEqual([
      "partition groups=[[n1] [n2 n3]]",
      "n2 elected leader in term 3",
    ]);
    for (const l of await page.locator("svg.timeline .note text").all())
      expect(await l.isVisible()).toBe(true);
    // The history table is open for a short run; the full knob list is one click away.
    expect(await page.locator("table.history tbody tr").count()).toBe(7);
    expect(await page.locator("table.history").isVisible()).toBe(true);

    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  it("runs no injected script and renders a campaign without errors", async () => {
    const evil = await open("evil.html", renderHtmlReport(evilRun()));
    expect(
      await evil.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    expect(await evil.page.locator("svg.cycle .edge-label").count()).toBe(2);
    expect(evil.errors).toEqual([]);
    await evil.page.close();

    const c = await open("campaign.html", renderHtmlReport(campaign()));
    expect(await c.page.locator("tr.group").count()).toBe(2);
    expect(await c.page.locator("svg.cycle").count()).toBe(2);
    await c.page.locator('a[href="#failure-1"]').first().click();
    expect(c.page.url().endsWith("#failure-1")).toBe(true);
    expect(c.errors).toEqual([]);
    expect(c.requests).toEqual([c.url]);
    await c.page.close();
  });
});
