/**
 * Start-up of a replica's store (docs/model.md, "S1"). Before a real server opens its client
 * listeners it makes sure its store holds the route catalog; on an empty catalog it writes one
 * straight into the local store — not through Raft — at commitTS max(LastCommitTS + 1, readTS + 1)
 * with readTS = LastCommitTS, which is 1 on a fresh store (elastickv `distribution/bootstrap.go`
 * `EnsureCatalogSnapshot`, `distribution/catalog.go` `commitTSForApply`). From then on no command
 * reads the empty store. A restart reloads the same write from disk.
 *
 * The catalog keys live under `!dist|`, outside every Redis key layout: no command reads them, no
 * store invariant scans them, and the checker never sees them.
 */
import type { MvccStore } from "../mvcc/store.ts";
import type { Mutation } from "./types.ts";

export const CATALOG_PREFIX = "!dist|";
const CATALOG_VERSION_KEY = "!dist|meta|version";
const CATALOG_NEXT_ROUTE_ID_KEY = "!dist|meta|next_route_id";
const CATALOG_ROUTE_PREFIX = "!dist|route|";

function u64be(n: number): string {
  let out = "";
  for (let shift = 7; shift >= 0; shift--) out += String.fromCharCode(Math.floor(n / 256 ** shift) % 256);
  return out;
}

/**
 * The catalog a fresh single-group cluster seeds: version 1, one route covering every key
 * (route id 1, group 1), next route id 2. Values are stand-ins; only the versions matter.
 */
function seedCatalog(): Mutation[] {
  return [
    { op: "put", key: CATALOG_VERSION_KEY, value: u64be(1) },
    { op: "put", key: CATALOG_ROUTE_PREFIX + u64be(1), value: "route 1: [-inf, +inf) -> group 1" },
    { op: "put", key: CATALOG_NEXT_ROUTE_ID_KEY, value: u64be(2) },
  ];
}

/**
 * Writes the seed catalog into `store` when it has none, as a direct versioned write; returns its
 * commitTS, or 0 when the store already had a catalog.
 */
export function ensureCatalog(store: MvccStore): number {
  const readTS = store.lastCommitTS();
  if (store.latestCommitTS(CATALOG_VERSION_KEY) !== 0) return 0;
  const commitTS = Math.max(store.lastCommitTS() + 1, readTS + 1);
  const r = store.applyMutations(seedCatalog(), [], readTS, commitTS);
  if (!r.ok) throw new Error(`catalog bootstrap conflicted on ${r.key}`);
  return commitTS;
}
