/**
 * The variants of docs/catalogue.md: named knob sets over the `fixed` defaults. A single-bug variant
 * is `fixed` with only that bug's knobs put back (some bugs need several).
 *
 * This table is also the one place that links variants and scenarios: `scenario` names the
 * scenario that exposes the variant's bug (none for `fixed`) and `otherScenarios` any other written
 * for the same bug. `sim variants`, `sim scenarios`, the catalogue hunts and the catalogue tests all
 * read the link from here; a scenario file says only which bug it is about and what to expect.
 */
import type { KvKnobs } from "../kv/knobs.ts";
import { headRedisKnobs, type RedisKnobs } from "./knobs.ts";

export interface Variant {
  name: string;
  description: string;
  /** Scenario that exposes this variant's bug (the one a hunt runs); undefined for `fixed`. */
  scenario?: string;
  /** Other scenarios written for the same bug, checked clean under `fixed` like `scenario`. */
  otherScenarios?: string[];
  knobs: Partial<RedisKnobs & KvKnobs>;
}

/** HEAD's kv layer differs from `fixed` in the fixes for this testbed's findings (docs/findings.md). */
const headKv: Partial<KvKnobs> = {
  ensureValidStartTS: false,
  applyInCommitOrder: false,
  staleApplyCompareValues: false,
  staleApplyTxnId: false,
  dedupTxnId: false,
};

/** B1's EXEC: base meta only, base-meta Put plus deleting the deltas it saw (`f4b08c1c`). */
const b1: Partial<RedisKnobs> = { execListMeta: "base-only", execListWrite: "base-meta-delete-deltas" };
/** B9's holes need pops that do not claim them and no fence to serialize the two pops. */
const b9: Partial<RedisKnobs> = { popClaimsHoles: false, listFence: false, pushBoundaryReadKeys: false };

export const variants: readonly Variant[] = Object.freeze([
  {
    name: "fixed",
    description:
      "elastickv at HEAD plus fixes for B12 (DEL fenced), B13 (Len-0 fold fenced), B14 (no unfenced reaper), B15(b), the B19 residual (ReadIndex before every read snapshot) and B23 (no Len clamp)",
    knobs: {},
  },
  {
    name: "head",
    description:
      "elastickv as it stands (docs/catalogue.md → HEAD), latent races included (B12, B13, B15(b), B19 residual)",
    scenario: "del-vs-push",
    knobs: { ...headRedisKnobs, ...headKv },
  },
  {
    name: "pr485",
    description:
      "the original PR #485 branch (docs/catalogue.md historical column): B1, B2, B3 and their neighbours",
    scenario: "b1-multi-base-meta",
    knobs: {
      ...headRedisKnobs,
      ...headKv,
      snapshotTS: "hlc-current-max",
      execStartTS: "clock-next",
      readSetInRaft: false,
      execListMeta: "base-only",
      execListWrite: "base-meta-delete-deltas",
      execListBoundaryReadKeys: false,
      execTypeProbeReadKeys: false,
      pushBoundaryReadKeys: false,
      listFence: false,
      hashFence: false,
      claimSemantics: "marker",
      pushClearsStaleClaim: false,
      popClaimsHoles: false,
      compactorEmptyMeta: "keep",
      compactorClaimGc: false,
      onePhaseDedup: false,
      staleApplyFastPath: false,
      dedupProbe: false,
      hlcCeiling: false,
      hlcObserveOnApply: false,
      hlcFenced: false,
      rangeReadFence: "none",
      maxDeltaScanLimit: 10_000,
    },
  },
  {
    name: "multi-reads-base-meta",
    description:
      "B1: EXEC reads list meta from the base key only and writes base meta, deleting the deltas it saw",
    scenario: "b1-multi-base-meta",
    knobs: { ...b1 },
  },
  {
    name: "multi-double-count",
    description:
      "B2: EXEC writes a base meta whose Len already includes the deltas, which stay and count again",
    scenario: "b2-multi-double-count",
    knobs: { execListWrite: "base-meta" },
  },
  {
    name: "start-ts-base-meta-only",
    description: "B3: EXEC startTS = HLC.Next() after observing base keys only, with B1's base-meta EXEC",
    scenario: "b3-start-ts-base-meta",
    knobs: { ...b1, execStartTS: "clock-next" },
  },
  {
    name: "start-ts-clock-next",
    description: "B4: EXEC startTS = HLC.Next(), ahead of proposed-but-unapplied commits",
    scenario: "b4-start-ts-clock-next",
    knobs: { execStartTS: "clock-next" },
  },
  {
    name: "snapshot-ts-hlc-current",
    description: "B5: standalone readTS = max(LastCommitTS, HLC.Current) can equal an in-flight commitTS",
    scenario: "b5-snapshot-hlc-current",
    knobs: { snapshotTS: "hlc-current-max" },
  },
  {
    name: "read-set-pre-raft",
    description: "B6: read keys validated before proposing, not at apply",
    scenario: "b6-read-set-pre-raft",
    knobs: { readSetInRaft: false },
  },
  {
    name: "multi-lrange-no-read-key",
    description: "B7: EXEC LRANGE registers no boundary read keys and there is no list fence",
    scenario: "b7-multi-lrange-phantom",
    knobs: { execListBoundaryReadKeys: false, listFence: false },
  },
  {
    name: "stale-claim-on-push",
    description:
      "B8: design-doc claims (logical-delete markers) and a push that leaves a stale claim on a reused seq",
    scenario: "b8-stale-claim",
    knobs: { claimSemantics: "marker", pushClearsStaleClaim: false },
  },
  {
    name: "head-past-gap",
    description:
      "B9: pops claim only the items they find, so two pops over a hole both advance Head (holes from B10(b))",
    scenario: "b9-head-past-gap",
    knobs: { ...b9 },
  },
  {
    name: "pop-push-same-end",
    description: "B10(b): push and pop at the same end with no boundary read keys and no list fence",
    scenario: "b10-pop-push-same-end",
    knobs: { pushBoundaryReadKeys: false, listFence: false },
  },
  {
    name: "del-truncated-scan",
    description: "B11: DEL deletes only one page of deltas, leaving the rest to resurrect the list",
    scenario: "b11-del-truncated-scan",
    knobs: { delScan: "single-page" },
  },
  {
    name: "del-unfenced",
    description: "B12: standalone DEL writes no fence and carries no read keys",
    scenario: "b12-del-unfenced",
    knobs: { delFence: false },
  },
  {
    name: "compactor-deletes-empty-meta",
    description: "B13: the compactor deletes the base meta when a fold reaches Len 0, unfenced",
    scenario: "b13-compactor-empty-meta",
    knobs: { compactorEmptyMeta: "delete" },
  },
  {
    name: "lazy-tombstone-reap",
    description: "B14: Len-0 base metas are kept and reaped lazily after an unvalidated delta scan",
    scenario: "b14-lazy-reap",
    knobs: { compactorEmptyMeta: "keep", lazyReaper: "unfenced" },
  },
  {
    name: "hlc-no-apply-observe",
    description: "B15(a): no HLC ceiling, no observe-on-apply, unfenced allocation",
    scenario: "b15-hlc-no-observe",
    knobs: { hlcCeiling: false, hlcObserveOnApply: false, hlcFenced: false },
  },
  {
    name: "null-separator",
    description: "B16: delta/claim/hash keys use userKey ‖ 0x00 ‖ suffix, so foo's scans cover foo\\0…",
    scenario: "b16-null-separator",
    knobs: { keyLayout: "null-separator" },
  },
  {
    name: "retry-recompute",
    description: "B17: demo coordinator retry loop, no write-set reuse/dedup, no stale-apply fast path",
    scenario: "b17-retry-recompute",
    knobs: { onePhaseDedup: false, coordinator: "demo", staleApplyFastPath: false, dedupProbe: false },
  },
  {
    name: "reuse-past-tail",
    description:
      "B18: a reused push write set lands past a shrunk tail (no boundary read keys, no list fence)",
    scenario: "b18-reuse-past-tail",
    knobs: { pushBoundaryReadKeys: false, listFence: false },
  },
  {
    name: "read-before-catch-up",
    description: "B19: LRANGE/EXEC pick readTS with no fence; point reads fence after picking it, by lease",
    scenario: "b19-read-before-catch-up",
    knobs: { rangeReadFence: "none", pointReadFence: "after", readFenceKind: "lease-read" },
  },
  {
    name: "no-wide-fence",
    description: "B20: no wide collection fences at all",
    scenario: "b20-no-wide-fence",
    knobs: { listFence: false, hashFence: false },
  },
  {
    name: "len-clamp",
    description: "B23: a negative resolved Len is clamped to 0, hiding B9's double pops",
    scenario: "b23-len-clamp",
    knobs: { ...b9, lenClamp: true },
  },
  // Findings of this testbed in HEAD (docs/findings.md): `fixed` with one fix knob put back.
  {
    name: "finding-empty-snapshot-start-ts",
    description:
      "F1 (HEAD, on a store without the bootstrap write): a txn that read the empty store gets its StartTS minted at dispatch, after commits it never saw",
    scenario: "f1-empty-snapshot-start-ts",
    knobs: { ensureValidStartTS: false, catalogBootstrap: false },
  },
  {
    name: "finding-empty-snapshot-clock-start-ts",
    description:
      "F1 with the unmerged fix 81a0d5ea, on a store without the bootstrap write: the empty snapshot's StartTS is a fresh clock reading (commitTS − 1)",
    scenario: "f1-empty-snapshot-start-ts",
    knobs: { emptySnapshotStartTS: "clock", catalogBootstrap: false },
  },
  {
    name: "finding-out-of-order-apply",
    description:
      "F2 (HEAD): commitTS is allocated before VerifyLeader/propose, so entries apply out of commitTS order and LastCommitTS is no watermark",
    // One steady leader, no fault: the reordering happens inside the leader (docs/findings.md, F2).
    scenario: "steady-leader-two-lists",
    // The first scenario written for F2: leader churn under demo timing.
    otherScenarios: ["f2-out-of-order-apply"],
    knobs: { applyInCommitOrder: false },
  },
  {
    name: "finding-stale-apply-keys-only",
    description:
      "F3 (HEAD): the stale-apply fast path and the dedup probe test keys only, so a deposed leader's retry that drew the new leader's commitTS is a no-op success",
    scenario: "f3-stale-apply-keys-only",
    knobs: { staleApplyCompareValues: false },
  },
  {
    name: "finding-stale-apply-same-shape",
    description:
      "F4 (HEAD, and fixed before staleApplyTxnId and dedupTxnId): two LPOPs that drew the same commitTS write identical keys and values, and the stale-apply fast path (or the dedup probe of a retry) answers both",
    scenario: "f4-stale-apply-same-shape",
    knobs: { staleApplyTxnId: false, dedupTxnId: false },
  },
  {
    name: "finding-partial-fold-deletes-meta",
    description:
      "F5 (HEAD): a fold of a list cut by the compactor's scan page (or an urgent batch) that reaches Len 0 deletes the base meta, and the key's later deltas resolve against Head 0",
    scenario: "f5-partial-fold-empty-meta",
    knobs: { partialFoldKeepsMeta: false },
  },
  {
    name: "finding-resumed-fold-deletes-meta",
    description:
      "F7 (HEAD, and fixed before resumedFoldKeepsMeta): a compactor pass that resumes from a cursor inside a list's deltas folds only the later ones; a fold of them to Len 0 deletes the base meta, and the deltas before the cursor resolve against Head 0",
    scenario: "f7-resumed-fold-empty-meta",
    knobs: { resumedFoldKeepsMeta: false },
  },
  {
    name: "finding-exec-absent-unfenced",
    description:
      "F6 (HEAD): an EXEC whose EXISTS or DEL found a key absent tracks only the nine type-probe keys, none of which a concurrent RPUSH/HSET creating the key writes, so the absence is never validated (write skew)",
    scenario: "f6-exec-absent-unfenced",
    knobs: { execAbsenceFences: false },
  },
] satisfies Variant[]);

export function variantByName(name: string): Variant | undefined {
  return variants.find((v) => v.name === name);
}
