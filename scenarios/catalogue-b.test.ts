/**
 * Catalogue regression, group b: the queue bugs of docs/catalogue.md — claims, holes, pushes racing pops at
 * one end, the compactor's and the reaper's Len-0 base meta, the reused push write set and the Len
 * clamp (B8, B9, B10(b), B13, B14, B18, B23). Each variant's own scenario must expose its bug within
 * a few seeds, from the history alone; the failure must shrink and replay to the same history; and
 * the same scenarios must report nothing under `fixed`.
 */
import { catalogueSuite } from "../src/campaign/catalogue-suite.ts";

catalogueSuite({
  title: "catalogue b: queue bugs (B8, B9, B10(b), B13, B14, B18, B23)",
  bound: 10,
  variants: [
    "stale-claim-on-push",
    "head-past-gap",
    "pop-push-same-end",
    "compactor-deletes-empty-meta",
    "lazy-tombstone-reap",
    "reuse-past-tail",
    "len-clamp",
  ],
});
