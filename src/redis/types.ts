/**
 * The Redis commands the model executes and the replies it gives, as plain data. Keys, values
 * and field names are byte strings (one char per byte).
 */

export type RedisCommand =
  | { name: "RPUSH"; key: string; values: string[] }
  | { name: "LPUSH"; key: string; values: string[] }
  /** Without `count`: reply bulk or nil. With `count`: array or nil. */
  | { name: "LPOP"; key: string; count?: number }
  | { name: "RPOP"; key: string; count?: number }
  | { name: "LLEN"; key: string }
  | { name: "LRANGE"; key: string; start: number; stop: number }
  | { name: "DEL"; keys: string[] }
  | { name: "EXISTS"; keys: string[] }
  | { name: "TYPE"; key: string }
  /** HSET key field value [field value …]; pairs in argument order, repeats allowed. */
  | { name: "HSET"; key: string; pairs: Array<[field: string, value: string]> }
  | { name: "HGET"; key: string; field: string }
  | { name: "HDEL"; key: string; fields: string[] }
  | { name: "HLEN"; key: string }
  | { name: "HGETALL"; key: string }
  /** MULTI … EXEC: the queued commands run as one transaction. */
  | { name: "EXEC"; commands: RedisCommand[] };

export type RedisCommandName = RedisCommand["name"];

export type RedisReply =
  | { type: "int"; value: number }
  | { type: "bulk"; value: string }
  | { type: "array"; value: RedisReply[] }
  | { type: "nil" }
  | { type: "ok" }
  /** A simple-string reply other than OK (TYPE). */
  | { type: "status"; value: string }
  /**
   * An error reply. `ambiguous` is true when the command may still have taken effect (a
   * proposal whose outcome is unknown, a forwarded write conflict that may be a self-conflict):
   * a Jepsen client records such an op as `info`, any other error as `fail`.
   */
  | { type: "error"; message: string; ambiguous: boolean };

export const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

export const reply = {
  int: (value: number): RedisReply => ({ type: "int", value }),
  bulk: (value: string): RedisReply => ({ type: "bulk", value }),
  nil: (): RedisReply => ({ type: "nil" }),
  ok: (): RedisReply => ({ type: "ok" }),
  status: (value: string): RedisReply => ({ type: "status", value }),
  array: (value: RedisReply[]): RedisReply => ({ type: "array", value }),
  bulks: (values: readonly string[]): RedisReply => ({
    type: "array",
    value: values.map((v) => reply.bulk(v)),
  }),
  error: (message: string, ambiguous = false): RedisReply => ({ type: "error", message, ambiguous }),
  wrongType: (): RedisReply => ({ type: "error", message: WRONGTYPE, ambiguous: false }),
};

/** Whether a command changes state (writes go through dispatch; reads never do). */
export function isWriteCommand(cmd: RedisCommand): boolean {
  switch (cmd.name) {
    case "RPUSH":
    case "LPUSH":
    case "LPOP":
    case "RPOP":
    case "DEL":
    case "HSET":
    case "HDEL":
      return true;
    case "EXEC":
      return cmd.commands.some(isWriteCommand);
    default:
      return false;
  }
}

/** User keys a command touches, in argument order. */
export function commandKeys(cmd: RedisCommand): string[] {
  switch (cmd.name) {
    case "DEL":
    case "EXISTS":
      return cmd.keys.slice();
    case "EXEC": {
      const out: string[] = [];
      for (const c of cmd.commands) out.push(...commandKeys(c));
      return out;
    }
    default:
      return [cmd.key];
  }
}
