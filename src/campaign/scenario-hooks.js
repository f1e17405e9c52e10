// Module hooks for scenario files that live outside this package (registered by loaders.js).
//
// - `import { scenario } from "deltasim"` resolves to this package's scenario API (its "exports"
//   entry), wherever the file is: a designer keeps scenarios in their own repository, where no
//   node_modules/deltasim exists.
// - A TypeScript file outside the package is compiled as an ES module whatever the nearest
//   package.json says (none, or "type": "commonjs" would otherwise make Node read it as CommonJS
//   and stop at the first type annotation). A syntax error keeps esbuild's message, which names the
//   file, line and column.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";

const PACKAGE_NAME = "deltasim";
const PACKAGE_JSON = new URL("../../package.json", import.meta.url).href;
const PACKAGE_ROOT = new URL("../../", import.meta.url).href;
const TS_FILE = /\.(ts|mts|tsx)$/;

export async function resolve(specifier, context, next) {
  if (specifier === PACKAGE_NAME || specifier.startsWith(`${PACKAGE_NAME}/`)) {
    // Resolved as a self-reference from this package, so the "exports" map decides what it names.
    return next(specifier, { ...context, parentURL: PACKAGE_JSON });
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  const path = url.split("?")[0];
  if (
    path.startsWith("file:") &&
    TS_FILE.test(path) &&
    !path.startsWith(PACKAGE_ROOT) &&
    !path.includes("/node_modules/")
  ) {
    const file = fileURLToPath(path);
    const source = await readFile(file, "utf8");
    const out = await transform(source, {
      loader: path.endsWith(".tsx") ? "tsx" : "ts",
      format: "esm",
      target: "node20",
      sourcefile: file,
      sourcemap: "inline",
    });
    return { format: "module", source: out.code, shortCircuit: true };
  }
  return next(url, context);
}
