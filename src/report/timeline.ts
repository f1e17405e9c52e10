/**
 * The history as an SVG timeline: one lane per client process (and one for the nemesis), each op a
 * bar from invoke to completion coloured by outcome, faults shaded as bands across all lanes and
 * leader changes marked. Drawn on the server side so the report needs no script to show it; the
 * page script only adds the hover details.
 */
import type { MopValue, Op } from "../check/history.ts";
import { escapeAttr, escapeXml } from "./escape.ts";
import { fmtAny, fmtOpValue, fmtValue, truncate } from "./format.ts";
import { opNumber, type Txn } from "./txns.ts";
import type { SimEvent } from "./types.ts";

/** Beyond this many transactions a lane becomes an unreadable smear (and the page slow). */
export const MAX_TIMELINE_TXNS = 1500;

const LANE_H = 24;
const LABEL_W = 78;
const AXIS_H = 34;
const BAR_PAD = 4;
/** Width of one character of the 11 px monospace labels. */
const CHAR_W = 6.6;

export interface TimelineInput {
  txns: Txn[];
  events?: SimEvent[];
  /** Op numbers (see txns.ts) of transactions to highlight, with their labels (T1, T2…). */
  highlight: Map<number, string>;
  /** Op numbers the window should be centred on when the history is too long. */
  focus: number[];
}

interface Band {
  start: number;
  end: number;
  label: string;
  /** What a matching stop names, e.g. "partition". */
  name?: string;
}

interface Mark {
  at: number;
  /** The hover text: the event's kind and detail. */
  label: string;
  /** The text written under the lanes, e.g. "n2 leads (term 3)", "crash n1". */
  text: string;
  kind: string;
}

const NOTE_H = 13;
const NOTE_CHAR_W = 6;
/** Labels beyond this many rows are left to the hover title: the strip must stay a strip. */
const MAX_NOTE_ROWS = 4;
const MAX_NOTE_CHARS = 48;

interface Note {
  x: number;
  text: string;
  shown: string;
  cls: string;
  row: number;
}

function layoutNotes(items: Array<{ x: number; text: string; cls: string }>): Note[] {
  const rowEnd: number[] = [];
  const out: Note[] = [];
  for (const it of [...items].sort((a, b) => a.x - b.x)) {
    const shown = truncate(it.text, MAX_NOTE_CHARS);
    const w = shown.length * NOTE_CHAR_W + 8;
    let row = rowEnd.findIndex((end) => end <= it.x);
    if (row < 0) {
      if (rowEnd.length >= MAX_NOTE_ROWS) continue;
      row = rowEnd.length;
      rowEnd.push(0);
    }
    rowEnd[row] = it.x + w;
    out.push({ ...it, shown, row });
  }
  return out;
}

type Lane = number | "nemesis";

/** Where everything goes: the time axis, the lanes and the note strip, computed before any drawing. */
interface TimelineLayout {
  useTime: boolean;
  at: (op: Op) => number;
  t0: number;
  t1: number;
  bands: Band[];
  marks: Mark[];
  lanes: Lane[];
  laneY: Map<Lane, number>;
  plotW: number;
  width: number;
  height: number;
  lanesBottom: number;
  x: (t: number) => number;
  notes: Note[];
}

export function renderTimeline(input: TimelineInput): string {
  const all = input.txns;
  if (all.length === 0) return `<p class="muted">The history is empty.</p>`;
  const { shown, caption } = windowOf(all, input.focus);
  const layout = layoutTimeline(input, all, shown);
  const { width, height, useTime } = layout;

  // Drawn in paint order: lanes and axis, then fault bands behind the bars, then the ops, then the
  // point events on top and their notes under the lanes.
  const parts: string[] = [];
  parts.push(
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="history timeline">`,
  );
  drawLanesAndAxis(layout, parts);
  drawBands(layout, parts);
  drawOps(layout, shown, input.highlight, parts);
  drawMarksAndNotes(layout, parts);
  parts.push(`</svg>`);
  const legend = `<div class="legend"><span class="sw ok"></span>ok <span class="sw fail"></span>fail <span class="sw info"></span>info (outcome unknown) <span class="sw pending"></span>pending <span class="sw band"></span>fault <span class="sw mark"></span>leader change / event <span class="sw hl"></span>in the anomaly</div>`;
  const note =
    !useTime && input.events?.length ? ` Events are not drawn: the history has no :time values.` : "";
  return `${legend}<div class="scroll">${parts.join("")}</div>${caption || note ? `<p class="muted">${escapeXml(caption + note)}</p>` : ""}`;
}

function layoutTimeline(input: TimelineInput, all: Txn[], shown: Txn[]): TimelineLayout {
  // Real time is index order (README); `time` is informational, so use it only when every op
  // has one, and fall back to index positions otherwise.
  const ops = shown.flatMap((t) =>
    t.complete && t.complete !== t.invoke ? [t.invoke, t.complete] : [t.invoke],
  );
  const useTime = all.every((t) => isNum(t.invoke.time) && (!t.complete || isNum(t.complete.time)));
  const at = (op: Op) => (useTime ? (op.time as number) : op.index);
  let t0 = Math.min(...ops.map(at));
  let t1 = Math.max(...ops.map(at));

  const bands: Band[] = [];
  const marks: Mark[] = [];
  if (useTime && input.events && input.events.length > 0) {
    eventsToBands(input.events, bands, marks);
  } else {
    nemesisToBands(
      shown.filter((t) => t.process === "nemesis"),
      at,
      bands,
      marks,
    );
  }
  for (const b of bands) if (!Number.isFinite(b.end)) b.end = t1;
  // Events just outside the ops still belong on the page; widen the axis for them (not for bands
  // that only span the window).
  for (const m of marks) {
    t0 = Math.min(t0, m.at);
    t1 = Math.max(t1, m.at);
  }
  if (t1 <= t0) t1 = t0 + 1;

  const clients = [
    ...new Set(shown.filter((t) => t.process !== "nemesis").map((t) => t.process as number)),
  ].sort((a, b) => a - b);
  const lanes: Lane[] = shown.some((t) => t.process === "nemesis") ? ["nemesis", ...clients] : clients;
  const plotW = Math.max(860, Math.min(9000, shown.length * 16));
  const width = LABEL_W + plotW + 16;
  const lanesBottom = AXIS_H + lanes.length * LANE_H;
  const x = (t: number) => LABEL_W + ((t - t0) / (t1 - t0)) * plotW;
  // Every fault and point event is named in a strip under the lanes (not only on hover), each
  // label at its own x and moved down a row when it would overlap the one before.
  const notes = layoutNotes([
    ...bands.map((b) => ({ x: x(Math.max(b.start, t0)), text: b.label, cls: "band-note" })),
    ...marks.map((m) => ({ x: x(m.at), text: m.text, cls: `mark-note ${m.kind}` })),
  ]);
  const noteRows = notes.reduce((n, l) => Math.max(n, l.row + 1), 0);
  const height = lanesBottom + (noteRows > 0 ? noteRows * NOTE_H + 6 : 0) + 8;
  const laneY = new Map(lanes.map((l, i) => [l, AXIS_H + i * LANE_H]));
  return { useTime, at, t0, t1, bands, marks, lanes, laneY, plotW, width, height, lanesBottom, x, notes };
}

function drawLanesAndAxis(layout: TimelineLayout, parts: string[]): void {
  const { lanes, laneY, plotW, t0, t1, x, useTime, lanesBottom } = layout;
  // Lanes.
  for (const l of lanes) {
    const y = laneY.get(l)!;
    const name = l === "nemesis" ? "nemesis" : `p${l}`;
    parts.push(
      `<g class="lane${l === "nemesis" ? " nemesis" : ""}" data-lane="${escapeAttr(name)}"><rect class="lane-bg" x="${LABEL_W}" y="${y}" width="${plotW}" height="${LANE_H}"/><text class="lane-label" x="${LABEL_W - 8}" y="${f1(y + LANE_H / 2 + 4)}" text-anchor="end">${escapeXml(name)}</text></g>`,
    );
  }
  // Axis.
  parts.push(`<g class="axis">`);
  for (const tick of niceTicks(t0, t1, Math.max(4, Math.floor(plotW / 110)))) {
    const tx = f1(x(tick));
    const label = useTime ? `${fmtMsNs(tick)}` : `#${tick}`;
    parts.push(
      `<line x1="${tx}" x2="${tx}" y1="${AXIS_H - 6}" y2="${lanesBottom}"/><text x="${tx}" y="${AXIS_H - 10}" text-anchor="middle">${escapeXml(label)}</text>`,
    );
  }
  parts.push(
    `<text class="axis-unit" x="4" y="${AXIS_H - 10}">${useTime ? "sim time" : "history index"}</text></g>`,
  );
}

/** Fault bands, drawn before the bars so that they sit behind them. */
function drawBands(layout: TimelineLayout, parts: string[]): void {
  const { bands, t0, t1, x, lanes } = layout;
  for (const b of bands) {
    const bx = x(Math.max(b.start, t0));
    const bw = Math.max(2, x(Math.min(b.end, t1)) - bx);
    parts.push(
      `<g class="band"><rect x="${f1(bx)}" y="${AXIS_H}" width="${f1(bw)}" height="${lanes.length * LANE_H}"/><title>${escapeXml(b.label)}</title></g>`,
    );
  }
}

function drawOps(
  layout: TimelineLayout,
  shown: Txn[],
  highlight: Map<number, string>,
  parts: string[],
): void {
  const { laneY, x, at, plotW } = layout;
  for (const t of shown) {
    const y = laneY.get(t.process)!;
    const xs = x(at(t.invoke));
    const xe = t.complete ? x(at(t.complete)) : LABEL_W + plotW;
    const w = Math.max(t.complete === t.invoke ? 3 : 4, xe - xs);
    const n = opNumber(t);
    const label = highlight.get(n);
    const cls = `op ${t.status}${label ? " hl" : ""}`;
    // The op's own text where the bar is wide enough: its label in the anomaly first, then what it
    // did ("append k 19", "r k [1 2]"), cut to the characters that fit.
    const fits = Math.floor((w - 6) / CHAR_W);
    const what = t.process === "nemesis" ? t.invoke.f : fmtOpValue(t.complete ?? t.invoke).join(" ");
    const full = label ? `${label} ${what}` : what;
    let text = "";
    if (fits >= 3) {
      const shown =
        full.length <= fits ? full : label && fits < label.length + 4 ? label : truncate(full, fits);
      text = `<text class="op-label" x="${f1(xs + 4)}" y="${f1(y + LANE_H / 2 + 4)}">${escapeXml(shown)}</text>`;
    }
    parts.push(
      `<g class="${cls}" data-op="${n}"><rect x="${f1(xs)}" y="${y + BAR_PAD}" width="${f1(w)}" height="${LANE_H - 2 * BAR_PAD}" rx="2"/>${text}</g>`,
    );
  }
}

/** Leader changes and other point events, drawn last so that they sit on top, then their notes. */
function drawMarksAndNotes(layout: TimelineLayout, parts: string[]): void {
  const { marks, notes, x, lanesBottom } = layout;
  for (const m of marks) {
    const mx = f1(x(m.at));
    parts.push(
      `<g class="mark ${escapeAttr(m.kind)}"><line x1="${mx}" x2="${mx}" y1="${AXIS_H - 4}" y2="${lanesBottom}"/><circle cx="${mx}" cy="${AXIS_H - 4}" r="3"/><title>${escapeXml(m.label)}</title></g>`,
    );
  }
  for (const n of notes) {
    const ny = lanesBottom + 4 + n.row * NOTE_H;
    parts.push(
      `<g class="note ${escapeAttr(n.cls)}"><line x1="${f1(n.x)}" x2="${f1(n.x)}" y1="${lanesBottom}" y2="${f1(ny + NOTE_H - 3)}"/><text x="${f1(n.x + 3)}" y="${f1(ny + NOTE_H - 4)}">${escapeXml(n.shown)}</text><title>${escapeXml(n.text)}</title></g>`,
    );
  }
}

function windowOf(all: Txn[], focus: number[]): { shown: Txn[]; caption: string } {
  if (all.length <= MAX_TIMELINE_TXNS) return { shown: all, caption: "" };
  const pos = new Map(all.map((t, i) => [opNumber(t), i]));
  const idx = focus.map((f) => pos.get(f)).filter((i): i is number => i !== undefined);
  const lo0 = idx.length > 0 ? Math.min(...idx) : 0;
  const hi0 = idx.length > 0 ? Math.max(...idx) : 0;
  const span = hi0 - lo0 + 1;
  let lo = lo0;
  if (span < MAX_TIMELINE_TXNS) lo = Math.max(0, lo0 - Math.floor((MAX_TIMELINE_TXNS - span) / 2));
  lo = Math.min(lo, all.length - MAX_TIMELINE_TXNS);
  const shown = all.slice(lo, lo + MAX_TIMELINE_TXNS);
  return {
    shown,
    caption: `Showing ${MAX_TIMELINE_TXNS} of ${all.length} operations (history indices ${shown[0]!.invoke.index}–${shown[shown.length - 1]!.invoke.index}), around the anomaly.`,
  };
}

function eventsToBands(events: SimEvent[], bands: Band[], marks: Mark[]): void {
  const open: Band[] = [];
  for (const e of [...events].sort((a, b) => a.timeUs - b.timeUs)) {
    const t = e.timeUs * 1000; // µs → ns, the history's unit
    const label = e.detail === undefined ? e.kind : fmtDetail(e.detail);
    const name = faultName(e.detail) ?? label;
    if (e.kind === "fault-start") {
      const b = { start: t, end: Number.POSITIVE_INFINITY, label, name };
      open.push(b);
      bands.push(b);
    } else if (e.kind === "fault-stop") {
      // A stop names the fault it ends when it can; a bare stop (a heal) ends every open fault.
      const i = open.findIndex((b) => b.name === name);
      const closing = i >= 0 ? open.splice(i, 1) : open.splice(0);
      for (const b of closing) b.end = t;
    } else {
      const text = e.kind === "leader-change" ? label : `${e.kind} ${label}`;
      marks.push({ at: t, label: `${e.kind}: ${label}`, text, kind: e.kind });
    }
  }
}

/** `partition groups=[[n1] [n2 n3]]` rather than raw JSON: the fault's name first, then its fields. */
function fmtDetail(detail: unknown): string {
  if (typeof detail !== "object" || detail === null || Array.isArray(detail)) return fmtAny(detail, 120);
  const name = faultName(detail);
  const rest = Object.entries(detail as Record<string, unknown>)
    .filter(([k, v]) => !(typeof v === "string" && v === name && ["fault", "name", "kind", "f"].includes(k)))
    .map(([k, v]) => `${k}=${isMopValue(v) ? fmtValue(v) : fmtAny(v, 60)}`);
  return truncate([name, ...rest].filter((x) => x !== undefined).join(" "), 120);
}

function isMopValue(v: unknown): v is MopValue {
  if (v === null || ["number", "string", "boolean"].includes(typeof v)) return true;
  return Array.isArray(v) && v.every(isMopValue);
}

function faultName(detail: unknown): string | undefined {
  if (typeof detail !== "object" || detail === null) return undefined;
  const d = detail as Record<string, unknown>;
  for (const k of ["fault", "name", "kind", "f"]) if (typeof d[k] === "string") return d[k] as string;
  return undefined;
}

const STOPS = /^(heal|stop|end|recover|resume|restart|unclog|reset|start-node|undo)/i;
const STARTS = /^(start|partition|isolate|clog|crash|kill|pause|skew|clock|bridge|ring|split)/i;

/**
 * Without simulator events, faults are inferred from nemesis ops: condition-starting faults
 * (partition, crash, clog, skew, pause…) open a band that the next heal/restart/stop closes;
 * anything else is a point mark.
 */
function nemesisToBands(nemesis: Txn[], at: (op: Op) => number, bands: Band[], marks: Mark[]): void {
  const open: Band[] = [];
  for (const t of nemesis) {
    const op = t.complete ?? t.invoke;
    const f = op.f;
    const label = op.value === undefined || op.value === null ? f : `${f} ${fmtAny(op.value, 100)}`;
    if (STOPS.test(f)) {
      for (const b of open.splice(0)) b.end = at(op);
    } else if (STARTS.test(f)) {
      const b = { start: at(op), end: Number.POSITIVE_INFINITY, label };
      open.push(b);
      bands.push(b);
    } else {
      marks.push({ at: at(op), label, text: label, kind: "nemesis" });
    }
  }
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(v);
  return out;
}

function fmtMsNs(ns: number): string {
  const ms = ns / 1e6;
  if (Math.abs(ms) >= 1000) return `${+(ms / 1000).toFixed(3)} s`;
  return `${+ms.toFixed(3)} ms`;
}

function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

export function f1(n: number): string {
  return Number.isFinite(n) ? (Math.round(n * 10) / 10).toString() : "0";
}
