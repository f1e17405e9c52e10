import { describe, expect, it } from "vitest";
import { normalizeScenario } from "./normalize.ts";
import {
  at,
  crash,
  generate,
  hset,
  lrange,
  random,
  rpush,
  type ScenarioSpec,
  scenario,
  script,
  sleep,
  txn,
} from "./scenario.ts";

const base = (over: Partial<ScenarioSpec> = {}): ScenarioSpec =>
  scenario({
    description: "d",
    cluster: { nodes: 3 },
    clients: [
      script("p0", [rpush("k", 1), sleep("10ms"), txn(rpush("k", 2), lrange("k")), hset("h", "f", 1)]),
    ],
    runFor: "1s",
    ...over,
  });

/** The message of what normalizeScenario throws for this spec. */
function problem(spec: unknown): string {
  try {
    normalizeScenario(spec, "s");
  } catch (e) {
    return (e as Error).message;
  }
  return "accepted";
}

describe("normalizeScenario", () => {
  it("accepts a well-formed scenario, with sleep() and MULTI steps", () => {
    expect(normalizeScenario(base(), "s")).toMatchObject({ name: "s", runForUs: 1_000_000 });
  });

  it("rejects duplicate client names, across clients and within a range", () => {
    const dup = base({
      clients: [script("p1", [lrange("k")]), generate("p0..p2", { mix: { r: 1 }, keys: ["k"] })],
    });
    expect(problem(dup)).toBe(
      'clients[1].names: duplicate client name "p1" (also in clients[0]); every client needs its own name',
    );
  });

  it("rejects 2 nodes, and faults on 1 node, saying why", () => {
    expect(problem(base({ cluster: { nodes: 2 } }))).toMatch(/^cluster\.nodes: 2 nodes cannot lose one/);
    expect(normalizeScenario(base({ cluster: { nodes: 1 } }), "s").cluster.nodes).toBe(1);
    expect(problem(base({ cluster: { nodes: 1 }, faults: [at("1s", crash(0))] }))).toMatch(
      /^cluster\.nodes: 1 node is a single replica/,
    );
  });

  it("rejects values of the wrong type where the step helpers expect numbers", () => {
    // What a JavaScript scenario (no type checker) can pass: rpush("k", "x").
    const bad = base({ clients: [script("p0", [rpush("k", 1), rpush("k", "x" as unknown as number)])] });
    expect(problem(bad)).toBe(
      'clients[0].script[1]: append on "k": expected an integer element (rpush(key, 1)), found "x"',
    );
    const inTxn = base({ clients: [script("p0", [txn(lrange("k"), rpush("k", 1.5))])] });
    expect(problem(inTxn)).toMatch(/^clients\[0\]\.script\[0\]\[1\]: append on "k": expected an integer/);
    const hash = base({ clients: [script("p0", [hset("h", "f", "v" as unknown as number)])] });
    expect(problem(hash)).toMatch(
      /^clients\[0\]\.script\[0\]: hset on "h": expected a string field and an integer/,
    );
    const key = base({ clients: [script("p0", [lrange({} as unknown as string)])] });
    expect(problem(key)).toMatch(/^clients\[0\]\.script\[0\]: r: expected a key/);
    const genKey = base({ clients: [generate("p0", { mix: { r: 1 }, keys: [null as unknown as string] })] });
    expect(problem(genKey)).toMatch(/^clients\[0\]\.generator\.keys\[0\]: expected a key/);
    expect(problem(base({ clients: [script("p0", [{ pauseUs: -1 }])] }))).toMatch(/or sleep\(duration\)$/);
  });

  it("takes one name per operation in a mix (older spellings too, but not both) and checks txnKinds", () => {
    const mix = (m: Record<string, number>, txnKinds?: string[]) =>
      base({
        clients: [
          generate("p0", { mix: m, keys: ["k"], ...(txnKinds ? { txnKinds: txnKinds as ["rpush"] } : {}) }),
        ],
      });
    expect(problem(mix({ rpush: 1, lrange: 1, lpop: 1, llen: 1 }))).toBe("accepted");
    expect(problem(mix({ append: 1, r: 1, pop: 1, len: 1 }))).toBe("accepted");
    expect(problem(mix({ rpush: 1, append: 2 }))).toBe(
      "clients[0].generator.mix.append: names the same operation as rpush (rpush); give it once",
    );
    expect(problem(mix({ push: 1 }))).toMatch(
      /^clients\[0\]\.generator\.mix\.push: unknown operation; expected one of rpush, lpush, lrange, lpop/,
    );
    expect(problem(mix({ txn: 1 }, ["rpush", "lrange"]))).toBe("accepted");
    expect(problem(mix({ txn: 1 }, ["rpush", "txn"]))).toMatch(
      /^clients\[0\]\.generator\.txnKinds\[1\]: expected one of/,
    );
  });

  it("wants rotateAfterWrites to be a whole number of writes, at least 1", () => {
    const rotate = (n: unknown) =>
      base({ clients: [generate("p0", { mix: { rpush: 1 }, keys: ["k"], rotateAfterWrites: n as number })] });
    expect(problem(rotate(3))).toBe("accepted");
    expect(problem(rotate(0))).toBe(
      "clients[0].generator.rotateAfterWrites: expected an integer ≥ 1, found 0",
    );
    expect(problem(rotate(1.5))).toBe(
      "clients[0].generator.rotateAfterWrites: expected an integer ≥ 1, found 1.5",
    );
  });

  it("wants every duration with its unit, naming the field", () => {
    const bare = 500 as unknown as "500ms";
    expect(problem(base({ runFor: bare }))).toBe(
      'runFor: expected a duration with its unit such as 500ms, 2s or 1m, found the bare number 500 (it used to mean milliseconds: write "500ms")',
    );
    expect(problem(base({ faults: [at("1s", crash(0, bare))] }))).toMatch(
      /^faults\[0\]\.fault\.for: .*"500ms"/,
    );
    expect(problem(base({ faults: [random({ crash: 1 }, { from: bare })] }))).toMatch(/^faults\[0\]\.from: /);
    expect(problem(base({ faults: [random({ crash: 1 }, { to: "soon" as "1s" })] }))).toMatch(
      /^faults\[0\]\.to: /,
    );
    expect(() => sleep(bare)).toThrow(/"500ms"/);
  });
});
