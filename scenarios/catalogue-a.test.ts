/**
 * Catalogue regression, group a: the list-append / MULTI-EXEC bugs of docs/catalogue.md B1–B7 (PR #485 and
 * the fixes that followed it). Each variant's own scenario must expose its bug within a few seeds,
 * from the history alone; the failure must shrink and replay to the same history; and the same
 * scenarios must report nothing under `fixed`.
 */
import { catalogueSuite } from "../src/campaign/catalogue-suite.ts";

catalogueSuite({
  title: "catalogue a: list-append and MULTI/EXEC bugs (PR #485, B1–B7)",
  bound: 10,
  variants: [
    "pr485",
    "multi-reads-base-meta",
    "multi-double-count",
    "start-ts-base-meta-only",
    "start-ts-clock-next",
    "snapshot-ts-hlc-current",
    "read-set-pre-raft",
    "multi-lrange-no-read-key",
  ],
});
