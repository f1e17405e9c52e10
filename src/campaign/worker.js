// Entry point of a fuzz worker thread. A worker does not get the main thread's module hooks, so it
// registers tsx itself (as sim/bin.js does for the CLI) before loading the TypeScript worker.
import { register } from "tsx/esm/api";

register();
const { handleTask } = await import("./worker.ts");

export default handleTask;
