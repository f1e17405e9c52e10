/**
 * Contracts between the Redis adapter (src/redis), the transaction coordinator and FSM (src/kv)
 * and the node runtime that hosts them in a simulation (src/cluster).
 *
 * Adapter commands, the coordinator and the compactor are written as generators that `yield`
 * Effects and are resumed with the effect's result by whoever hosts them. That keeps them pure
 * and deterministic: the cluster runtime carries effects out as simulated events, and a unit test
 * can carry them out directly against one in-memory store.
 *
 * Keys and values are byte strings: one char per byte (codes 0–255), so string order is byte order.
 */

import type { Mutation } from "../mvcc/types.ts";

export type { Mutation, StoreView } from "../mvcc/types.ts";

/** What an adapter hands the coordinator (elastickv `OperationGroup`, docs/model.md). */
export interface OperationGroup {
  /** 0 = let the coordinator mint it (and clear commitTS), docs/model.md. */
  startTS: number;
  /** 0 = the coordinator allocates at dispatch. */
  commitTS: number;
  readKeys: string[];
  elems: Mutation[];
  /** Dedup probe (docs/model.md): no-op success if the primary key has a version at exactly this ts. */
  prevCommitTS?: number;
  /**
   * Identity of this dispatch, kept by every re-send and forward of it (the coordinator assigns one
   * when absent). The FSM records it with the commit so that the stale-apply fast path can tell a
   * re-send from another transaction that drew the same commitTS (kv knob `staleApplyTxnId`).
   */
  txnId?: string;
}

/** One Raft log entry's payload for the FSM. */
export type FsmRequest =
  | {
      kind: "txn";
      startTS: number;
      commitTS: number;
      prevCommitTS: number;
      readKeys: string[];
      /** First mutation is the primary key (lexicographically smallest write key). */
      elems: Mutation[];
      /** The dispatch's identity (OperationGroup.txnId); absent in requests built by hand. */
      txnId?: string;
    }
  | { kind: "hlc-lease"; ceilingMs: number }
  | { kind: "noop" };

export type ApplyResult =
  | { ok: true; commitTS: number; noop?: "dedup" | "stale-apply" }
  | { ok: false; reason: "write-conflict"; key: string }
  | { ok: false; reason: "invalid"; message: string };

/** What a dispatch returns to the adapter. */
export type DispatchResult =
  | { ok: true; commitTS: number }
  /** Typed write conflict; `wire` when it crossed a forwarded RPC as a status string (docs/model.md). */
  | { ok: false; kind: "write-conflict"; key: string; wire?: boolean }
  /** Known not committed (e.g. not leader before proposing). */
  | { ok: false; kind: "failed"; message: string }
  /** Outcome unknown: the proposal may still commit (leader lost mid-flight, timeout). */
  | { ok: false; kind: "ambiguous"; message: string };

/** Outcome of one Raft proposal from the proposer's point of view (issue 4). */
export type ProposeOutcome =
  | { status: "applied"; index: number; result: ApplyResult }
  | { status: "failed"; message: string }
  | { status: "unknown"; message: string };

export type Effect =
  /** Propose an entry on this node's Raft; resumes when it is applied locally or known failed. */
  | { kind: "propose"; request: FsmRequest }
  /** Quorum check that this node is still leader (production `VerifyLeader`). Resumes with boolean. */
  | { kind: "verify-leader" }
  /** ReadIndex: quorum-confirmed, waits for apply. Resumes with boolean (false = not leader). */
  | { kind: "read-index" }
  /** Lease read: fast path if the lease holds, else ReadIndex. Resumes with boolean. */
  | { kind: "lease-read" }
  /**
   * Forward a dispatch to the leader this node's Raft names (itself included) and wait at most
   * `timeoutUs` for its answer. Resumes with DispatchResult.
   */
  | { kind: "forward"; group: OperationGroup; timeoutUs: number }
  /** Wait this many simulated microseconds. */
  | { kind: "sleep"; us: number }
  /**
   * One store call of a command (GetAt, ScanAt — each scan page is one call —, the committed-version
   * probe, LatestCommitTS), a step of its own: the host may pause first, fence it, or serve it
   * from the leader's store when this node no longer leads (docs/model.md). Resumes with the
   * value; a failed read is thrown into the coroutine as a `ReadFailed`.
   */
  | StoreRead
  /** A scheduling point: the host may pause the task here (src/engine/schedule.ts). */
  | { kind: "sched"; point: SchedPoint; pauseUs?: number };

/**
 * A store call as an effect. One shape for every op (fields unused by an op are empty) so the hot
 * path stays monomorphic. `get`: value at ts; `scan`: [key, end) visible at ts, at most limit,
 * descending when reverse, as flat rows (each key followed by its value); `version`: whether key
 * has a version at exactly ts; `latest`: the newest version's commitTS of key (ts unused).
 */
export interface StoreRead {
  kind: "read";
  op: "get" | "scan" | "version" | "latest";
  key: string;
  end: string;
  limit: number;
  ts: number;
  reverse: boolean;
  /** The pause the host already drew for this read's scheduling point; -1 = not drawn yet. */
  pauseUs: number;
}

/** Where a command may be paused, besides before each store read. */
export type SchedPoint =
  /** After a command picked its read timestamp. */
  | "read-ts"
  /** After a commitTS was allocated, before VerifyLeader or forwarding. */
  | "commit-ts"
  /** In the compactor, between its scan and its proposal. */
  | "compactor";

/** A hosted coroutine: yields effects, is resumed with their results, returns R. */
export type Co<R> = Generator<Effect, R, unknown>;
