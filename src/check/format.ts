/** Reading and writing histories in either supported format. */
import { EdnHistoryParser, historyToEdn, parseEdnHistory } from "./edn.ts";
import type { History } from "./history.ts";
import { historyToJsonl, JsonlHistoryParser, parseJsonlHistory } from "./jsonl.ts";

export type HistoryFormat = "edn" | "jsonl";

/** Guesses the format from the first meaningful characters: `{"` is JSON, anything else EDN. */
export function detectFormat(text: string): HistoryFormat {
  const m = /^[\s,]*(\S)(\s*)(\S?)/.exec(text);
  if (m === null) return "edn";
  return m[1] === "{" && m[3] === '"' ? "jsonl" : "edn";
}

/** Parses a history in either format (auto-detected unless given). */
export function parseHistory(text: string, format?: HistoryFormat): History {
  return (format ?? detectFormat(text)) === "jsonl" ? parseJsonlHistory(text) : parseEdnHistory(text);
}

/**
 * A history read in pieces (a file read in chunks: see EdnHistoryParser), in either format; the
 * format is detected from the first meaningful characters unless given.
 */
export class HistoryStreamParser {
  private inner: EdnHistoryParser | JsonlHistoryParser | null = null;
  private head = "";

  constructor(format?: HistoryFormat) {
    if (format !== undefined)
      this.inner = format === "jsonl" ? new JsonlHistoryParser() : new EdnHistoryParser();
  }

  push(chunk: string): void {
    if (this.inner !== null) {
      this.inner.push(chunk);
      return;
    }
    this.head += chunk;
    // Two meaningful characters decide the format (see detectFormat).
    if (/^[\s,]*\S\s*\S/.test(this.head)) this.start();
  }

  end(): History {
    if (this.inner === null) this.start();
    return this.inner!.end();
  }

  private start(): void {
    this.inner = detectFormat(this.head) === "jsonl" ? new JsonlHistoryParser() : new EdnHistoryParser();
    const h = this.head;
    this.head = "";
    this.inner.push(h);
  }
}

/** Renders a history in either format. */
export function formatHistory(history: History, format: HistoryFormat): string {
  return format === "jsonl" ? historyToJsonl(history) : historyToEdn(history);
}
