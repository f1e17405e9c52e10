/**
 * Knobs of the transaction layer (HLC, coordinator, FSM) and the snapshot choices the Redis
 * adapter makes on top of it. Defaults are the `fixed` design (docs/catalogue.md "→ HEAD" column plus the
 * fix for B15(b)); a variant puts one bug back by flipping the knobs its catalogue entry names.
 */

export interface KvKnobs {
  /** B5: which timestamp standalone commands read at. */
  snapshotTS: "last-commit" | "hlc-current-max";
  /** B4: MULTI/EXEC startTS (consumed by the Redis layer). */
  execStartTS: "last-commit" | "clock-next";
  /** B6: false ⇒ read keys are validated by the coordinator before proposing and the FSM ignores them. */
  readSetInRaft: boolean;
  /** B15(a): lease entries raise a Raft-agreed physical ceiling on every node. */
  hlcCeiling: boolean;
  /** B15(a): every successful FSM apply observes its commitTS into the node's HLC. */
  hlcObserveOnApply: boolean;
  /** B15(a): persistence timestamps come from NextFenced (fail closed past the ceiling). */
  hlcFenced: boolean;
  /** TLA+ strategy (c): a node that becomes leader observes the max applied commitTS first. */
  hlcLeaderFloor: boolean;
  /** Lease window: ceiling = wall + window. */
  hlcWindowMs: number;
  /** How often a leader proposes a new lease entry. */
  hlcRenewalIntervalMs: number;
  /** docs/model.md: an apply whose every key already has a version at exactly commitTS is a no-op success. */
  staleApplyFastPath: boolean;
  /**
   * The stale-apply fast path and the PrevCommitTS dedup probe also require every version at the
   * probed ts to hold the mutation's own value (fixed). HEAD tests keys only, so a different txn
   * that drew the same timestamp is swallowed as a no-op success — a finding of this testbed.
   */
  staleApplyCompareValues: boolean;
  /**
   * With `staleApplyCompareValues`, the stale-apply fast path also requires the request to be the
   * very transaction that wrote those versions (its txn id, recorded with the commit), so another
   * transaction that drew the same commitTS with an identical write set — two LPOPs of the same
   * element from the same snapshot — goes on to the OCC check (fixed). Off = HEAD: a finding of
   * this testbed.
   */
  staleApplyTxnId: boolean;
  /**
   * With `staleApplyCompareValues`, the PrevCommitTS dedup probe also requires the txn id recorded
   * with the commit it matches, as `staleApplyTxnId` does for the fast path: a retry whose previous
   * commitTS was also drawn by another transaction with an identical write set (a pop of the same
   * element) is otherwise answered "already done" (F4 through the dedup probe; fixed).
   */
  dedupTxnId: boolean;
  /** docs/model.md: PrevCommitTS exact-ts probe of the primary key. */
  dedupProbe: boolean;
  /** docs/model.md: production LeaderProxy (verify + forward) or the demo Dispatch retry loop (B17). */
  coordinator: "production" | "demo";
  /**
   * How leaders hand requests on (docs/model.md, "S4"). `elastickv`: after a failed VerifyLeader
   * the proxy forwards to the leader its Raft names, itself included, re-sends on leader errors
   * every interval within the budget and up to three times on other errors; the Forward handler
   * runs VerifyLeader again and keeps the caller's timestamps; reads (VerifyLeader included) fail
   * at once during a leadership transfer. `coarse`: the simpler model that came before — forward
   * only to another node, one RPC, no second VerifyLeader; repros recorded before this knob.
   */
  leaderProxy: "elastickv" | "coarse";
  /** B15(b) fix: a pre-allocated commitTS survives a StartTS=0 dispatch. */
  ensureValidStartTS: boolean;
  /**
   * With `ensureValidStartTS`, the startTS of a transaction whose reads saw the empty store:
   * `clock` = a fresh clock reading, as the unmerged fix `81a0d5ea` does (a snapshot that looks
   * newer than what it read: first writers can overwrite each other); `floor` = ts 1, the true
   * position of an empty snapshot (fixed).
   */
  emptySnapshotStartTS: "clock" | "floor";
  /**
   * Refuse (as a write conflict) a txn whose commitTS is not above the store's LastCommitTS
   * (fixed). HEAD applies it: commitTS is allocated before proposing, so entries can apply out of
   * commitTS order and LastCommitTS is no watermark — a finding of this testbed.
   */
  applyInCommitOrder: boolean;
  /**
   * Every store gets the route catalog at commitTS 1, written directly (not through Raft) before
   * clients connect and again on restart, as elastickv's servers do (docs/model.md, "S1"). Off =
   * elastickv's Go test harness / an empty-snapshot restore: the first commands read the empty
   * store (LastCommitTS 0, the sentinel read timestamp), which finding F1 needs.
   */
  catalogBootstrap: boolean;
  /** Demo Dispatch retry budget, and the budget of the production proxy's forwardWithRetry. */
  leaderRetryBudgetMs: number;
  /** Demo Dispatch poll interval, and the production proxy's forward retry interval. */
  leaderRetryIntervalMs: number;
}

export const defaultKvKnobs: Readonly<KvKnobs> = Object.freeze({
  snapshotTS: "last-commit",
  execStartTS: "last-commit",
  readSetInRaft: true,
  hlcCeiling: true,
  hlcObserveOnApply: true,
  hlcFenced: true,
  // HEAD has no election-time Observe; observe-on-apply covers the same ground (docs/model.md).
  hlcLeaderFloor: false,
  hlcWindowMs: 10_000,
  hlcRenewalIntervalMs: 1_000,
  staleApplyFastPath: true,
  staleApplyCompareValues: true,
  staleApplyTxnId: true,
  dedupTxnId: true,
  dedupProbe: true,
  coordinator: "production",
  leaderProxy: "elastickv",
  ensureValidStartTS: true,
  applyInCommitOrder: true,
  emptySnapshotStartTS: "floor",
  catalogBootstrap: true,
  leaderRetryBudgetMs: 5_000,
  leaderRetryIntervalMs: 25,
});

/** One line per knob, for `sim knobs`. */
export const kvKnobDescriptions: Readonly<Record<keyof KvKnobs, string>> = Object.freeze({
  snapshotTS:
    "read timestamp of standalone commands: last-commit = store.LastCommitTS (HEAD), hlc-current-max = max(LastCommitTS, HLC.Current) (B5)",
  execStartTS:
    "MULTI/EXEC startTS: last-commit = store.LastCommitTS (HEAD), clock-next = HLC.Next() after observing the key's commits (B4)",
  readSetInRaft:
    "carry read keys in the Raft entry and validate them at apply (HEAD); false = validate only at dispatch, before proposing (B6)",
  hlcCeiling: "apply HLC lease entries as a Raft-agreed physical ceiling (B15a when off)",
  hlcObserveOnApply: "FSM observes every successfully applied commitTS into the node's HLC (B15a when off)",
  hlcFenced:
    "allocate persistence timestamps with NextFenced, failing closed past the ceiling (B15a when off)",
  hlcLeaderFloor: "on becoming leader, observe the max applied commitTS before issuing (TLA+ strategy c)",
  hlcWindowMs: "HLC lease window in ms: ceiling = wall + window (3000 before a802b7db, 10000 at HEAD)",
  hlcRenewalIntervalMs: "interval in ms between a leader's HLC lease proposals",
  staleApplyFastPath:
    "apply is a no-op success when every mutation key already has a version at exactly commitTS (off for B17)",
  staleApplyCompareValues:
    "the stale-apply fast path and the dedup probe also compare values (fixed); off = HEAD, where a different txn with a colliding timestamp is swallowed as a no-op success",
  staleApplyTxnId:
    "with staleApplyCompareValues, the stale-apply fast path also requires the same txn id as the commit it matches (fixed); off = HEAD, where another txn with the same commitTS and an identical write set (two LPOPs of one element) is a no-op success",
  dedupTxnId:
    "with staleApplyCompareValues, the dedup probe also requires the same txn id as the commit at PrevCommitTS (fixed); off = HEAD, where another txn's identical write set at that commitTS answers the retry (F4)",
  dedupProbe: "FSM no-ops a request whose primary key has a version at exactly PrevCommitTS (off for B17)",
  coordinator:
    "production = VerifyLeader then propose or forward (no retry of a failed local propose); demo = Dispatch retry loop on leader errors (B17)",
  leaderProxy:
    "elastickv = forward to the leader Raft names (itself included) after a failed VerifyLeader, re-send on leader errors every interval for the budget and up to 3 times on other errors, Forward re-runs VerifyLeader, reads fail at once during a leadership transfer; coarse = one forward to another node, no second VerifyLeader (the model before these were added)",
  applyInCommitOrder:
    "refuse a txn whose commitTS is not above LastCommitTS (fixed); off = HEAD, where out-of-commitTS-order applies let a writer overwrite an acknowledged write",
  emptySnapshotStartTS:
    "startTS of a txn that read the empty store (with ensureValidStartTS): floor = 1 (fixed), clock = a fresh HLC reading as in the unmerged fix 81a0d5ea (first writers can overwrite each other)",
  ensureValidStartTS:
    "keep a pre-allocated commitTS when StartTS is 0 instead of re-minting both (B15b when off)",
  catalogBootstrap:
    "write the route catalog into every store at commitTS 1, directly and not through Raft, before clients connect and on restart (elastickv servers); off = elastickv's Go test harness / an empty-snapshot restore, where the first commands read the empty store",
  leaderRetryBudgetMs: "retry budget in ms of the demo Dispatch loop and of forwarding to the leader",
  leaderRetryIntervalMs: "poll interval in ms of the demo Dispatch loop and of forwarding to the leader",
});

export function kvKnobs(overrides: Partial<KvKnobs> = {}): KvKnobs {
  return { ...defaultKvKnobs, ...overrides };
}
