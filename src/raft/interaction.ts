/**
 * The interpreter behind the data-driven Raft scripts (src/raft/testdata/*.txt), after etcd's
 * `rafttest.InteractionEnv`: a handful of `RaftNode`s wired by a hand-driven network, where every
 * Ready and every delivered message is printed, so a change in behaviour shows up as a text diff.
 *
 * Nodes are 0..n-1, as in `RaftNode`. `rand` is fixed at 0, so a follower's election timeout is
 * exactly `election` ticks unless a script sets it. Messages wait in their recipient's inbox until
 * delivered; a message on a cut link (see `isolate`) is dropped when its turn comes.
 *
 * Commands (args in brackets are optional):
 *   add-nodes <n> [prevote=true] [checkquorum=true] [forward=false] [election=10] [heartbeat=1]
 *             [max-entries=64] [max-inflight=256]
 *   campaign <id>                       start an election now (MsgHup)
 *   tick <id> [times]                   tick-election <id>, tick-heartbeat <id>: one timeout's worth
 *   set-election-timeout <id> <ticks>   the node's randomized election timeout, until its next reset
 *   propose <id> <data>                 read-index <id> <ctx>          transfer-leadership <from> <to>
 *   isolate <id>                        cut every link to and from the node; `heal` restores all
 *   process-ready [ids…]                deliver-msgs [ids…]            stabilize [ids…]
 *   raft-state                          raft-log <id>                  status <id>
 */
import { type Entry, type Message, NONE, type RaftConfig, RaftNode, type Ready } from "./raft.ts";

export class CommandError extends Error {}

export interface Args {
  /** Bare words, in order (`campaign 1` → ["1"]). */
  readonly words: readonly string[];
  /** key=value pairs. */
  readonly kv: ReadonlyMap<string, string>;
}

type Handler = (env: InteractionEnv, args: Args) => string[];

const INDENT = "  ";

/** `2/1 foo`: index/term and the data, or "(empty)" for a leader's empty entry. */
function fmtEntry(e: Entry<string>): string {
  return `${e.index}/${e.term} ${e.data ?? "(empty)"}`;
}

/**
 * One message on one line: the fields its type uses, and any other field that is not at its
 * default (so nothing a change could alter goes unprinted).
 */
export function fmtMessage(m: Message<string>): string {
  const parts = [`${m.from}->${m.to} ${m.type}`];
  if (m.term !== 0) parts.push(`term=${m.term}`);
  if (m.type === "app" || m.type === "vote" || m.type === "preVote") {
    parts.push(`log=${m.logTerm}/${m.index}`);
  } else {
    if (m.logTerm !== 0) parts.push(`logTerm=${m.logTerm}`);
    if (m.index !== 0) parts.push(`index=${m.index}`);
  }
  if (m.commit !== 0 || m.type === "app" || m.type === "heartbeat") parts.push(`commit=${m.commit}`);
  if (m.reject) parts.push(`reject hint=${m.rejectHint}`);
  else if (m.rejectHint !== 0) parts.push(`hint=${m.rejectHint}`);
  if (m.ctx !== 0) parts.push(`ctx=${m.ctx}`);
  if (m.round !== 0) parts.push(`round=${m.round}`);
  if (m.entries.length !== 0) parts.push(`entries=[${m.entries.map(fmtEntry).join(", ")}]`);
  return parts.join(" ");
}

function fmtReady(rd: Ready<string>): string[] {
  const out: string[] = [];
  const ss = rd.softState;
  if (ss !== undefined) out.push(`State: ${ss.role} term=${ss.term} lead=${ss.lead}`);
  const hs = rd.hardState;
  if (hs !== undefined) out.push(`HardState term=${hs.term} vote=${hs.vote} commit=${hs.commit}`);
  if (rd.leadershipLost) out.push("LeadershipLost");
  if (rd.entriesToPersist.length !== 0) {
    out.push("Entries:", ...rd.entriesToPersist.map((e) => INDENT + fmtEntry(e)));
  }
  if (rd.committedEntries.length !== 0) {
    out.push("CommittedEntries:", ...rd.committedEntries.map((e) => INDENT + fmtEntry(e)));
  }
  if (rd.heartbeatRound !== 0) out.push(`HeartbeatRound: ${rd.heartbeatRound}`);
  if (rd.quorumAck !== 0) out.push(`QuorumAck: ${rd.quorumAck}`);
  for (const r of rd.readStates) out.push(`ReadState ctx=${r.ctx} index=${r.index}`);
  if (rd.readsDropped.length !== 0) out.push(`ReadsDropped: ${rd.readsDropped.join(" ")}`);
  if (rd.messages.length !== 0) out.push("Messages:", ...rd.messages.map((m) => INDENT + fmtMessage(m)));
  return out;
}

export class InteractionEnv {
  nodes: RaftNode<string>[] = [];
  /** Per node: messages sent to it and not yet delivered, in send order. */
  inbox: Message<string>[][] = [];
  /** The configuration every node shares (set by add-nodes). */
  cfg: RaftConfig = { electionTicks: 10, heartbeatTicks: 1, rand: () => 0 };
  /** Cut links, as "from>to". */
  readonly cut = new Set<string>();

  /** Runs one script command and returns its output (never empty: "ok" when it prints nothing). */
  handle(name: string, args: Args): string {
    const h = HANDLERS[name];
    if (h === undefined) throw new CommandError(`unknown command "${name}"`);
    for (const key of args.kv.keys()) {
      if (!(OPTIONS[name] ?? []).includes(key)) throw new CommandError(`${name}: unknown option "${key}"`);
    }
    const out = h(this, args);
    return out.length === 0 ? "ok" : out.join("\n");
  }

  node(word: string | undefined): RaftNode<string> {
    const id = Number(word);
    if (word === undefined || !Number.isInteger(id) || id < 0 || id >= this.nodes.length) {
      throw new CommandError(`expected a node id in 0..${this.nodes.length - 1}, got ${word ?? "nothing"}`);
    }
    return this.nodes[id];
  }

  /** The nodes named by `words`, or every node when there are none. */
  selected(words: readonly string[]): RaftNode<string>[] {
    return words.length === 0 ? this.nodes : words.map((w) => this.node(w));
  }

  addNodes(n: number, cfg: RaftConfig): void {
    if (this.nodes.length !== 0) throw new CommandError("nodes were already added");
    this.cfg = cfg;
    for (let i = 0; i < n; i++) this.nodes.push(new RaftNode<string>(i, n, cfg));
    this.inbox = this.nodes.map(() => []);
  }

  /** Drains one node's Ready, queueing its messages; returns what it printed ([] when idle). */
  processReady(r: RaftNode<string>): string[] {
    if (!r.hasReady()) return [];
    const rd = r.ready();
    for (const m of rd.messages) this.inbox[m.to].push(m);
    r.advance();
    return [`> ${r.id} handling Ready`, ...fmtReady(rd).map((l) => INDENT + l)];
  }

  /** Delivers one node's inbox; returns what it printed ([] when the inbox was empty). */
  deliver(r: RaftNode<string>): string[] {
    const msgs = this.inbox[r.id];
    if (msgs.length === 0) return [];
    this.inbox[r.id] = [];
    const out = [`> ${r.id} receiving messages`];
    for (const m of msgs) {
      if (this.cut.has(`${m.from}>${m.to}`)) {
        out.push(`${INDENT}dropped: ${fmtMessage(m)}`);
      } else {
        out.push(INDENT + fmtMessage(m));
        r.step(m);
      }
    }
    return out;
  }

  /** Readies and deliveries, round after round, until nothing moves among the selected nodes. */
  stabilize(nodes: readonly RaftNode<string>[]): string[] {
    const out: string[] = [];
    for (let round = 0; round < 10_000; round++) {
      let moved = false;
      for (const r of nodes) {
        const o = this.processReady(r);
        if (o.length !== 0) moved = true;
        out.push(...o);
      }
      for (const r of nodes) {
        const o = this.deliver(r);
        if (o.length !== 0) moved = true;
        out.push(...o);
      }
      if (!moved) return out;
    }
    throw new CommandError("stabilize: the nodes did not settle in 10000 rounds");
  }

  stateLine(r: RaftNode<string>): string {
    const others = this.nodes.filter((o) => o !== r);
    const cutOff = others.length !== 0 && others.every((o) => this.cut.has(`${r.id}>${o.id}`));
    const isolated = cutOff ? " (isolated)" : "";
    return (
      `${r.id}: ${r.role} term=${r.term} vote=${r.vote} lead=${r.lead} commit=${r.commit}` +
      ` applied=${r.applied} last=${r.lastTerm}/${r.lastIndex}${isolated}`
    );
  }
}

function flag(args: Args, key: string, dflt: boolean): boolean {
  const v = args.kv.get(key);
  if (v === undefined) return dflt;
  if (v !== "true" && v !== "false") throw new CommandError(`${key}: expected true or false, got ${v}`);
  return v === "true";
}

function int(args: Args, key: string, dflt: number): number {
  const v = args.kv.get(key);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CommandError(`${key}: expected a whole number, got ${v}`);
  return n;
}

function count(word: string | undefined, what: string): number {
  const n = Number(word);
  if (word === undefined || !Number.isInteger(n) || n < 1) {
    throw new CommandError(`${what}: expected a positive whole number, got ${word ?? "nothing"}`);
  }
  return n;
}

function tickN(r: RaftNode<string>, times: number): string[] {
  for (let k = 0; k < times; k++) r.tick();
  return [];
}

/** The key=value options each command takes (the others take none). */
const OPTIONS: Record<string, readonly string[]> = {
  "add-nodes": ["prevote", "checkquorum", "forward", "election", "heartbeat", "max-entries", "max-inflight"],
};

const HANDLERS: Record<string, Handler> = {
  "add-nodes": (env, a) => {
    env.addNodes(count(a.words[0], "add-nodes"), {
      electionTicks: int(a, "election", 10),
      heartbeatTicks: int(a, "heartbeat", 1),
      rand: () => 0,
      preVote: flag(a, "prevote", true),
      checkQuorum: flag(a, "checkquorum", true),
      forwardProposals: flag(a, "forward", false),
      maxEntriesPerMsg: int(a, "max-entries", 64),
      maxInflightMsgs: int(a, "max-inflight", 256),
    });
    return env.nodes.map((r) => env.stateLine(r));
  },
  campaign: (env, a) => {
    env.node(a.words[0]).campaign();
    return [];
  },
  tick: (env, a) => tickN(env.node(a.words[0]), a.words[1] === undefined ? 1 : count(a.words[1], "tick")),
  "tick-election": (env, a) => {
    const r = env.node(a.words[0]);
    return tickN(r, r.isLeader ? env.cfg.electionTicks : r.randomizedElectionTimeout);
  },
  "tick-heartbeat": (env, a) => tickN(env.node(a.words[0]), env.cfg.heartbeatTicks),
  "set-election-timeout": (env, a) => {
    env.node(a.words[0]).randomizedElectionTimeout = count(a.words[1], "set-election-timeout");
    return [];
  },
  propose: (env, a) => {
    const data = a.words[1];
    if (data === undefined) throw new CommandError("propose: expected <id> <data>");
    const res = env.node(a.words[0]).propose(data);
    return [res === undefined ? "not appended here" : `appended at ${res.index}/${res.term}`];
  },
  "read-index": (env, a) => {
    env.node(a.words[0]).readIndex(count(a.words[1], "read-index ctx"));
    return [];
  },
  "transfer-leadership": (env, a) => {
    env.node(a.words[0]).transferLeader(env.node(a.words[1]).id);
    return [];
  },
  isolate: (env, a) => {
    const r = env.node(a.words[0]);
    for (const o of env.nodes) {
      if (o === r) continue;
      env.cut.add(`${r.id}>${o.id}`);
      env.cut.add(`${o.id}>${r.id}`);
    }
    return [];
  },
  heal: (env) => {
    env.cut.clear();
    return [];
  },
  "process-ready": (env, a) => env.selected(a.words).flatMap((r) => env.processReady(r)),
  "deliver-msgs": (env, a) => env.selected(a.words).flatMap((r) => env.deliver(r)),
  stabilize: (env, a) => env.stabilize(env.selected(a.words)),
  "raft-state": (env) => env.nodes.map((r) => env.stateLine(r)),
  "raft-log": (env, a) => {
    const r = env.node(a.words[0]);
    return r.log.length === 1 ? ["(empty log)"] : r.log.slice(1).map(fmtEntry);
  },
  status: (env, a) => {
    const r = env.node(a.words[0]);
    const out = [env.stateLine(r)];
    if (r.isLeader) {
      r.progress.forEach((pr, i) => {
        out.push(`${INDENT}${i}: ${pr}${i === r.id ? " (self)" : ""}`);
      });
    }
    if (r.role === "candidate" || r.role === "precandidate") out.push(`${INDENT}votes: ${r.votes}`);
    out.push(`${INDENT}reads: ${r.readOnly}`);
    if (r.leadTransferee !== NONE) out.push(`${INDENT}transferring to ${r.leadTransferee}`);
    return out;
  },
};
