import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "src/**/*.test.ts",
      "sim/**/*.test.ts",
      "scenarios/**/*.test.ts",
      "bench/**/*.test.ts",
      "scripts/**/*.test.ts",
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Simulation tests are CPU-bound; forks isolate them and use both CI cores.
    pool: "forks",
  },
});
