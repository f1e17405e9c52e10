/**
 * Validates a scenario spec (from a scenario file) and fills its defaults. Errors name the field
 * and what was expected, so that `sim` can print them in one line next to the file name.
 */
import { type Duration, type Scenario, type ScenarioSpec, toMicros } from "./scenario.ts";

export class ScenarioError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "ScenarioError";
  }
}

const OP_KINDS = new Set([
  "append",
  "lpush",
  "r",
  "pop",
  "rpop",
  "len",
  "del",
  "exists",
  "hset",
  "hdel",
  "hget",
  "hgetall",
  "hlen",
  "txn",
]);

function duration(field: string, d: unknown): number {
  if (typeof d !== "number" && typeof d !== "string") {
    throw new ScenarioError(field, `expected a duration such as 500ms, 2s or 1m, found ${JSON.stringify(d)}`);
  }
  try {
    return toMicros(d as Duration);
  } catch {
    throw new ScenarioError(field, `expected a duration such as 500ms, 2s or 1m, found ${JSON.stringify(d)}`);
  }
}

export function normalizeScenario(raw: unknown, name: string): Scenario {
  if (raw === null || typeof raw !== "object") {
    throw new ScenarioError("default export", "expected a scenario object (use scenario({...}))");
  }
  const spec = raw as ScenarioSpec;
  if (typeof spec.description !== "string") throw new ScenarioError("description", "expected a string");
  if (!spec.cluster || typeof spec.cluster !== "object")
    throw new ScenarioError("cluster", "expected an object");
  const nodes = spec.cluster.nodes;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) {
    throw new ScenarioError(
      "cluster.nodes",
      `expected an integer from 1 to 9, found ${JSON.stringify(nodes)}`,
    );
  }
  if (!Array.isArray(spec.clients) || spec.clients.length === 0) {
    throw new ScenarioError("clients", "expected a non-empty array of script(...) or generate(...) clients");
  }
  spec.clients.forEach((c, i) => {
    const f = `clients[${i}]`;
    if (!Array.isArray(c.names) || c.names.length === 0)
      throw new ScenarioError(`${f}.names`, "expected names");
    if (!c.script && !c.generator) throw new ScenarioError(f, "expected a script or a generator");
    if (c.generator) {
      const g = c.generator;
      if (!g.mix || typeof g.mix !== "object")
        throw new ScenarioError(`${f}.generator.mix`, "expected weights");
      for (const [k, w] of Object.entries(g.mix)) {
        if (!OP_KINDS.has(k)) {
          throw new ScenarioError(
            `${f}.generator.mix.${k}`,
            `unknown op kind; expected one of ${[...OP_KINDS].join(", ")}`,
          );
        }
        if (typeof w !== "number" || w < 0)
          throw new ScenarioError(`${f}.generator.mix.${k}`, "expected a weight ≥ 0");
      }
      if (!Array.isArray(g.keys) || g.keys.length === 0)
        throw new ScenarioError(`${f}.generator.keys`, "expected keys");
    }
    if (c.startAt !== undefined) duration(`${f}.startAt`, c.startAt);
  });
  (spec.faults ?? []).forEach((fs, i) => {
    if (fs.kind === "scripted") duration(`faults[${i}].at`, fs.at);
    else if (fs.kind !== "random") throw new ScenarioError(`faults[${i}]`, "expected at(...) or random(...)");
  });
  const runForUs = duration("runFor", spec.runFor);
  return { ...spec, name: spec.name ?? name, runForUs };
}
