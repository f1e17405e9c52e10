/**
 * report.html as the commands write it: the HTML renderer (src/report) given what only this layer
 * knows, each variant's own knob values, so that a run's knob table leads with what differs.
 */
import { knobRecord, resolveKnobs } from "../cluster/knobs.ts";
import { type HtmlReportInput, renderHtmlReport } from "../report/html.ts";

/** A variant's knob values on a bare cluster (no scenario knobs, no `--knob`); undefined if unknown. */
export function variantKnobs(variant: string): Record<string, unknown> | undefined {
  try {
    return knobRecord(resolveKnobs({ cluster: { nodes: 3 } }, variant));
  } catch {
    return undefined;
  }
}

export function renderReport(input: HtmlReportInput): string {
  return renderHtmlReport(input, { variantKnobs });
}
