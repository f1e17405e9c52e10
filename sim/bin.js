#!/usr/bin/env node
// The `sim` command. Scenario files and the sources are TypeScript, run through tsx's loader (and,
// for scenario files outside the package, the hooks of src/campaign/loaders.js) so that no build
// step stands between a fresh checkout and a run.
import { registerLoaders } from "../src/campaign/loaders.js";

registerLoaders();
await import("./main.ts");
