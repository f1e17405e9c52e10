/**
 * Translation between the history's micro-ops and Redis commands, as a Jepsen Redis client does
 * it: a transaction of one micro-op is sent as a plain command, of several as MULTI … EXEC; the
 * replies fill in the micro-ops' values. History keys and values are numbers (or strings for
 * keys); Redis sees their decimal strings.
 */
import type { MicroOp, MopValue } from "../check/history.ts";
import type { RedisCommand, RedisReply } from "../redis/types.ts";

export const redisKey = (k: number | string): string => String(k);

function fieldOf(v: MopValue): string {
  return Array.isArray(v) ? String(v[0]) : String(v);
}

export function mopToCommand(m: MicroOp): RedisCommand {
  const [f, k, v] = m;
  const key = redisKey(k);
  switch (f) {
    case "append":
      return { name: "RPUSH", key, values: [String(v)] };
    case "lpush":
      return { name: "LPUSH", key, values: [String(v)] };
    case "r":
      return { name: "LRANGE", key, start: 0, stop: -1 };
    case "pop":
      return { name: "LPOP", key };
    case "rpop":
      return { name: "RPOP", key };
    case "len":
      return { name: "LLEN", key };
    case "del":
      return { name: "DEL", keys: [key] };
    case "exists":
      return { name: "EXISTS", keys: [key] };
    case "hset": {
      const [field, value] = v as MopValue[];
      return { name: "HSET", key, pairs: [[String(field), String(value)]] };
    }
    case "hdel":
      return { name: "HDEL", key, fields: [fieldOf(v)] };
    case "hget":
      return { name: "HGET", key, field: fieldOf(v) };
    case "hgetall":
      return { name: "HGETALL", key };
    case "hlen":
      return { name: "HLEN", key };
    default:
      throw new Error(`unknown micro-op ${String(f)}`);
  }
}

export function stepToCommand(mops: MicroOp[]): RedisCommand {
  if (mops.length === 1) return mopToCommand(mops[0]!);
  return { name: "EXEC", commands: mops.map(mopToCommand) };
}

/** A reply's string as the history's value: the number it spells when it is one exactly, else itself. */
export function num(s: string): number | string {
  // Most values are plain decimal integers (list items, counters): read their digits directly.
  // Up to 15 digits with no leading zero, the number is exact and spells `s` again, which is
  // what the general test below finds by converting it back, at the cost of a string per value
  // (every item of every LRANGE reply).
  const len = s.length;
  if (len !== 0 && len <= 15 && (s.charCodeAt(0) !== 48 || len === 1)) {
    let n = 0;
    let i = 0;
    for (; i < len; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === len) return n;
  }
  const n = Number(s);
  return Number.isFinite(n) && String(n) === s ? n : s;
}

function intOf(r: RedisReply): number {
  if (r.type === "int") return r.value;
  throw new Error(`expected an integer reply, got ${r.type}`);
}

/** Fill in one micro-op's value from its reply. */
export function completeMop(m: MicroOp, r: RedisReply): MicroOp {
  const [f, k, v] = m;
  switch (f) {
    case "append":
    case "lpush":
      intOf(r);
      return [f, k, v];
    case "r": {
      if (r.type === "nil") return [f, k, []];
      if (r.type !== "array") throw new Error(`LRANGE: expected an array reply, got ${r.type}`);
      return [f, k, r.value.map((x) => (x.type === "bulk" ? num(x.value) : null))];
    }
    case "pop":
    case "rpop":
      if (r.type === "nil") return [f, k, null];
      if (r.type === "bulk") return [f, k, num(r.value)];
      if (r.type === "array")
        return [f, k, r.value.length ? num((r.value[0] as { value: string }).value) : null];
      throw new Error(`${f}: unexpected reply ${r.type}`);
    case "len":
    case "del":
    case "exists":
    case "hlen":
      return [f, k, intOf(r)];
    case "hset": {
      const [field, value] = v as MopValue[];
      return [f, k, [field!, value!, intOf(r) > 0]];
    }
    case "hdel":
      return [f, k, [fieldOf(v), intOf(r) > 0]];
    case "hget":
      return [f, k, [fieldOf(v), r.type === "bulk" ? num(r.value) : null]];
    case "hgetall": {
      const out: Record<string, MopValue> = {};
      if (r.type === "array") {
        for (let i = 0; i + 1 < r.value.length; i += 2) {
          const fr = r.value[i]!;
          const vr = r.value[i + 1]!;
          if (fr.type === "bulk" && vr.type === "bulk") out[fr.value] = num(vr.value);
        }
      }
      return [f, k, out];
    }
    default:
      throw new Error(`unknown micro-op ${String(f)}`);
  }
}

export type StepOutcome =
  | { type: "ok"; mops: MicroOp[] }
  | { type: "fail" | "info"; mops: MicroOp[]; error: string };

/** A reply to a whole step: ok with values, fail (known not applied) or info (maybe applied). */
export function completeStep(mops: MicroOp[], r: RedisReply): StepOutcome {
  if (r.type === "error") return { type: r.ambiguous ? "info" : "fail", mops, error: r.message };
  if (mops.length === 1) {
    const m = mops[0]!;
    return { type: "ok", mops: [completeMop(m, r)] };
  }
  if (r.type === "nil") return { type: "fail", mops, error: "EXECABORT" };
  if (r.type !== "array" || r.value.length !== mops.length) {
    return { type: "info", mops, error: `unexpected EXEC reply ${r.type}` };
  }
  const errs = r.value.filter((x) => x.type === "error");
  if (errs.length > 0) {
    // A command error inside EXEC: Redis still ran the others; elastickv aborts the transaction.
    const e = errs[0] as { message: string; ambiguous: boolean };
    return { type: e.ambiguous ? "info" : "fail", mops, error: e.message };
  }
  return { type: "ok", mops: mops.map((m, i) => completeMop(m, r.value[i]!)) };
}
