/**
 * Shared helpers of this folder's tests: command generators (fast-check) and a serial runner.
 */
import fc from "fast-check";
import type { DirectNode } from "../kv/direct.ts";
import type { NodeContext } from "./context.ts";
import { execute } from "./execute.ts";
import type { RedisCommand, RedisReply } from "./types.ts";

export const KEYS = ["a", "b", "c"];
export const FIELDS = ["f", "g", "h"];

export interface GenOptions {
  /** HEAD's EXEC subset only. */
  headExec?: boolean;
  /** No field named twice in one HDEL and no key twice in one DEL (HEAD double-counts them). */
  uniqueHdelFields?: boolean;
}

export function commandArb(opts: GenOptions = {}): fc.Arbitrary<RedisCommand> {
  const key = fc.constantFrom(...KEYS);
  const field = fc.constantFrom(...FIELDS);
  const value = fc.integer({ min: 0, max: 9999 }).map(String);
  const count = fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined });
  const idx = fc.integer({ min: -4, max: 4 });
  const fieldsArb = opts.uniqueHdelFields
    ? fc.uniqueArray(field, { minLength: 1, maxLength: 2 })
    : fc.array(field, { minLength: 1, maxLength: 2 });
  const simple = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        name: fc.constant("RPUSH" as const),
        key,
        values: fc.array(value, { minLength: 1, maxLength: 3 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        name: fc.constant("LPUSH" as const),
        key,
        values: fc.array(value, { minLength: 1, maxLength: 3 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ name: fc.constant("LPOP" as const), key, count }) },
    { weight: 2, arbitrary: fc.record({ name: fc.constant("RPOP" as const), key, count }) },
    { weight: 1, arbitrary: fc.record({ name: fc.constant("LLEN" as const), key }) },
    { weight: 2, arbitrary: fc.record({ name: fc.constant("LRANGE" as const), key, start: idx, stop: idx }) },
    {
      weight: 1,
      arbitrary: fc.record({
        name: fc.constant("DEL" as const),
        keys: opts.uniqueHdelFields
          ? fc.uniqueArray(key, { minLength: 1, maxLength: 2 })
          : fc.array(key, { minLength: 1, maxLength: 2 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        name: fc.constant("EXISTS" as const),
        keys: fc.array(key, { minLength: 1, maxLength: 2 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ name: fc.constant("TYPE" as const), key }) },
    {
      weight: 3,
      arbitrary: fc.record({
        name: fc.constant("HSET" as const),
        key,
        pairs: fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 2 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ name: fc.constant("HGET" as const), key, field }) },
    { weight: 2, arbitrary: fc.record({ name: fc.constant("HDEL" as const), key, fields: fieldsArb }) },
    { weight: 1, arbitrary: fc.record({ name: fc.constant("HLEN" as const), key }) },
    { weight: 1, arbitrary: fc.record({ name: fc.constant("HGETALL" as const), key }) },
  ) as fc.Arbitrary<RedisCommand>;
  const inExec = opts.headExec
    ? simple.filter((c) => ["RPUSH", "LRANGE", "DEL", "EXISTS", "HSET"].includes(c.name))
    : simple;
  const execArb = fc
    .array(inExec, { minLength: 1, maxLength: 4 })
    .map((commands): RedisCommand => ({ name: "EXEC", commands }));
  return fc.oneof({ weight: 6, arbitrary: simple }, { weight: 1, arbitrary: execArb });
}

export function runCommand(node: DirectNode, ctx: NodeContext, cmd: RedisCommand): RedisReply {
  return node.run(execute(ctx, cmd));
}

/** The whole visible state through the adapter: every key's type and contents. */
export function observe(node: DirectNode, ctx: NodeContext, keys: readonly string[] = KEYS): RedisReply[] {
  const out: RedisReply[] = [];
  for (const key of keys) {
    out.push(runCommand(node, ctx, { name: "TYPE", key }));
    out.push(runCommand(node, ctx, { name: "LRANGE", key, start: 0, stop: -1 }));
    out.push(runCommand(node, ctx, { name: "LLEN", key }));
    out.push(runCommand(node, ctx, { name: "HGETALL", key }));
    out.push(runCommand(node, ctx, { name: "HLEN", key }));
  }
  return out;
}
