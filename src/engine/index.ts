export * from "./clock.ts";
export * from "./nemesis.ts";
export * from "./network.ts";
export * from "./rng.ts";
export * from "./schedule.ts";
export * from "./shapes.ts";
export * from "./sim.ts";
