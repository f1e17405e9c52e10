/**
 * The history as a table: every op of a run, one row each, numbered as everywhere else (the op
 * number of txns.ts), so that a shrunk counterexample can be read top to bottom without hovering.
 * Long histories are folded away (and beyond a limit cut, pointing at history.edn).
 */
import { procName } from "./cycle.ts";
import { escapeAttr, escapeXml } from "./escape.ts";
import { fmtAny, fmtInt, fmtOpValue } from "./format.ts";
import { opNumber, type Txn } from "./txns.ts";

/** Up to this many ops the table is open on the page; a longer one is one click away. */
const OPEN_UP_TO = 60;
/** Beyond this many ops the page would be slow; the rest is in history.edn. */
export const MAX_HISTORY_ROWS = 2000;

export function renderHistoryTable(txns: Txn[]): string {
  if (txns.length === 0) return "";
  const rows = txns.slice(0, MAX_HISTORY_ROWS).map((t) => {
    const inv = t.invoke;
    const done = t.complete;
    const nemesis = t.process === "nemesis";
    const what = nemesis
      ? `${inv.f}${inv.value === null || inv.value === undefined ? "" : ` ${fmtAny(inv.value, 80)}`}`
      : fmtOpValue(inv).join(" ");
    // What an ok op returned (a read of nil included); an op that failed or may have applied has
    // no result to show, only its error.
    const result = !nemesis && done && done !== inv && t.status === "ok" ? fmtOpValue(done).join(" ") : "";
    const err = (done ?? inv).error;
    const cells = [
      result ? `<code>${escapeXml(result)}</code>` : "",
      err !== undefined ? `<span class="muted">${escapeXml(fmtAny(err, 80))}</span>` : "",
    ].filter((c) => c !== "");
    return `<tr class="${escapeAttr(t.status)}" data-op="${opNumber(t)}"><td class="num">${opNumber(t)}</td><td>${escapeXml(procName(t.process))}</td><td><code>${escapeXml(what)}</code></td><td class="st">${escapeXml(t.status)}</td><td>${cells.join(" ")}</td><td class="num muted">${inv.index}${done && done !== inv ? `–${done.index}` : ""}</td><td class="num muted">${timeCell(t)}</td></tr>`;
  });
  const more =
    txns.length > MAX_HISTORY_ROWS
      ? `<p class="muted">… ${fmtInt(txns.length - MAX_HISTORY_ROWS)} more ops in history.edn.</p>`
      : "";
  const summary = `History: ${fmtInt(txns.length)} op${txns.length === 1 ? "" : "s"}, in the order they were invoked`;
  return `<details class="history"${txns.length <= OPEN_UP_TO ? " open" : ""}><summary>${escapeXml(summary)}</summary><table class="history"><thead><tr><th>op</th><th>process</th><th>invoked</th><th>outcome</th><th>result</th><th>indices</th><th>time (ms)</th></tr></thead><tbody>${rows.join("")}</tbody></table>${more}</details>`;
}

function timeCell(t: Txn): string {
  const a = t.invoke.time;
  const b = t.complete?.time;
  const ms = (ns: number) => `${+(ns / 1e6).toFixed(3)}`;
  if (typeof a !== "number") return "";
  return typeof b === "number" && t.complete !== t.invoke ? `${ms(a)}–${ms(b)}` : ms(a);
}
