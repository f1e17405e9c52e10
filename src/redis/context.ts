/**
 * What a node gives the Redis adapter model: its replica's store, its clock, the knobs, the
 * coordinator environment for dispatches, a seeded random stream, and hooks for probes and
 * traces. Commands run on the node that believes it is leader; proxying is the host's job.
 */
import type { CoordinatorEnv } from "../kv/coordinator.ts";
import type { Hlc } from "../kv/hlc.ts";
import type { KvKnobs } from "../kv/knobs.ts";
import type { SchedPoint, StoreRead, StoreView } from "../kv/types.ts";
import type { RedisKnobs } from "./knobs.ts";

export type AdapterKnobs = RedisKnobs & KvKnobs;

export interface NodeContext {
  store: StoreView;
  hlc: Hlc;
  knobs: AdapterKnobs;
  /** For `dispatch` and `allocateCommitTS` (src/kv/coordinator.ts). */
  coordinatorEnv: CoordinatorEnv;
  /** This node's adapter random stream (retry jitter). */
  random(): number;
  /** Count a named rare event (docs/model.md). */
  probe(name: string): void;
  trace(ev: string, data?: object): void;
  /** False when `trace` discards everything, so that hot paths skip building its payload. */
  tracing?: boolean;
  /**
   * `TriggerUrgentCompaction`: a read found more than `maxDeltaScanLimit` deltas. The host wires
   * it to this node's compactor (`DeltaCompactor.triggerUrgent`); absent means no compactor.
   */
  urgentCompaction?(type: "list" | "hash", userKey: string): void;
  /**
   * Write sets re-dispatched by the reuse path keep the first attempt's commitTS in their delta
   * keys while the version carries a fresh one (docs/model.md item 6). When present, each such delta key
   * is recorded here as `reuseLogEntry(key, versionTS)` so the white-box delta-ts invariant can
   * tell them from a real mismatch. Share one set per run across nodes.
   */
  reuseLog?: Set<string>;
  /**
   * The host's fast path for a store read of the running task: the value when it can be served at
   * once (the scheduling point drew no pause, no fence or proxy needed), else NOT_NOW with the
   * pause it drew recorded on the read (`pauseUs`), and the read is yielded as an effect.
   */
  readNow?(read: StoreRead): unknown;
  /** The host's draw for a scheduling point of the running task: the pause in µs, 0 for none. */
  pauseAt?(point: SchedPoint): number;
}

export function reuseLogEntry(deltaKey: string, versionTS: number): string {
  return `${deltaKey}\u0000@${versionTS}`;
}
