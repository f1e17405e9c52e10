/**
 * Renders a report and saves a PNG of it, for the README:
 *
 *   node --import tsx src/report/screenshot.ts IN.json OUT.png
 *   node --import tsx src/report/screenshot.ts --example reports/example-report.png
 *
 * IN.json is a run (`sim run --json` output plus `history` and optional `events`) or a campaign
 * (`{summary, failures}`), or an already rendered `.html` file.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureDir, writeFileAtomic } from "../io/atomic.ts";
import { InputError } from "../io/errors.ts";
import { parseJson } from "../io/json.ts";
import { launchChromium } from "./browser.ts";
import { exampleRun } from "./example.ts";
import { type HtmlReportInput, renderHtmlReport } from "./html.ts";

export async function screenshotReport(html: string, out: string, width = 1280): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "deltasim-shot-"));
  const browser = await launchChromium();
  try {
    const file = join(dir, "report.html");
    await writeFile(file, html);
    const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(file).href);
    const png = await page.screenshot({ fullPage: true });
    await ensureDir(dirname(resolve(out)));
    await writeFileAtomic(out, png);
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.length !== 2) {
    process.stderr.write(
      "usage: node --import tsx src/report/screenshot.ts (IN.json | IN.html | --example) OUT.png\n",
    );
    return 2;
  }
  const [input, out] = argv as [string, string];
  let html: string;
  try {
    if (input === "--example") html = renderHtmlReport(exampleRun());
    else {
      const text = await readFile(input, "utf8").catch(() => {
        throw new InputError({ file: input, problem: "cannot read" });
      });
      html = input.endsWith(".html") ? text : renderHtmlReport(parseJson(text, input) as HtmlReportInput);
    }
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  await screenshotReport(html, out);
  process.stdout.write(`${out}\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2));
}
