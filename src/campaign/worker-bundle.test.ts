import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { handleTask, type RunTask } from "./worker.ts";
import { currentWorkerBundle, workerBundle } from "./worker-bundle.ts";

describe("the workers' precompiled bundle", () => {
  it("runs a seed exactly as the sources do, and is reused while they are unchanged", async () => {
    const path = await workerBundle();
    expect(path).toBeDefined();
    expect(currentWorkerBundle()).toBe(path);
    const bundled = (await import(pathToFileURL(path!).href)) as { handleTask: typeof handleTask };
    const task: RunTask = { kind: "run", scenario: "mixed", variant: "fixed", overrides: {}, seed: 3 };
    const a = await bundled.handleTask(task);
    const b = await handleTask(task);
    if (a.kind !== "run" || b.kind !== "run") throw new Error("expected run results");
    // Same scenario found by its name (the bundle keeps each module's own location), same run.
    expect(a.result.historyHash).toBe(b.result.historyHash);
    expect(a.result.stats).toEqual(b.result.stats);
  }, 60_000);
});
