/**
 * Validates a scenario spec (from a scenario file) and fills its defaults. Errors name the field
 * and what was expected, so that `sim` can print them in one line next to the file name.
 */
import {
  type Duration,
  type FaultSpec,
  type GeneratorSpec,
  microOpOf,
  OP_KINDS,
  opKind,
  type Scenario,
  type ScenarioSpec,
  toMicros,
} from "./scenario.ts";

export class ScenarioError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "ScenarioError";
  }
}

/** The micro-op names a script step may hold (what the step helpers write; src/check/history.ts). */
const MICRO_OPS = new Set<string | undefined>(OP_KINDS.filter((k) => k !== "txn").map((k) => microOpOf(k)));

function duration(field: string, d: unknown): number {
  if (typeof d === "number") {
    throw new ScenarioError(
      field,
      `expected a duration with its unit such as 500ms, 2s or 1m, found the bare number ${d} (it used to mean milliseconds: write "${d}ms")`,
    );
  }
  if (typeof d !== "string") {
    throw new ScenarioError(field, `expected a duration such as 500ms, 2s or 1m, found ${JSON.stringify(d)}`);
  }
  try {
    return toMicros(d as Duration);
  } catch {
    throw new ScenarioError(field, `expected a duration such as 500ms, 2s or 1m, found ${JSON.stringify(d)}`);
  }
}

const isKey = (k: unknown) => typeof k === "string" || (typeof k === "number" && Number.isInteger(k));
const isInt = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v);
/** What each helper writes into a step, by micro-op: the checker reads these shapes. */
const VALUE_SHAPES: Record<string, { ok: (v: unknown) => boolean; expected: string }> = {
  append: { ok: isInt, expected: "an integer element (rpush(key, 1))" },
  lpush: { ok: isInt, expected: "an integer element (lpush(key, 1))" },
  hset: {
    ok: (v) => Array.isArray(v) && typeof v[0] === "string" && isInt(v[1]),
    expected: 'a string field and an integer value (hset(key, "f", 1))',
  },
  hdel: {
    ok: (v) => Array.isArray(v) && typeof v[0] === "string",
    expected: 'a string field (hdel(key, "f"))',
  },
  hget: {
    ok: (v) => Array.isArray(v) && typeof v[0] === "string",
    expected: 'a string field (hget(key, "f"))',
  },
};

/** A script item: sleep(d), or a step of micro-ops as the helpers (rpush, lrange, txn…) build them. */
function checkScriptItem(field: string, item: unknown): void {
  if (item !== null && typeof item === "object" && !Array.isArray(item)) {
    const us = (item as { pauseUs?: unknown }).pauseUs;
    if (typeof us === "number" && us >= 0) return;
    throw new ScenarioError(field, "expected a step (rpush(...), lrange(...), txn(...)) or sleep(duration)");
  }
  if (!Array.isArray(item) || item.length === 0) {
    throw new ScenarioError(field, "expected a step (rpush(...), lrange(...), txn(...)) or sleep(duration)");
  }
  item.forEach((mop, m) => {
    const at = item.length > 1 ? `${field}[${m}]` : field;
    if (!Array.isArray(mop) || mop.length !== 3 || typeof mop[0] !== "string" || !MICRO_OPS.has(mop[0])) {
      throw new ScenarioError(at, "expected a micro-op built by a step helper such as rpush(key, 1)");
    }
    const [fn, key, value] = mop as [string, unknown, unknown];
    if (!isKey(key)) {
      throw new ScenarioError(
        at,
        `${fn}: expected a key (a string or an integer), found ${JSON.stringify(key)}`,
      );
    }
    const shape = VALUE_SHAPES[fn];
    if (shape && !shape.ok(value)) {
      const shown = Array.isArray(value) ? JSON.stringify(value.slice(0, 2)) : JSON.stringify(value);
      throw new ScenarioError(
        at,
        `${fn} on ${JSON.stringify(key)}: expected ${shape.expected}, found ${shown}`,
      );
    }
  });
}

/**
 * A generator: weights of operations named once each (a Redis command, or an older spelling),
 * single operations for `txnKinds`, and keys.
 */
function checkGenerator(f: string, g: GeneratorSpec): void {
  if (!g.mix || typeof g.mix !== "object") throw new ScenarioError(`${f}.mix`, "expected weights");
  const named = new Map<string, string>();
  for (const [k, w] of Object.entries(g.mix)) {
    const op = opKind(k);
    if (op === undefined) {
      throw new ScenarioError(`${f}.mix.${k}`, `unknown operation; expected one of ${OP_KINDS.join(", ")}`);
    }
    // An older spelling (append, r, pop, len) beside the command's name would weigh one
    // operation twice.
    const other = named.get(op);
    if (other !== undefined) {
      throw new ScenarioError(`${f}.mix.${k}`, `names the same operation as ${other} (${op}); give it once`);
    }
    named.set(op, k);
    if (typeof w !== "number" || w < 0) throw new ScenarioError(`${f}.mix.${k}`, "expected a weight ≥ 0");
  }
  (g.txnKinds ?? []).forEach((k, j) => {
    const op = opKind(k);
    if (op === undefined || op === "txn") {
      throw new ScenarioError(
        `${f}.txnKinds[${j}]`,
        `expected one of ${OP_KINDS.filter((o) => o !== "txn").join(", ")}, found ${JSON.stringify(k)}`,
      );
    }
  });
  const r = g.rotateAfterWrites;
  if (r !== undefined && !(Number.isInteger(r) && r >= 1))
    throw new ScenarioError(`${f}.rotateAfterWrites`, `expected an integer ≥ 1, found ${JSON.stringify(r)}`);
  if (!Array.isArray(g.keys) || g.keys.length === 0) throw new ScenarioError(`${f}.keys`, "expected keys");
  g.keys.forEach((k, j) => {
    if (!isKey(k)) {
      throw new ScenarioError(
        `${f}.keys[${j}]`,
        `expected a key (a string or an integer), found ${JSON.stringify(k)}`,
      );
    }
  });
}

/** Each fault spec is at(...) or random(...), and each of its times carries its unit. */
function checkFaults(faults: FaultSpec[]): void {
  faults.forEach((fs, i) => {
    if (fs.kind === "scripted") {
      duration(`faults[${i}].at`, fs.at);
      if (fs.fault?.for !== undefined) duration(`faults[${i}].fault.for`, fs.fault.for);
    } else if (fs.kind === "random") {
      if (fs.from !== undefined) duration(`faults[${i}].from`, fs.from);
      if (fs.to !== undefined) duration(`faults[${i}].to`, fs.to);
    } else throw new ScenarioError(`faults[${i}]`, "expected at(...) or random(...)");
  });
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
  // Raft needs a majority: with 2 nodes that is both, so one crash, partition or leadership move
  // stops every write. One node is a store without replication, with nothing for faults to break.
  if (nodes === 2) {
    throw new ScenarioError(
      "cluster.nodes",
      "2 nodes cannot lose one (a Raft majority of 2 is both); use 3 or more, or 1 for a single replica without faults",
    );
  }
  if (nodes === 1 && (spec.faults ?? []).length > 0) {
    throw new ScenarioError(
      "cluster.nodes",
      "1 node is a single replica: there is no other node for faults to separate it from; use 3 or more nodes with faults",
    );
  }
  if (!Array.isArray(spec.clients) || spec.clients.length === 0) {
    throw new ScenarioError("clients", "expected a non-empty array of script(...) or generate(...) clients");
  }
  const seen = new Map<string, number>();
  spec.clients.forEach((c, i) => {
    const f = `clients[${i}]`;
    if (!Array.isArray(c.names) || c.names.length === 0)
      throw new ScenarioError(`${f}.names`, "expected names");
    for (const n of c.names) {
      // Each name is one Jepsen process: two clients by one name would share its history lane.
      const other = seen.get(n);
      if (other !== undefined) {
        throw new ScenarioError(
          `${f}.names`,
          `duplicate client name ${JSON.stringify(n)} (also in clients[${other}]); every client needs its own name`,
        );
      }
      seen.set(n, i);
    }
    if (!c.script && !c.generator) throw new ScenarioError(f, "expected a script or a generator");
    if (c.script !== undefined) {
      if (!Array.isArray(c.script)) throw new ScenarioError(`${f}.script`, "expected an array of steps");
      c.script.forEach((item, j) => {
        checkScriptItem(`${f}.script[${j}]`, item);
      });
    }
    if (c.generator) checkGenerator(`${f}.generator`, c.generator);
    if (c.startAt !== undefined) duration(`${f}.startAt`, c.startAt);
  });
  checkFaults(spec.faults ?? []);
  const runForUs = duration("runFor", spec.runFor);
  return { ...spec, name: spec.name ?? name, runForUs };
}
