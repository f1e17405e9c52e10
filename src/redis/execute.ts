/**
 * The adapter's one entry point: run a command as the node that believes it leads the key's
 * group. Errors a real server would send as error replies become `{type: "error"}`; anything
 * else is a simulator bug and propagates.
 */
import { ready } from "../kv/steps.ts";
import type { Co } from "../kv/types.ts";
import { isReplyableError, REDIS_PROBES, RedisError } from "./common.ts";
import type { NodeContext } from "./context.ts";
import { hdel, hget, hgetall, hlen, hset } from "./hashes.ts";
import { delKeys, exists, typeOf } from "./keyspace.ts";
import { llen, lrange, pop, push } from "./lists.ts";
import { exec } from "./txn.ts";
import { isWriteCommand, type RedisCommand, type RedisReply, reply } from "./types.ts";

/**
 * The command's coroutine. A plain function that hands back the command's own coroutine rather
 * than a generator delegating to it: every effect a command waits on passes each level of
 * delegation twice, on its way out and when it is resumed.
 */
function dispatchCommand(ctx: NodeContext, cmd: RedisCommand): Co<RedisReply> {
  switch (cmd.name) {
    case "RPUSH":
      return push(ctx, cmd.key, cmd.values, false);
    case "LPUSH":
      return push(ctx, cmd.key, cmd.values, true);
    case "LPOP":
      return pop(ctx, cmd.key, cmd.count, true);
    case "RPOP":
      return pop(ctx, cmd.key, cmd.count, false);
    case "LLEN":
      return llen(ctx, cmd.key);
    case "LRANGE":
      return lrange(ctx, cmd.key, cmd.start, cmd.stop);
    case "DEL":
      return delKeys(ctx, cmd.keys);
    case "EXISTS":
      return exists(ctx, cmd.keys);
    case "TYPE":
      return typeOf(ctx, cmd.key);
    case "HSET":
      return hset(ctx, cmd.key, cmd.pairs);
    case "HGET":
      return hget(ctx, cmd.key, cmd.field);
    case "HDEL":
      return hdel(ctx, cmd.key, cmd.fields);
    case "HLEN":
      return hlen(ctx, cmd.key);
    case "HGETALL":
      return hgetall(ctx, cmd.key);
    case "EXEC":
      // The retry loop itself makes the array reply (no generator around it for that).
      return exec(ctx, cmd.commands, reply.array);
  }
}

/**
 * The command's coroutine without `execute`'s error handling: a host that turns what it throws into
 * the reply with `errorReply` spares every effect of the command one level of delegation, twice.
 */
export function commandCoroutine(ctx: NodeContext, cmd: RedisCommand): Co<RedisReply> {
  // Test only: a broken adapter that never makes progress on writes (see `testFailWrites`).
  if (ctx.knobs.testFailWrites && isWriteCommand(cmd))
    return ready(reply.error("ERR write refused (testFailWrites)", false));
  return dispatchCommand(ctx, cmd);
}

/**
 * The error reply a real server sends for an error a command threw; undefined when the error is
 * not one a server would reply with (a simulator bug, which must propagate).
 */
export function errorReply(ctx: NodeContext, cmd: RedisCommand, e: unknown): RedisReply | undefined {
  if (!isReplyableError(e)) return undefined;
  const ambiguous = e instanceof RedisError && e.ambiguous;
  if (ambiguous) ctx.probe(REDIS_PROBES.ambiguousOutcome);
  if (ctx.tracing !== false) ctx.trace("redis.error", { command: cmd.name, message: e.message, ambiguous });
  return reply.error(e.message, ambiguous);
}

export function* execute(ctx: NodeContext, cmd: RedisCommand): Co<RedisReply> {
  try {
    return yield* commandCoroutine(ctx, cmd);
  } catch (e) {
    const r = errorReply(ctx, cmd, e);
    if (r === undefined) throw e;
    return r;
  }
}
