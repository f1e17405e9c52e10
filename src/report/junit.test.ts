import { describe, expect, it } from "vitest";
import { TOOL } from "../io/version.ts";
import { exampleRun } from "./example.ts";
import { junitCaseFromRun, junitCasesFromSummary, renderJunit } from "./junit.ts";
import type { CampaignSummary } from "./summary.ts";

/** Text content with every tag removed must hold no raw markup characters. */
function assertWellEscaped(xml: string): void {
  const body = xml.replace(/^<\?xml[^>]*\?>/, "");
  const text = body.replace(/<\/?[A-Za-z][^<>]*>/g, "");
  expect(text).not.toMatch(/[<>]/);
  expect(text).not.toMatch(/&(?!(amp|lt|gt|quot|#39|#10|#13|#9);)/);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence.
  expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
}

describe("renderJunit", () => {
  it("escapes markup, quotes and control bytes from scenario names and explanations", () => {
    const xml = renderJunit("fuzz <nightly> & co", [
      {
        scenario: `evil"<scenario>&'`,
        variant: "head",
        timeMs: 1500,
        failures: [
          {
            seed: 7,
            anomalyTypes: ["G1c", "lost-append"],
            explanation: 'T1 read k\u0001\u0000 = [1 2] <not 3> & "then" ]]> done',
            repro: "reports/c/seed 7/repro.json",
          },
        ],
      },
      { scenario: "mixed", variant: "fixed", seeds: 100, failures: [] },
    ]);
    assertWellEscaped(xml);
    expect(xml).toContain(`name="fuzz &lt;nightly&gt; &amp; co"`);
    expect(xml).toContain(`classname="deltasim.evil&quot;&lt;scenario&gt;&amp;&#39;"`);
    expect(xml).toContain("k\\u0001\\u0000 = [1 2] &lt;not 3&gt; &amp; &quot;then&quot; ]]&gt; done");
    expect(xml).toContain(`message="1 failing seed: G1c, lost-append"`);
    expect(xml).toContain("replay: npx sim replay &#39;reports/c/seed 7/repro.json&#39;");
    expect(xml).toContain(`tests="2" failures="1"`);
    expect(xml).toContain(`time="1.500"`);
    expect(xml).toContain(`<property name="tool" value="${TOOL}"/>`);
    expect(xml).toContain("<system-out>100 seeds, no anomaly</system-out>");
  });

  it("makes one testcase per scenario × variant from a summary, with explanations from results", () => {
    const summary: CampaignSummary = {
      tool: TOOL,
      campaign: "c1",
      scenarios: ["list-append", "mixed"],
      variant: "fixed,read-set-pre-raft",
      variants: ["fixed", "read-set-pre-raft"],
      seeds: 400,
      wallMs: 1000,
      seedsPerSecond: 400,
      opsPerSecond: 1,
      failures: [
        {
          seed: 42,
          scenario: "list-append",
          variant: "read-set-pre-raft",
          anomalyTypes: ["G-single-item"],
          repro: "a.json",
        },
      ],
      groups: [],
      probes: {},
    };
    const cases = junitCasesFromSummary(summary, [exampleRun()]);
    expect(cases.map((c) => `${c.scenario}/${c.variant}/${c.failures.length}`)).toEqual([
      "list-append/fixed/0",
      "list-append/read-set-pre-raft/1",
      "mixed/fixed/0",
      "mixed/read-set-pre-raft/0",
    ]);
    const xml = renderJunit("c1", cases);
    assertWellEscaped(xml);
    expect(xml).toContain("G-single-item: Let T1 = {p0: [r x [1]] [r y []]}");
    expect(xml.match(/<testcase /g)).toHaveLength(4);
  });

  it("caps the failing seeds spelled out per testcase", () => {
    const failures = Array.from({ length: 25 }, (_, i) => ({ seed: i, anomalyTypes: ["G0"] }));
    const xml = renderJunit("s", [{ scenario: "x", variant: "v", failures }]);
    expect(xml).toContain("25 failing seeds: G0");
    expect(xml).toContain("… and 5 more failing seeds");
  });

  it("turns one run into one testcase", () => {
    const c = junitCaseFromRun(exampleRun());
    expect(c.failures[0]!.anomalyTypes).toEqual(["G-single-item"]);
    expect(junitCaseFromRun({ ...exampleRun(), valid: true }).failures).toEqual([]);
  });
});
