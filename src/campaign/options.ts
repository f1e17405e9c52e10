/**
 * Parsing of command-line values (seeds, durations, shards, knobs). Every problem is an InputError
 * naming the flag, so the CLI prints one line and exits 2.
 */
import { InputError } from "../io/errors.ts";

/** A root seed: a non-negative integer below 2^53. */
export function parseSeed(raw: string | number, flag = "--seed"): number {
  const n = typeof raw === "number" ? raw : /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InputError({
      file: flag,
      expected: "a non-negative integer below 2^53",
      found: JSON.stringify(raw),
    });
  }
  return n;
}

/** A positive integer (counts such as --seeds and --workers); `min` allows 0 where it means something. */
export function parseCount(raw: string | number, flag: string, min = 1): number {
  const n = typeof raw === "number" ? raw : /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new InputError({ file: flag, expected: `an integer ≥ ${min}`, found: JSON.stringify(raw) });
  }
  return n;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A wall-clock duration: plain seconds (`90`, `1.5`) or `500ms`, `90s`, `5m`, `2h`. Returns ms. */
export function parseDurationMs(raw: string, flag = "--duration"): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? "s"]! : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new InputError({
      file: flag,
      expected: "seconds or a duration such as 90s, 5m or 2h",
      found: JSON.stringify(raw),
    });
  }
  return Math.round(ms);
}

export interface Shard {
  index: number;
  count: number;
}

/** `I/N` with 0 ≤ I < N (I is a Kubernetes Indexed Job's completion index). */
export function parseShard(raw: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new InputError({
      file: "--shard",
      expected: "I/N with 0 ≤ I < N, e.g. 0/4",
      found: JSON.stringify(raw),
    });
  }
  return { index, count };
}

/** `--knob name=value` (repeatable) into a name → raw value map; the knob layer types the values. */
export function parseKnobArgs(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf("=");
    if (eq <= 0)
      throw new InputError({ file: "--knob", expected: "name=value", found: JSON.stringify(item) });
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

/** Commander's collector for repeatable options. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
