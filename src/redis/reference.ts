/**
 * A plain, serial, in-memory Redis of the modelled subset: what every command should reply when
 * nothing runs concurrently and nothing fails. The adapter model is tested against it.
 *
 * One elastickv-specific rule is an option: a list or hash emptied by pops or HDEL keeps
 * existing (TYPE, EXISTS, DEL count it; a push of another type is WRONGTYPE) until it is deleted
 * or its deltas are compacted away, because the type probe finds its meta or deltas
 * (docs/model.md). `forgetEmpty` is what the compactor's fold to Len 0 does to such a key.
 */
import { clampRange } from "./common.ts";
import { type RedisCommand, type RedisReply, reply } from "./types.ts";

type Value = { type: "list"; items: string[] } | { type: "hash"; fields: Map<string, string> };

export interface ReferenceOptions {
  /** elastickv: an emptied collection still exists until DEL or compaction (default true). */
  drainedCollectionsExist: boolean;
}

export class ReferenceRedis {
  readonly data = new Map<string, Value>();
  readonly opts: ReferenceOptions;

  constructor(opts: Partial<ReferenceOptions> = {}) {
    this.opts = { drainedCollectionsExist: true, ...opts };
  }

  private afterRemoval(key: string): void {
    const v = this.data.get(key);
    if (v === undefined || this.opts.drainedCollectionsExist) return;
    if ((v.type === "list" && v.items.length === 0) || (v.type === "hash" && v.fields.size === 0))
      this.data.delete(key);
  }

  /** Drop a key that exists only as an empty collection (a fold to Len 0). */
  forgetEmpty(key: string): void {
    const v = this.data.get(key);
    if (v === undefined) return;
    if ((v.type === "list" && v.items.length === 0) || (v.type === "hash" && v.fields.size === 0))
      this.data.delete(key);
  }

  private list(key: string, create: boolean): string[] | "wrongtype" | undefined {
    const v = this.data.get(key);
    if (v === undefined) {
      if (!create) return undefined;
      const items: string[] = [];
      this.data.set(key, { type: "list", items });
      return items;
    }
    return v.type === "list" ? v.items : "wrongtype";
  }

  private hash(key: string, create: boolean): Map<string, string> | "wrongtype" | undefined {
    const v = this.data.get(key);
    if (v === undefined) {
      if (!create) return undefined;
      const fields = new Map<string, string>();
      this.data.set(key, { type: "hash", fields });
      return fields;
    }
    return v.type === "hash" ? v.fields : "wrongtype";
  }

  execute(cmd: RedisCommand): RedisReply {
    switch (cmd.name) {
      case "RPUSH":
      case "LPUSH": {
        const l = this.list(cmd.key, true)!;
        if (l === "wrongtype") return reply.wrongType();
        for (const v of cmd.values) {
          if (cmd.name === "RPUSH") l.push(v);
          else l.unshift(v);
        }
        return reply.int(l.length);
      }
      case "LPOP":
      case "RPOP": {
        if (cmd.count !== undefined && cmd.count < 0)
          return reply.error("ERR value is out of range, must be positive");
        const l = this.list(cmd.key, false);
        if (l === "wrongtype") return reply.wrongType();
        if (l === undefined) return reply.nil();
        if (cmd.count === 0) return reply.array([]);
        if (l.length === 0) return reply.nil();
        const n = Math.min(cmd.count ?? 1, l.length);
        const out = cmd.name === "LPOP" ? l.splice(0, n) : l.splice(l.length - n, n).reverse();
        this.afterRemoval(cmd.key);
        return cmd.count === undefined ? reply.bulk(out[0]) : reply.bulks(out);
      }
      case "LLEN": {
        const l = this.list(cmd.key, false);
        if (l === "wrongtype") return reply.wrongType();
        return reply.int(l?.length ?? 0);
      }
      case "LRANGE": {
        const l = this.list(cmd.key, false);
        if (l === "wrongtype") return reply.wrongType();
        if (l === undefined) return reply.array([]);
        const [s, e] = clampRange(cmd.start, cmd.stop, l.length);
        return reply.bulks(e < s ? [] : l.slice(s, e + 1));
      }
      case "DEL": {
        let n = 0;
        for (const k of cmd.keys) if (this.data.delete(k)) n++;
        return reply.int(n);
      }
      case "EXISTS": {
        let n = 0;
        for (const k of cmd.keys) if (this.data.has(k)) n++;
        return reply.int(n);
      }
      case "TYPE":
        return reply.status(this.data.get(cmd.key)?.type ?? "none");
      case "HSET": {
        if (cmd.pairs.length === 0) return reply.error("ERR wrong number of arguments for hash command");
        const h = this.hash(cmd.key, true)!;
        if (h === "wrongtype") return reply.wrongType();
        let added = 0;
        for (const [f, v] of cmd.pairs) {
          if (!h.has(f)) added++;
          h.set(f, v);
        }
        return reply.int(added);
      }
      case "HGET": {
        const h = this.hash(cmd.key, false);
        if (h === "wrongtype") return reply.wrongType();
        const v = h?.get(cmd.field);
        return v === undefined ? reply.nil() : reply.bulk(v);
      }
      case "HDEL": {
        const h = this.hash(cmd.key, false);
        if (h === "wrongtype") return reply.wrongType();
        if (h === undefined) return reply.int(0);
        let n = 0;
        for (const f of cmd.fields) if (h.delete(f)) n++;
        this.afterRemoval(cmd.key);
        return reply.int(n);
      }
      case "HLEN": {
        const h = this.hash(cmd.key, false);
        if (h === "wrongtype") return reply.wrongType();
        return reply.int(h?.size ?? 0);
      }
      case "HGETALL": {
        const h = this.hash(cmd.key, false);
        if (h === "wrongtype") return reply.wrongType();
        if (h === undefined) return reply.array([]);
        const out: RedisReply[] = [];
        for (const f of [...h.keys()].sort()) out.push(reply.bulk(f), reply.bulk(h.get(f)!));
        return reply.array(out);
      }
      case "EXEC":
        return reply.array(
          cmd.commands.map((c) =>
            c.name === "EXEC" ? reply.error("ERR MULTI calls can not be nested") : this.execute(c),
          ),
        );
    }
  }

  /** Lists and hashes by key, for comparing whole states. */
  snapshot(): { lists: Record<string, string[]>; hashes: Record<string, Record<string, string>> } {
    const lists: Record<string, string[]> = {};
    const hashes: Record<string, Record<string, string>> = {};
    for (const [k, v] of [...this.data].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      if (v.type === "list") lists[k] = v.items.slice();
      else hashes[k] = Object.fromEntries([...v.fields].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    }
    return { lists, hashes };
  }
}
