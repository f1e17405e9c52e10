/**
 * The fuzz progress line on a terminal: a bar, seeds done, seeds/s, failures so far and the time
 * left. It redraws one line of stderr in place at most ten times a second, and is only used when
 * stderr is a terminal without NO_COLOR and the output is not --json (see cli-io.ts).
 */
import type { ChalkInstance } from "chalk";
import type { Writer } from "./cli-io.ts";

export interface ProgressState {
  done: number;
  failures: number;
  shrinking: number;
  elapsedMs: number;
  /** Time until the last shrink in flight ends at the latest (0 when none runs). */
  shrinkLeftMs?: number;
}

export class Progress {
  private lastDraw = -1;
  private drawn = false;

  constructor(
    private readonly err: Writer,
    private readonly c: ChalkInstance,
    /** Total runs when known (`--seeds`), and the duration when bounded by time. */
    private readonly total: number | undefined,
    private readonly durationMs: number | undefined,
  ) {}

  update(s: ProgressState, force = false): void {
    if (!force && this.lastDraw >= 0 && s.elapsedMs - this.lastDraw < 100) return;
    this.lastDraw = s.elapsedMs;
    this.err.write(`\r${this.render(s)}\x1b[K`);
    this.drawn = true;
  }

  /** Clears the line so that what follows starts clean. */
  finish(): void {
    if (this.drawn) this.err.write("\r\x1b[K");
    this.drawn = false;
  }

  render(s: ProgressState): string {
    const rate = s.elapsedMs > 0 ? s.done / (s.elapsedMs / 1000) : 0;
    let fraction: number | undefined;
    let etaMs: number | undefined;
    if (this.total !== undefined && this.total > 0) {
      fraction = s.done / this.total;
      if (this.durationMs !== undefined) fraction = Math.max(fraction, s.elapsedMs / this.durationMs);
      etaMs = rate > 0 ? ((this.total - s.done) / rate) * 1000 : undefined;
      if (this.durationMs !== undefined) etaMs = Math.min(etaMs ?? Infinity, this.durationMs - s.elapsedMs);
    } else if (this.durationMs !== undefined) {
      fraction = s.elapsedMs / this.durationMs;
      etaMs = this.durationMs - s.elapsedMs;
    }
    // Shrinks still running after the last seed keep the command going; with a duration they are
    // cut at its end, which the line above already bounds.
    if (s.shrinkLeftMs !== undefined && s.shrinkLeftMs > 0) {
      const capped =
        this.durationMs !== undefined
          ? Math.min(s.shrinkLeftMs, this.durationMs - s.elapsedMs)
          : s.shrinkLeftMs;
      etaMs = Math.max(etaMs ?? 0, capped);
    }
    const width = 24;
    const f = Math.min(1, Math.max(0, fraction ?? 0));
    const full = Math.round(f * width);
    const bar = `${this.c.cyan("█".repeat(full))}${this.c.dim("░".repeat(width - full))}`;
    const count = this.total !== undefined ? `${s.done}/${this.total}` : `${s.done}`;
    const fails =
      s.failures === 0
        ? this.c.green("0 failures")
        : this.c.red(`${s.failures} failure${s.failures === 1 ? "" : "s"}`);
    const parts = [
      `${bar} ${count} seeds`,
      `${rate.toFixed(1)} seeds/s`,
      fails,
      ...(s.shrinking > 0 ? [this.c.yellow(`shrinking ${s.shrinking}`)] : []),
      `ETA ${etaMs === undefined || !Number.isFinite(etaMs) ? "?" : clock(Math.max(0, etaMs))}`,
    ];
    return parts.join("  ");
  }
}

export function clock(ms: number): string {
  const t = Math.round(ms / 1000);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`
    : `${m}:${String(s).padStart(2, "0")}`;
}
