/**
 * An anomaly's dependency cycle drawn as an SVG graph: transactions on a circle (cycles are small),
 * edges as arrows labelled with their kind, key and value. Laid out by hand because a circle needs
 * no layout library and the report must stay self-contained.
 */
import type { MopValue } from "../check/history.ts";
import { escapeAttr, escapeXml } from "./escape.ts";
import { fmtKey, fmtOpValue, fmtValue, truncate } from "./format.ts";
import { f1 } from "./timeline.ts";
import { opNumber, opNumberOf, type PairedHistory, type Txn } from "./txns.ts";
import type { CycleStep } from "./types.ts";

const NODE_W = 200;
const NODE_H = 46;
const MARGIN = 24;
/** Distance between parallel edges of the same pair of nodes. */
const EDGE_SPREAD = 60;

interface Node {
  id: number;
  txn?: Txn;
  /** The op number (the cited index when the txn is unknown to the history). */
  ref: number;
  label: string;
  x: number;
  y: number;
}

interface Point {
  x: number;
  y: number;
}

/**
 * Names the transactions of a cycle T1, T2… in the order the cycle visits them, as Elle's
 * explanations do. Returns op number (see txns.ts) → label.
 */
export function cycleLabels(steps: CycleStep[], paired: PairedHistory): Map<number, string> {
  const labels = new Map<number, string>();
  for (const s of steps) {
    for (const ref of [s.from, s.to]) {
      const key = opNumberOf(paired, ref);
      if (!labels.has(key)) labels.set(key, `T${labels.size + 1}`);
    }
  }
  return labels;
}

export function renderCycle(steps: CycleStep[], paired: PairedHistory, uid: string): string {
  const labels = cycleLabels(steps, paired);
  const nodes: Node[] = [...labels.entries()].map(([ref, label], id) => ({
    id,
    ref,
    txn: paired.byIndex.get(ref),
    label,
    x: 0,
    y: 0,
  }));
  const byRef = new Map(nodes.map((n) => [n.ref, n]));
  const nodeOf = (ref: number) => byRef.get(opNumberOf(paired, ref))!;

  // On a circle, starting at the left and going clockwise; adjacent boxes must not touch.
  const n = nodes.length;
  const r = n <= 1 ? 0 : Math.max(170, (NODE_W / 2 + 30) / Math.sin(Math.PI / n));
  nodes.forEach((node, i) => {
    const a = Math.PI + (2 * Math.PI * i) / n;
    node.x = r * Math.cos(a);
    node.y = n === 2 ? 0 : r * Math.sin(a);
  });

  // Parallel edges between one pair of nodes get spread out so that A→B and B→A don't overlap.
  const pairs = new Map<string, number[]>();
  steps.forEach((s, i) => {
    const a = nodeOf(s.from).id;
    const b = nodeOf(s.to).id;
    const k = a < b ? `${a}-${b}` : `${b}-${a}`;
    const list = pairs.get(k) ?? [];
    list.push(i);
    pairs.set(k, list);
  });

  const edgeSvg: string[] = [];
  const extents: Point[] = nodes.flatMap((nd) => [
    { x: nd.x - NODE_W / 2, y: nd.y - NODE_H / 2 },
    { x: nd.x + NODE_W / 2, y: nd.y + NODE_H / 2 },
  ]);
  steps.forEach((s, i) => {
    const from = nodeOf(s.from);
    const to = nodeOf(s.to);
    const text = edgeText(s);
    const labelW = text.length * 6.6 + 12;
    let path: string;
    let lp: Point;
    if (from === to) {
      // A self-loop above the node.
      const top = { x: from.x, y: from.y - NODE_H / 2 };
      path = `M${f1(top.x - 30)},${f1(top.y)} C${f1(top.x - 50)},${f1(top.y - 70)} ${f1(top.x + 50)},${f1(top.y - 70)} ${f1(top.x + 30)},${f1(top.y - 2)}`;
      lp = { x: top.x, y: top.y - 56 };
    } else {
      const [lo, hi] = from.id < to.id ? [from, to] : [to, from];
      const group = pairs.get(`${lo.id}-${hi.id}`)!;
      const offset = (group.indexOf(i) - (group.length - 1) / 2) * EDGE_SPREAD;
      const dx = hi.x - lo.x;
      const dy = hi.y - lo.y;
      const len = Math.hypot(dx, dy) || 1;
      const perp = { x: -dy / len, y: dx / len };
      const mid = { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 };
      // The curve's apex sits halfway to its control point.
      const c = { x: mid.x + perp.x * offset * 2, y: mid.y + perp.y * offset * 2 };
      const start = boxExit(from, c);
      const end = boxExit(to, c, 3);
      path = `M${f1(start.x)},${f1(start.y)} Q${f1(c.x)},${f1(c.y)} ${f1(end.x)},${f1(end.y)}`;
      lp = { x: mid.x + perp.x * offset, y: mid.y + perp.y * offset };
    }
    extents.push({ x: lp.x - labelW / 2, y: lp.y - 10 }, { x: lp.x + labelW / 2, y: lp.y + 10 });
    edgeSvg.push(
      `<g class="edge ${escapeAttr(s.kind)}" data-kind="${escapeAttr(s.kind)}"><path d="${path}" marker-end="url(#${uid}-${escapeAttr(markerKind(s.kind))})"/><rect class="edge-label-bg" x="${f1(lp.x - labelW / 2)}" y="${f1(lp.y - 9)}" width="${f1(labelW)}" height="18" rx="4"/><text class="edge-label" x="${f1(lp.x)}" y="${f1(lp.y + 4)}" text-anchor="middle">${escapeXml(text)}</text><title>${escapeXml(`${from.label} → ${to.label} (${s.kind}): ${s.why}`)}</title></g>`,
    );
  });

  const nodeSvg = nodes.map((nd) => {
    const t = nd.txn;
    const head = t
      ? `${nd.label} · op ${opNumber(t)} · ${procName(t.process)} · ${t.status}`
      : `${nd.label} · op ${nd.ref}`;
    const mops = t ? fmtOpValue(t.complete ?? t.invoke).join(" ") : "(not in the history)";
    const status = t ? t.status : "pending";
    const op = t ? opNumber(t) : nd.ref;
    return `<g class="node ${status}" data-op="${op}" data-txn="${escapeAttr(nd.label)}"><rect x="${f1(nd.x - NODE_W / 2)}" y="${f1(nd.y - NODE_H / 2)}" width="${NODE_W}" height="${NODE_H}" rx="6"/><text x="${f1(nd.x)}" y="${f1(nd.y - 5)}" text-anchor="middle"><tspan class="node-head">${escapeXml(head)}</tspan><tspan class="node-mops" x="${f1(nd.x)}" dy="16">${escapeXml(truncate(mops, 30))}</tspan></text><title>${escapeXml(`${head}\n${mops}`)}</title></g>`;
  });

  const minX = Math.min(...extents.map((p) => p.x)) - MARGIN;
  const minY = Math.min(...extents.map((p) => p.y)) - MARGIN;
  const w = Math.max(...extents.map((p) => p.x)) + MARGIN - minX;
  const h = Math.max(...extents.map((p) => p.y)) + MARGIN - minY;
  const markers = ["ww", "wr", "rw", "realtime", "process", "other"]
    .map(
      (k) =>
        `<marker id="${uid}-${k}" class="arrow ${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>`,
    )
    .join("");
  return `<svg class="cycle" xmlns="http://www.w3.org/2000/svg" width="${f1(w)}" height="${f1(h)}" viewBox="${f1(minX)} ${f1(minY)} ${f1(w)} ${f1(h)}" role="img" aria-label="dependency cycle"><defs>${markers}</defs>${edgeSvg.join("")}${nodeSvg.join("")}</svg>`;
}

/** `rw · y · 1`: the kind, and the key and value the dependency is about when there is one. */
export function edgeText(s: CycleStep): string {
  const parts: string[] = [s.kind];
  if (s.key !== undefined) parts.push(fmtKey(s.key));
  // The checker names the history value an edge is about, so it is a micro-op value.
  if (s.value !== undefined) parts.push(fmtValue(s.value as MopValue));
  return truncate(parts.join(" · "), 40);
}

function markerKind(kind: string): string {
  return ["ww", "wr", "rw", "realtime", "process"].includes(kind) ? kind : "other";
}

export function procName(p: number | "nemesis"): string {
  return p === "nemesis" ? "nemesis" : `p${p}`;
}

/** Where the ray from the node's centre towards `toward` leaves its box (plus a gap). */
function boxExit(n: Node, toward: Point, gap = 0): Point {
  const dx = toward.x - n.x;
  const dy = toward.y - n.y;
  const len = Math.hypot(dx, dy) || 1;
  const ux = dx / len;
  const uy = dy / len;
  const t = Math.min(
    ux === 0 ? Number.POSITIVE_INFINITY : NODE_W / 2 / Math.abs(ux),
    uy === 0 ? Number.POSITIVE_INFINITY : NODE_H / 2 / Math.abs(uy),
  );
  return { x: n.x + ux * (t + gap), y: n.y + uy * (t + gap) };
}
