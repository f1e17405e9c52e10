/** Reading and writing histories in either supported format. */
import { historyToEdn, parseEdnHistory } from "./edn.ts";
import type { History } from "./history.ts";
import { historyToJsonl, parseJsonlHistory } from "./jsonl.ts";

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

/** Renders a history in either format. */
export function formatHistory(history: History, format: HistoryFormat): string {
  return format === "jsonl" ? historyToJsonl(history) : historyToEdn(history);
}
