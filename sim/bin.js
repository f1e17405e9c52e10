#!/usr/bin/env node
// The `sim` command. Scenario files and the sources are TypeScript, run through tsx's loader so that
// no build step stands between a fresh checkout and a run.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
