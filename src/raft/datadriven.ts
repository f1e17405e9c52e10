/**
 * The script format of the data-driven Raft tests (the format of etcd's `datadriven` package):
 *
 *     # comment
 *     command arg key=value
 *     ----
 *     expected output, one or more lines
 *     (a blank line ends the output)
 *
 * `parseScript` splits a file into commands and the text around them (comments, blank lines), so
 * `renderScript` can write the same file back with fresh outputs: that is how golden files are
 * rewritten after an intended behaviour change. Outputs never contain blank lines.
 */

export interface Arg {
  key: string;
  /** undefined for a bare word (`campaign 1` has one arg with key "1"). */
  value: string | undefined;
}

export interface Command {
  /** 1-based line of the command in its file. */
  line: number;
  name: string;
  args: Arg[];
  /** The command line as written. */
  text: string;
  expected: string;
}

export type Chunk = { kind: "text"; text: string } | { kind: "command"; cmd: Command };

export class ScriptError extends Error {}

const SEPARATOR = "----";

/** Splits `text` (from `file`, named in errors) into commands and the text between them. */
export function parseScript(text: string, file: string): Chunk[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const chunks: Chunk[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === "" || line.startsWith("#")) {
      chunks.push({ kind: "text", text: line });
      i++;
      continue;
    }
    if (lines[i + 1] !== SEPARATOR) {
      throw new ScriptError(`${file}:${i + 2}: expected "${SEPARATOR}" after the command "${line}"`);
    }
    const start = i;
    i += 2;
    const out: string[] = [];
    while (i < lines.length && lines[i].trim() !== "") out.push(lines[i++]);
    const [name, ...words] = line.trim().split(/\s+/);
    const args = words.map((w): Arg => {
      const eq = w.indexOf("=");
      return eq < 0 ? { key: w, value: undefined } : { key: w.slice(0, eq), value: w.slice(eq + 1) };
    });
    chunks.push({
      kind: "command",
      cmd: { line: start + 1, name, args, text: line, expected: out.join("\n") },
    });
  }
  return chunks;
}

/** Writes the chunks back, with `outputs[k]` as the output of the k-th command. */
export function renderScript(chunks: readonly Chunk[], outputs: readonly string[]): string {
  const lines: string[] = [];
  let k = 0;
  for (const c of chunks) {
    if (c.kind === "text") {
      lines.push(c.text);
    } else {
      lines.push(c.cmd.text, SEPARATOR, outputs[k++]);
    }
  }
  return `${lines.join("\n")}\n`;
}
