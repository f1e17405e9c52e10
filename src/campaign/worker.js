// Entry point of a fuzz worker thread. A worker does not get the main thread's module hooks, so it
// registers the loaders itself (as sim/bin.js does for the CLI) before loading the TypeScript worker.
import { registerLoaders } from "./loaders.js";

registerLoaders();
const { handleTask } = await import("./worker.ts");

export default handleTask;
