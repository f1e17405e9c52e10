// The module loaders every entry point (the `sim` command, each fuzz worker thread) registers before
// it imports TypeScript: tsx for the sources, then the scenario hooks (scenario-hooks.js) for
// scenario files outside the package. A worker thread does not inherit the main thread's hooks.
import { register } from "node:module";
import { register as registerTsx } from "tsx/esm/api";

export function registerLoaders() {
  registerTsx();
  // Registered last, so it runs first: it sees a scenario file before tsx decides its format.
  register("./scenario-hooks.js", import.meta.url);
}
