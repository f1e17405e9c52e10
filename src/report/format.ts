/**
 * Text forms of history values for people, in the notation of Elle's explanations:
 * `[append x 3]`, `[r x [1 2 3]]`, `nil`. Byte-string keys with unprintable bytes show as `\uXXXX`.
 */
import type { Key, MicroOp, MopValue, Op } from "../check/history.ts";
import { showUnprintable } from "./escape.ts";

export function fmtKey(k: Key | undefined): string {
  if (k === undefined) return "?";
  if (typeof k === "number") return String(k);
  return /^[A-Za-z0-9_.:/@+-]+$/.test(k) ? k : showUnprintable(JSON.stringify(k));
}

export function fmtValue(v: MopValue | undefined): string {
  if (v === undefined || v === null) return "nil";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "string") return fmtKey(v);
  if (Array.isArray(v)) return `[${v.map(fmtValue).join(" ")}]`;
  return `{${Object.entries(v)
    .map(([f, x]) => `${fmtKey(f)} ${fmtValue(x)}`)
    .join(", ")}}`;
}

export function isMicroOp(m: unknown): m is MicroOp {
  return Array.isArray(m) && m.length === 3 && typeof m[0] === "string";
}

export function fmtMop(m: unknown): string {
  if (!isMicroOp(m)) return fmtAny(m);
  return `[${m[0]} ${fmtKey(m[1])} ${fmtValue(m[2])}]`;
}

/** Micro-ops of a txn op, one string each; anything else (nemesis values) as one compact string. */
export function fmtOpValue(op: Op): string[] {
  if (Array.isArray(op.value) && op.value.every(isMicroOp)) return op.value.map(fmtMop);
  return op.value === undefined || op.value === null ? [] : [fmtAny(op.value)];
}

/** Compact, bounded text for arbitrary JSON-ish data (config values, event details, nemesis values). */
export function fmtAny(v: unknown, max = 200): string {
  let s: string;
  if (typeof v === "string") s = v;
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  return truncate(showUnprintable(s), max);
}

export function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(0, max - 1))}…` : s;
}

export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : String(n);
}

/** A rate: whole numbers from 100 up, otherwise three significant digits (0.21 stays 0.21). */
export function fmtRate(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return fmtInt(n);
  return (+n.toPrecision(3)).toString();
}

export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
