/**
 * Lists functions and methods under src/ (tests excluded) longer than a limit, longest first:
 * `npm run long-functions [-- LIMIT]` (default 100 lines). A function may stay long when the line
 * just above it holds a comment that says why, containing "long:"; those are listed apart.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const ROOT = new URL("..", import.meta.url).pathname;
const limit = Number(process.argv[2] ?? 100);

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

interface Long {
  where: string;
  name: string;
  lines: number;
  excused: boolean;
}

function nameOf(node: ts.Node, src: ts.SourceFile): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isGetAccessor(node)) && node.name)
    return node.name.getText(src);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(src);
  if (parent && ts.isPropertyDeclaration(parent)) return parent.name.getText(src);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(src);
  return "(anonymous)";
}

const found: Long[] = [];
for (const file of files(join(ROOT, "src"))) {
  const text = readFileSync(file, "utf8");
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
      const start = src.getLineAndCharacterOfPosition(node.getStart(src)).line;
      const end = src.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > limit) {
        const above = text
          .split("\n")
          .slice(Math.max(0, start - 3), start)
          .join("\n");
        found.push({
          where: `${relative(ROOT, file)}:${start + 1}`,
          name: nameOf(node, src),
          lines,
          excused: /long:/.test(above),
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
}
found.sort((a, b) => b.lines - a.lines);
for (const f of found)
  console.log(`${String(f.lines).padStart(4)}  ${f.where}  ${f.name}${f.excused ? "  (excused)" : ""}`);
const open = found.filter((f) => !f.excused).length;
console.log(
  `${open} function(s) over ${limit} lines without a reason${found.length > open ? `, ${found.length - open} excused` : ""}`,
);
process.exitCode = open > 0 ? 1 : 0;
