/**
 * The clients of one run: their state, the next op each issues, sending an op to a node and
 * recording its invoke and completion, and the final reads of every key a run touched.
 */
import type { MicroOp, Op } from "../check/history.ts";
import type { RandomSource } from "../engine/rng.ts";
import type { Simulation } from "../engine/sim.ts";
import type { RedisCommand, RedisReply } from "../redis/types.ts";
import { ClientProgram, KeyRotation, ValueAllocator } from "../workload/client.ts";
import { HistoryRecorder } from "../workload/recorder.ts";
import { type Scenario, toMicros } from "../workload/scenario.ts";
import { completeStep, stepToCommand } from "./commands.ts";
import type { AllKnobs } from "./knobs.ts";
import type { SimNode } from "./node.ts";

export interface ClientState {
  name: string;
  index: number;
  process: number;
  node: number;
  program: ClientProgram;
  busy: boolean;
  done: boolean;
  /** Generation of the current request, so a late reply after a timeout is ignored. */
  req: number;
}

type Completion = "ok" | "fail" | "info";

/**
 * One op in flight: what its timeout, its trip to the node and the reply's trip back need. Their
 * events take it as their argument, in place of a closure each (five per op before).
 */
class InFlight {
  timeout = -1;

  constructor(
    readonly c: ClientState,
    /** The client's request generation when the op was sent. */
    readonly req: number,
    readonly mops: MicroOp[],
    readonly cmd: RedisCommand,
    readonly key: string,
    readonly then: (type: Completion) => void,
  ) {}
}

/** A reply on its way back to the client: the argument of the event that delivers it. */
interface Reply {
  op: InFlight;
  reply: RedisReply;
}

export class ClientDriver {
  readonly rec: HistoryRecorder;
  readonly clients: ClientState[] = [];
  /** False once the liveness phase begins: clients finish the op in flight and stop. */
  acceptingOps = true;
  private readonly values = new ValueAllocator();
  /** Which key each rotating slot stands for now, shared by all clients (`rotateAfterWrites`). */
  private readonly rotation = new KeyRotation();
  /**
   * Per process name and generated op index: how long from the op's invocation until its process
   * began its next think time. A shrink that removes the op waits this long instead (see
   * GeneratorSpec.holdOpsUs), so the process's later ops keep their instants.
   */
  readonly opHoldsUs: Record<string, Record<string, number>> = {};
  /**
   * Per process name and generated op index: when the op was invoked (µs after the clients
   * started). A shrinker orders a run's ops by it, so that it can remove a stretch of the run.
   */
  readonly opStartsUs: Record<string, Record<string, number>> = {};
  /** Per process name and script step index (in the script run): when the step was invoked (µs after the clients started). */
  readonly stepStartsUs: Record<string, Record<string, number>> = {};
  /** Per process name and script step index (in the script run): as `opHoldsUs` for generated ops. */
  readonly stepHoldsUs: Record<string, Record<string, number>> = {};
  private t0 = 0;
  private processCount = 0;
  /**
   * Every key an op named, in first-touch order, and whether a hash op named it (its final read is
   * then HGETALL). Keyed by the key itself: a Map tells the number 1 from the string "1".
   */
  private readonly touched = new Map<number | string, boolean>();
  /** The events of a client's next op and of an op in flight: one function each, for all ops. */
  private readonly nextOpFn = (c: ClientState): void => this.nextOp(c);
  private readonly timeoutFn = (op: InFlight): void => this.finish(op, "info", op.mops, "timeout");
  private readonly sendFn = (op: InFlight): void => {
    this.nodes[op.c.node]!.handleClient(op.cmd, op.key, (reply) => {
      this.sim.scheduleWith(this.knobs.clientDelayUs, this.replyFn, { op, reply }, "client.reply");
    });
  };
  private readonly replyFn = (r: Reply): void => {
    const op = r.op;
    this.sim.cancel(op.timeout);
    const o = completeStep(op.mops, r.reply);
    if (o.type === "ok") this.finish(op, "ok", o.mops);
    else this.finish(op, o.type, o.mops, o.error);
  };

  constructor(
    private readonly sim: Simulation,
    private readonly rs: RandomSource,
    private readonly knobs: AllKnobs,
    private readonly nodes: readonly SimNode[],
    onOp?: (op: Op) => boolean,
  ) {
    this.rec = new HistoryRecorder(onOp);
  }

  /** One client per process name of each spec, on its node (default: index modulo node count). */
  createClients(s: Scenario): void {
    const n = this.nodes.length;
    let clientIndex = 0;
    for (const spec of s.clients) {
      for (const name of spec.names) {
        const index = clientIndex++;
        this.clients.push({
          name,
          index,
          process: this.processCount++,
          node: spec.node ?? index % n,
          program: new ClientProgram(
            spec,
            this.rs.stream(`client/${name}`),
            this.values,
            this.rotation,
            name,
          ),
          busy: false,
          done: false,
          req: 0,
        });
      }
    }
  }

  /** Schedules each client's first op at t0 plus its spec's `startAt`. */
  start(s: Scenario, t0: number): void {
    this.t0 = t0;
    for (const c of this.clients) {
      const spec = s.clients.find((x) => x.names.includes(c.name))!;
      this.sim.at(t0 + (spec.startAt !== undefined ? toMicros(spec.startAt) : 0), () => this.nextOp(c));
    }
  }

  /** Whether no client waits for a reply. */
  idle(): boolean {
    return this.clients.every((c) => !c.busy);
  }

  busyNames(): string[] {
    return this.clients.filter((c) => c.busy).map((c) => c.name);
  }

  /** Issues the client's next op, waits out a pause, or marks the client done. */
  nextOp(c: ClientState): void {
    if (!this.acceptingOps) {
      c.done = true;
      return;
    }
    const a = c.program.next();
    if (a.kind === "done") {
      c.done = true;
      return;
    }
    if (a.kind === "pause") {
      this.sim.scheduleWith(a.us, this.nextOpFn, c, "client.next");
      return;
    }
    // After an error a client backs off (as a reconnecting client does) instead of hammering a dead node.
    const at = this.sim.now;
    const index = a.op ?? a.item;
    if (index !== undefined)
      noteUs(a.op !== undefined ? this.opStartsUs : this.stepStartsUs, c.name, index, at - this.t0);
    // The command's name for its node's scheduler: its client and its place in the client's
    // generator or script, which removing other ops leaves as it was.
    const key = `${c.name}/${a.op !== undefined ? `o${a.op}` : `s${a.item}`}`;
    this.send(
      c,
      a.mops,
      (type) => {
        const backoff = type === "ok" ? 0 : this.knobs.failBackoffUs;
        if (index !== undefined)
          noteUs(
            a.op !== undefined ? this.opHoldsUs : this.stepHoldsUs,
            c.name,
            index,
            this.sim.now - at + backoff,
          );
        this.sim.scheduleWith(c.program.thinkUs() + backoff, this.nextOpFn, c, "client.next");
      },
      key,
    );
  }

  /**
   * Sends one op to the client's node and records it; `then` runs after its completion is recorded.
   * `key` names the command to the node's scheduler (see SimNode.handleClient).
   */
  send(c: ClientState, mops: MicroOp[], then: (type: Completion) => void, key: string): void {
    const { sim, rec, knobs } = this;
    c.busy = true;
    const req = ++c.req;
    rec.invoke(c.process, mops, sim.now);
    this.noteKeys(mops);
    let cmd: ReturnType<typeof stepToCommand>;
    try {
      cmd = stepToCommand(mops);
    } catch (e) {
      rec.complete(c.process, "fail", mops, sim.now, String((e as Error).message));
      c.busy = false;
      then("fail");
      return;
    }
    const op = new InFlight(c, req, mops, cmd, key, then);
    op.timeout = sim.scheduleWith(knobs.clientTimeoutUs, this.timeoutFn, op, "client.timeout");
    sim.scheduleWith(knobs.clientDelayUs, this.sendFn, op, "client.send");
  }

  /** The op's completion, recorded once: a reply after its timeout (or the reverse) is ignored. */
  private finish(op: InFlight, type: Completion, out: MicroOp[], error?: string): void {
    const c = op.c;
    if (op.req !== c.req || !c.busy) return;
    c.busy = false;
    this.rec.complete(c.process, type, out, this.sim.now, error);
    // As in Jepsen: a process whose outcome is unknown is retired; a fresh one takes its place.
    if (type === "info") c.process = this.processCount++;
    op.then(type);
  }

  /**
   * Starts the final reads: one fresh process reads every key once, in the order keys were first
   * touched, each from the current leader, as Jepsen's final generator does. Returns the reader.
   */
  startFinalReads(leader: () => number | undefined): ClientState {
    const keys = [...this.touched];
    const reader: ClientState = {
      name: "final",
      index: this.clients.length,
      process: this.processCount++,
      node: leader() ?? 0,
      program: new ClientProgram({ names: ["final"] }, this.rs.stream("client/final"), this.values),
      busy: false,
      done: false,
      req: 0,
    };
    let pos = 0;
    const readNext = () => {
      if (pos >= keys.length) {
        reader.done = true;
        return;
      }
      const [key, hash] = keys[pos++]!;
      reader.node = leader() ?? reader.node;
      this.send(
        reader,
        [hash ? ["hgetall", key, null] : ["r", key, null]],
        readNext,
        `final/${hash ? "h" : "r"}/${key}`,
      );
    };
    readNext();
    return reader;
  }

  private noteKeys(mops: MicroOp[]): void {
    for (let i = 0; i < mops.length; i++) {
      const f = mops[i][0];
      const k = mops[i][1];
      const hash = typeof f === "string" && f.startsWith("h");
      // A key first touched by a type-neutral op (DEL, EXISTS) is a hash as soon as any hash op
      // names it, so that its final read is HGETALL and not an LRANGE the checker cannot place.
      // (Setting an existing key keeps its place in the map's order.)
      if (!this.touched.has(k)) this.touched.set(k, hash);
      else if (hash) this.touched.set(k, true);
    }
  }
}

/** Sets `table[name][index]` (a per-process timing report), making the process's row if needed. */
function noteUs(
  table: Record<string, Record<string, number>>,
  name: string,
  index: number,
  us: number,
): void {
  let row = table[name];
  if (row === undefined) {
    row = {};
    table[name] = row;
  }
  // A number key is the same property as its decimal string, without making the string.
  row[index] = us;
}
