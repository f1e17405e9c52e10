import { describe, expect, it } from "vitest";
import {
  type Entry,
  type Message,
  NONE,
  type RaftConfig,
  RaftNode,
  type RaftStorage,
  type ReadState,
} from "./raft.ts";

/**
 * A synchronous in-memory network for pure nodes: `settle()` drains every node's ready and
 * delivers messages in FIFO order until nothing moves. Links can be cut per direction.
 */
class Net {
  readonly nodes: RaftNode<string>[];
  readonly cut = new Set<string>();
  drop: (m: Message<string>) => boolean = () => false;
  readonly reads: ReadState[][];
  readonly dropped: number[][];
  readonly quorumAcks: number[][];
  readonly applied: Entry<string>[][];
  readonly persisted: Entry<string>[][];

  constructor(n: number, cfg: Partial<RaftConfig> = {}, storage?: Array<RaftStorage<string> | undefined>) {
    this.nodes = [];
    for (let i = 0; i < n; i++) {
      this.nodes.push(
        new RaftNode<string>(
          i,
          n,
          { electionTicks: 10, heartbeatTicks: 1, rand: () => 0, ...cfg },
          storage?.[i],
        ),
      );
    }
    this.reads = this.nodes.map(() => []);
    this.dropped = this.nodes.map(() => []);
    this.quorumAcks = this.nodes.map(() => []);
    this.applied = this.nodes.map(() => []);
    this.persisted = this.nodes.map(() => []);
  }

  isolate(i: number): void {
    for (let j = 0; j < this.nodes.length; j++) {
      if (j === i) continue;
      this.cut.add(`${i}>${j}`);
      this.cut.add(`${j}>${i}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  settle(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      const queue: Message<string>[] = [];
      for (const r of this.nodes) {
        if (!r.hasReady()) continue;
        const rd = r.ready();
        this.reads[r.id].push(...rd.readStates);
        this.dropped[r.id].push(...rd.readsDropped);
        if (rd.quorumAck) this.quorumAcks[r.id].push(rd.quorumAck);
        this.applied[r.id].push(...rd.committedEntries);
        this.persisted[r.id].push(...rd.entriesToPersist);
        for (const m of rd.messages) if (!this.cut.has(`${m.from}>${m.to}`) && !this.drop(m)) queue.push(m);
        r.advance();
      }
      if (queue.length === 0) return;
      for (const m of queue) this.nodes[m.to].step(m);
    }
    throw new Error("network did not settle");
  }

  tick(i: number, times: number): void {
    for (let k = 0; k < times; k++) {
      this.nodes[i].tick();
      this.settle();
    }
  }

  tickAll(times: number): void {
    for (let k = 0; k < times; k++) {
      for (const r of this.nodes) r.tick();
      this.settle();
    }
  }

  /** Elects node i by running out its election timer. */
  elect(i: number): void {
    this.tick(i, 10);
    expect(this.nodes[i].role).toBe("leader");
  }

  logTerms(i: number): number[] {
    return this.nodes[i].log.slice(1).map((e) => e.term);
  }
}

function storage(terms: number[], term: number, commit = 0): RaftStorage<string> {
  return {
    hardState: { term, vote: NONE, commit },
    entries: terms.map((t, k) => ({ index: k + 1, term: t, data: `e${k + 1}@${t}` })),
  };
}

describe("RaftNode elections", () => {
  it("elects the node whose timer fires first, through a pre-vote, and commits an empty entry", () => {
    const net = new Net(3);
    net.elect(0);
    const [a, b, c] = net.nodes;
    expect(a.term).toBe(1);
    expect(b.lead).toBe(0);
    expect(c.lead).toBe(0);
    expect(a.log[1]).toMatchObject({ index: 1, term: 1, data: undefined });
    expect(a.commit).toBe(1);
    net.tick(0, 1); // heartbeat carries the commit index
    expect(b.commit).toBe(1);
    expect(net.applied[1].map((e) => e.index)).toEqual([1]);
  });

  it("a single node elects itself at once", () => {
    const net = new Net(1);
    net.elect(0);
    expect(net.nodes[0].commit).toBe(1);
  });

  it("PreVote: a partitioned node does not inflate its term nor disrupt the leader on rejoin", () => {
    const net = new Net(3);
    net.elect(0);
    net.isolate(2);
    net.tick(2, 100);
    expect(net.nodes[2].term).toBe(1);
    expect(net.nodes[2].role).toBe("precandidate");
    net.heal();
    net.tickAll(5);
    expect(net.nodes[0].role).toBe("leader");
    expect(net.nodes[0].term).toBe(1);
    expect(net.nodes[2].lead).toBe(0);
  });

  it("without PreVote a rejoining node with a higher term forces a new election", () => {
    const net = new Net(3, { preVote: false });
    net.elect(0);
    net.isolate(2);
    net.tick(2, 30);
    expect(net.nodes[2].term).toBeGreaterThan(1);
    net.heal();
    net.tickAll(40);
    expect(net.nodes.some((r) => r.role === "leader" && r.term > 1)).toBe(true);
  });

  it("CheckQuorum: a leader that hears from no quorum for an election timeout steps down", () => {
    const net = new Net(3);
    net.elect(0);
    net.isolate(0);
    net.tick(0, 9);
    expect(net.nodes[0].role).toBe("leader");
    net.tick(0, 20);
    expect(net.nodes[0].role).toBe("follower");
  });

  it("CheckQuorum: a follower that heard from its leader recently ignores a higher-term vote request", () => {
    const net = new Net(3, { preVote: false });
    net.elect(0);
    const b = net.nodes[1];
    b.step({ ...voteMsg(2, 1, 5), type: "vote" });
    expect(b.term).toBe(1);
    expect(b.vote).not.toBe(2);
  });

  it("steps down on a message of a higher term", () => {
    const net = new Net(3);
    net.elect(0);
    const a = net.nodes[0];
    a.step({ ...voteMsg(1, 0, 7), type: "appResp" });
    expect(a.role).toBe("follower");
    expect(a.term).toBe(7);
  });

  it("refuses to vote for a candidate with a stale log; the broken switch grants it", () => {
    for (const bug of [false, true]) {
      const r = new RaftNode<string>(
        0,
        3,
        { electionTicks: 10, heartbeatTicks: 1, rand: () => 0, bugs: { voteWithoutLogCheck: bug } },
        storage([1, 2], 2),
      );
      const m = voteMsg(1, 0, 3);
      m.index = 1;
      m.logTerm = 1;
      r.step(m);
      const resp = r.ready().messages[0];
      expect(resp.type).toBe("voteResp");
      expect(resp.reject).toBe(!bug);
    }
  });

  it("a vote is persisted in the same ready as its response", () => {
    const r = new RaftNode<string>(0, 3, {
      electionTicks: 10,
      heartbeatTicks: 1,
      rand: () => 0,
      preVote: false,
    });
    r.step(voteMsg(1, 0, 1));
    const rd = r.ready();
    expect(rd.hardState).toEqual({ term: 1, vote: 1, commit: 0 });
    expect(rd.messages[0]).toMatchObject({ type: "voteResp", reject: false });
  });
});

function voteMsg(from: number, to: number, term: number): Message<string> {
  return {
    type: "vote",
    from,
    to,
    term,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ctx: 0,
    round: 0,
  };
}

describe("RaftNode replication", () => {
  it("replicates proposals and commits them on a majority", () => {
    const net = new Net(3);
    net.elect(0);
    net.isolate(2);
    const p = net.nodes[0].propose("x");
    expect(p).toEqual({ index: 2, term: 1 });
    net.settle();
    expect(net.nodes[0].commit).toBe(2);
    expect(net.nodes[1].log[2].data).toBe("x");
    expect(net.nodes[2].lastIndex).toBe(1);
    net.heal();
    net.tickAll(2);
    expect(net.logTerms(2)).toEqual([1, 1]);
    expect(net.nodes[2].commit).toBe(2);
  });

  it("followers drop proposals unless forwarding is on", () => {
    const off = new Net(3);
    off.elect(0);
    expect(off.nodes[1].propose("y")).toBeUndefined();
    off.settle();
    expect(off.nodes[0].lastIndex).toBe(1);
    const on = new Net(3, { forwardProposals: true });
    on.elect(0);
    on.nodes[1].propose("y");
    on.settle();
    expect(on.nodes[0].log[2].data).toBe("y");
  });

  it("truncates a follower's conflicting suffix and persists from the conflict", () => {
    // Node 0 leads term 3 with [1,1,3]; node 1 holds an uncommitted tail [1,2,2,2] of term 2.
    const net = new Net(3, {}, [
      storage([1, 1, 3], 3, 2),
      storage([1, 2, 2, 2], 2, 1),
      storage([1, 1, 3], 3, 2),
    ]);
    net.elect(0);
    expect(net.nodes[0].term).toBe(4);
    net.tickAll(3);
    expect(net.logTerms(1)).toEqual([1, 1, 3, 4]);
    expect(net.persisted[1][0].index).toBe(2);
    expect(net.nodes[1].commit).toBe(4);
  });

  it("only counts replicas to commit entries of the leader's own term (Figure 8)", () => {
    // Leader 0 of term 3 holds an entry of term 2 at index 2 that a majority already stores.
    const mk = (bug: boolean) =>
      new Net(3, { bugs: { commitPreviousTermByCount: bug } }, [
        storage([1, 2], 2, 1),
        storage([1, 2], 2, 1),
        storage([1], 2, 1),
      ]);
    for (const bug of [false, true]) {
      const net = mk(bug);
      const a = net.nodes[0];
      // Elect 0 but drop its appends, so only the entries the others already hold count.
      net.drop = (m) => m.type === "app";
      net.tick(0, 10);
      expect(a.role).toBe("leader");
      expect(a.term).toBe(3);
      // Pretend node 1 acknowledged index 2 (which it stores) but not the new empty entry 3.
      a.step({ ...voteMsg(1, 0, 3), type: "appResp", index: 2 });
      expect(a.commit).toBe(bug ? 2 : 1);
    }
  });

  it("after a rejection the leader backs up a whole term at a time", () => {
    const net = new Net(3, {}, [
      storage([1, 1, 1, 4, 4, 5, 5], 5, 3),
      storage([1, 1, 1, 2, 2, 2, 3, 3, 3], 3, 3),
      storage([1, 1, 1, 4, 4, 5, 5], 5, 3),
    ]);
    net.elect(0);
    net.tickAll(5);
    expect(net.logTerms(1)).toEqual(net.logTerms(0));
  });
});

describe("RaftNode transfer and reads", () => {
  it("transfers leadership with MsgTimeoutNow, bypassing the followers' lease", () => {
    const net = new Net(3);
    net.elect(0);
    net.nodes[0].propose("a");
    net.settle();
    net.nodes[0].transferLeader(2);
    net.settle();
    expect(net.nodes[2].role).toBe("leader");
    expect(net.nodes[2].term).toBe(2);
    expect(net.nodes[0].role).toBe("follower");
  });

  it("a follower forwards a transfer request; proposals are dropped while a transfer is under way", () => {
    const net = new Net(3);
    net.elect(0);
    net.isolate(2);
    net.nodes[1].transferLeader(2);
    net.settle();
    expect(net.nodes[0].leadTransferee).toBe(2);
    expect(net.nodes[0].transferring).toBe(true);
    expect(net.nodes[0].propose("p")).toBeUndefined();
    // Abandoned after an election timeout.
    net.heal();
    net.cut.add("0>2");
    net.tick(0, 10);
    expect(net.nodes[0].leadTransferee).toBe(NONE);
  });

  it("ReadIndex on the leader answers after a quorum heartbeat round", () => {
    const net = new Net(3);
    net.elect(0);
    net.nodes[0].propose("a");
    net.settle();
    net.isolate(0);
    net.nodes[0].readIndex(7);
    net.settle();
    expect(net.reads[0]).toEqual([]);
    net.heal();
    net.nodes[0].readIndex(8);
    net.settle();
    expect(net.reads[0]).toEqual([
      { index: 2, ctx: 7 },
      { index: 2, ctx: 8 },
    ]);
    expect(net.quorumAcks[0].length).toBeGreaterThan(0);
  });

  it("with batching, reads that arrive while a round is in flight share the next single round", () => {
    const count = (net: Net): number => {
      let heartbeats = 0;
      net.drop = (m) => {
        if (m.type === "heartbeat") heartbeats++;
        return false;
      };
      net.nodes[0].readIndex(1);
      // Two more while the first round is out; a fourth from a follower.
      net.nodes[0].readIndex(2);
      net.nodes[0].readIndex(3);
      net.nodes[2].readIndex(4);
      net.settle();
      return heartbeats;
    };
    const batched = new Net(3, { batchReads: true });
    batched.elect(0);
    batched.nodes[0].propose("a");
    batched.settle();
    const each = new Net(3);
    each.elect(0);
    each.nodes[0].propose("a");
    each.settle();
    // Two followers per round: the first read's round, then one for everything held.
    expect(count(batched)).toBe(4);
    expect(count(each)).toBe(8);
    const mine = [
      { index: 2, ctx: 1 },
      { index: 2, ctx: 2 },
      { index: 2, ctx: 3 },
    ];
    expect(batched.reads[0]).toEqual(mine);
    expect(each.reads[0]).toEqual(mine);
    expect(batched.reads[2]).toEqual([{ index: 2, ctx: 4 }]);
    expect(batched.nodes[0].readOnly.toString()).toContain("queued=0");
    expect(batched.nodes[0].readOnly.toString()).toContain("held=0");
  });

  it("with batching, held reads of a leader that steps down are dropped", () => {
    const net = new Net(3, { batchReads: true });
    net.elect(0);
    net.isolate(0);
    net.nodes[0].readIndex(1);
    net.nodes[0].readIndex(2);
    net.tick(0, 25);
    expect(net.nodes[0].role).toBe("follower");
    expect(net.dropped[0]).toEqual([1, 2]);
  });

  it("a follower forwards ReadIndex to its leader", () => {
    const net = new Net(3);
    net.elect(0);
    net.nodes[0].propose("a");
    net.settle();
    net.nodes[2].readIndex(3);
    net.settle();
    expect(net.reads[2]).toEqual([{ index: 2, ctx: 3 }]);
  });

  it("a new leader defers reads until it commits an entry of its term", () => {
    const net = new Net(3);
    net.drop = (m) => m.type === "app";
    net.elect(0);
    net.nodes[0].readIndex(4);
    net.tick(0, 3);
    expect(net.reads[0]).toEqual([]);
    net.drop = () => false;
    net.tick(0, 2);
    expect(net.reads[0]).toEqual([{ index: 1, ctx: 4 }]);
  });

  it("reads are dropped on step-down and when there is no leader", () => {
    const net = new Net(3);
    net.elect(0);
    net.isolate(0);
    net.nodes[0].readIndex(1);
    net.tick(0, 25);
    expect(net.nodes[0].role).toBe("follower");
    expect(net.dropped[0]).toEqual([1]);
    const r = new RaftNode<string>(0, 3, { electionTicks: 10, heartbeatTicks: 1, rand: () => 0 });
    r.readIndex(5);
    expect(r.ready().readsDropped).toEqual([5]);
  });

  it("quorumAck reports heartbeat rounds acknowledged by a majority", () => {
    const net = new Net(5);
    net.elect(0);
    net.isolate(3);
    net.cut.add("0>4");
    net.tick(0, 1);
    expect(net.quorumAcks[0].length).toBeGreaterThan(0);
    const before = net.quorumAcks[0].length;
    net.cut.add("0>2");
    net.tick(0, 1);
    expect(net.quorumAcks[0].length).toBe(before);
  });

  it("ready reports leadership loss and soft state changes", () => {
    const net = new Net(3);
    net.elect(0);
    const a = net.nodes[0];
    a.step({ ...voteMsg(1, 0, 9), type: "appResp" });
    const rd = a.ready();
    expect(rd.leadershipLost).toBe(true);
    expect(rd.softState).toEqual({ lead: NONE, role: "follower", term: 9 });
  });
});
