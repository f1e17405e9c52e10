import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Co, Effect } from "../kv/types.ts";
import { REDIS_PROBES, RedisError, retryRedisWrite, WriteConflictError } from "./common.ts";
import type { NodeContext } from "./context.ts";

/** The retry loop as the generator it was written as before (the reference). */
function* referenceRetry<T>(ctx: NodeContext, fn: () => Co<T>): Co<T> {
  const k = ctx.knobs;
  let backoff = k.retryInitialBackoffUs;
  for (let attempt = 0; ; attempt++) {
    try {
      return yield* fn();
    } catch (e) {
      if (!(e instanceof WriteConflictError) || e.wire) throw e;
      if (attempt >= k.retryMaxAttempts) {
        ctx.probe(REDIS_PROBES.retryLimit);
        throw new RedisError(`ERR redis txn retry limit exceeded: ${e.message}`);
      }
      if (attempt === 0) backoff = k.retryInitialBackoffUs;
      const half = Math.floor(backoff / 2);
      const jitter = half > 0 ? Math.floor(ctx.random() * half) : 0;
      yield { kind: "sleep", us: backoff + jitter };
      backoff = Math.min(backoff * 2, k.retryMaxBackoffUs);
    }
  }
}

/** How one attempt ends after `reads` effects: a value, a typed conflict, a wire conflict, another error. */
type Ending = { reads: number; end: "ok" | "conflict" | "wire" | "other" };

function* attempt(n: number, e: Ending, failRead: boolean): Co<string> {
  let got = "";
  for (let i = 0; i < e.reads; i++) {
    try {
      got += String(yield { kind: "sleep", us: n * 100 + i });
    } catch (err) {
      if (!failRead) throw err;
      got += "!";
    }
  }
  if (e.end === "conflict") throw new WriteConflictError(`k${n}`, false);
  if (e.end === "wire") throw new WriteConflictError(`k${n}`, true);
  if (e.end === "other") throw new RedisError(`ERR other ${n}`);
  return `${n}:${got}`;
}

/** Drives a coroutine, sending each effect's index (every third one thrown in as an error). */
function drive(co: Co<unknown>): { effects: Effect[]; out: string } {
  const effects: Effect[] = [];
  let r: IteratorResult<Effect, unknown>;
  try {
    r = co.next(undefined);
    while (!r.done) {
      effects.push(r.value);
      r =
        effects.length % 3 === 0 ? co.throw(new Error(`thrown ${effects.length}`)) : co.next(effects.length);
    }
    return { effects, out: `ok ${JSON.stringify(r.value)}` };
  } catch (e) {
    return { effects, out: `error ${(e as Error).message}` };
  }
}

function context(seed: number): { ctx: NodeContext; probes: string[] } {
  let x = seed;
  const probes: string[] = [];
  const ctx = {
    knobs: { retryInitialBackoffUs: 1000, retryMaxBackoffUs: 5000, retryMaxAttempts: 3 },
    random: () => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x / 2147483648;
    },
    probe: (p: string) => probes.push(p),
    tracing: false,
    trace: () => {},
  } as unknown as NodeContext;
  return { ctx, probes };
}

describe("retryRedisWrite", () => {
  it("yields, returns and throws exactly as the generator it replaces (property)", () => {
    const ending = fc.record({
      reads: fc.integer({ min: 0, max: 3 }),
      end: fc.constantFrom("ok", "conflict", "wire", "other"),
    }) as fc.Arbitrary<Ending>;
    fc.assert(
      fc.property(
        fc.array(ending, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.nat(),
        (ends, failRead, seed) => {
          const run = (loop: (ctx: NodeContext, fn: () => Co<string>) => Co<unknown>) => {
            const { ctx, probes } = context(seed);
            let n = 0;
            const res = drive(loop(ctx, () => attempt(n, ends[Math.min(n++, ends.length - 1)], failRead)));
            return { ...res, probes, attempts: n };
          };
          const want = run(referenceRetry);
          expect(run(retryRedisWrite)).toEqual(want);
          expect(run((ctx, fn) => retryRedisWrite(ctx, fn, (v) => `then(${v})`))).toEqual({
            ...want,
            out: want.out.startsWith("ok ")
              ? `ok ${JSON.stringify(`then(${JSON.parse(want.out.slice(3))})`)}`
              : want.out,
          });
        },
      ),
    );
  });
});
