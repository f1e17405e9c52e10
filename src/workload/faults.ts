/**
 * The fault vocabulary: every fault a scenario can name, once. Scenarios name faults in scripts
 * (`at(t, { name, args, for })`) and in random rates; the run schedules them and the nemesis
 * carries them out under the same kind, which is also the `:f` of the nemesis ops in the history
 * and the label of fault events in reports. The engine's nemesis stays generic (string kinds with
 * handlers); the cluster registers a handler for each kind below.
 */

/** What the nemesis does for each kind, and whether the fault lasts until it is undone. */
export const FAULT_KINDS = {
  /** Cut the cluster into two random halves (network). */
  "partition-halves": { lasting: true },
  /** Cut the current leader off from everyone. */
  "isolate-leader": { lasting: true },
  /** Each node reaches only a majority, arranged in a ring. */
  "majority-ring": { lasting: true },
  /** Two halves joined by one bridge node. */
  bridge: { lasting: true },
  /** Cut the cluster into the given groups (args.groups). */
  partition: { lasting: true },
  /** Block the given directed links (args.links). */
  "block-links": { lasting: true },
  /** Cut one node (args.node) off. */
  isolate: { lasting: true },
  /** Crash a node (args.node, or a random one); it restarts when the fault ends. */
  crash: { lasting: true },
  /** Crash the current leader; it restarts when the fault ends. */
  "crash-leader": { lasting: true },
  /** Isolate the next leader elected, args.delayUs after its election. */
  "isolate-new-leader": { lasting: true },
  /** Crash the next leader elected, args.delayUs after its election. */
  "crash-new-leader": { lasting: true },
  /** Restart a crashed node (args.node). */
  restart: { lasting: false },
  /** Hand leadership to another node. */
  "transfer-leader": { lasting: false },
  /** Skew one node's clock (within the lease's drift bound unless the knobs allow more). */
  "clock-skew": { lasting: true },
  /** Skew the leader's clock. */
  "skew-leader": { lasting: true },
  /** Jump one node's clock. */
  "clock-jump": { lasting: false },
  /** Hold every message to and from one node until the clog ends. */
  "clog-node": { lasting: true },
  /** Hold the messages of one link until the clog ends. */
  "clog-link": { lasting: true },
  /** Stop every node's delta compactor. */
  "compactor-pause": { lasting: true },
  /** Run every node's compactor at once. */
  "compactor-burst": { lasting: false },
  /** Heal the network, restart every node, reset clocks. */
  "heal-all": { lasting: false },
} as const;

export type FaultKind = keyof typeof FAULT_KINDS;

/** Names a scenario script may use: a fault kind, or `heal` for `heal-all`. */
export type ScriptedFaultName = FaultKind | "heal";

/**
 * Random fault families a scenario gives rates for, each with the fault it injects. `clog` is the
 * scenario's older name for `clog-node`, kept so that fault ids in shrunk scenarios stay the same.
 */
export const RANDOM_FAULTS = {
  "partition-halves": "partition-halves",
  "isolate-leader": "isolate-leader",
  "majority-ring": "majority-ring",
  bridge: "bridge",
  crash: "crash",
  "crash-leader": "crash-leader",
  "transfer-leader": "transfer-leader",
  "clock-skew": "clock-skew",
  "clock-jump": "clock-jump",
  clog: "clog-node",
  "compactor-pause": "compactor-pause",
  "compactor-burst": "compactor-burst",
} as const satisfies Record<string, FaultKind>;

export type RandomFaultKind = keyof typeof RANDOM_FAULTS;

/** The fault kind a scripted name injects. */
export function scriptedFaultKind(name: ScriptedFaultName): FaultKind {
  return name === "heal" ? "heal-all" : name;
}

/** Whether a fault of this kind lasts until undone (and so is given a duration). */
export function isLasting(kind: FaultKind): boolean {
  return FAULT_KINDS[kind].lasting;
}
