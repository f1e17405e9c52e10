// Entry point of a fuzz or shrink worker thread. The worker comes from the precompiled bundle the
// pool names (worker-bundle.ts), loaded before any module hook is in place (through tsx's hooks the
// same file took several times as long), or, without one or should it fail to load, from the
// sources. A worker does not get the main thread's module hooks, so it then registers the loaders
// itself (as sim/bin.js does for the CLI): scenario files are TypeScript, and so are the sources.
import { pathToFileURL } from "node:url";
import { workerData } from "piscina";
import { registerLoaders } from "./loaders.js";

async function fromBundle() {
  const bundle = workerData?.bundle;
  if (typeof bundle !== "string") return undefined;
  try {
    return (await import(pathToFileURL(bundle).href)).handleTask;
  } catch {
    // A bundle replaced meanwhile by another campaign of this checkout: the sources will do.
    return undefined;
  }
}

const bundled = await fromBundle();
registerLoaders();
export default bundled ?? (await import("./worker.ts")).handleTask;
