/**
 * Escaping for XML and HTML output. Histories carry arbitrary byte strings (keys are one char per
 * byte, codes 0–255), so control characters must be made visible rather than emitted: XML 1.0 forbids
 * most of them outright, and HTML would silently drop or replace them.
 */

/**
 * Shows as `\uXXXX` what XML 1.0 cannot carry at all (C0 controls other than tab/newline/return,
 * U+FFFE/U+FFFF, unpaired surrogates) and the C1 controls, which render as nothing useful.
 */
export function showUnprintable(s: string): string {
  let out = "";
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let bad: boolean;
    if (c < 0x20) bad = c !== 9 && c !== 10 && c !== 13;
    else if (c < 0x7f) continue;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      bad = true;
    } else bad = c <= 0x9f || (c >= 0xdc00 && c <= 0xdfff) || c === 0xfffe || c === 0xffff;
    if (bad) {
      out += `${s.slice(last, i)}\\u${c.toString(16).padStart(4, "0")}`;
      last = i + 1;
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for element content and quoted attribute values, in HTML and XML alike. */
export function escapeXml(s: unknown): string {
  return showUnprintable(String(s)).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Attribute values: also keep newlines and tabs, which XML parsers would normalise to spaces. */
export function escapeAttr(s: unknown): string {
  return escapeXml(s).replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

/** JSON for a `<script type="application/json">` block: nothing in it may close the element. */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Quotes one argument for a POSIX shell command line shown to the user. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
