/**
 * A command's store reads are separate steps (docs/model.md): a commit can land between two of
 * them. With commitTS drawn before the proposal, that commit can carry a timestamp at or below the
 * reader's snapshot, so the later read sees it and the earlier one did not.
 */
import { describe, expect, it } from "vitest";
import { execute } from "./execute.ts";
import { Interleave } from "./interleave.ts";
import { keysFor } from "./keys.ts";
import type { RedisReply } from "./types.ts";

describe("reads as separate steps", () => {
  it("an apply between a read-only EXEC's meta read and its item scan tears the transaction", () => {
    const h = new Interleave();
    h.run("seed", execute(h.ctx, { name: "RPUSH", key: "k", values: ["x", "y"] }));
    // The pop draws its commitTS first and is held before proposing …
    const pop = h.start("rpop", execute(h.ctx, { name: "RPOP", key: "k" }));
    expect(pop.held).toBeDefined();
    const popTS = pop.held!.kind === "txn" ? pop.held!.commitTS : 0;
    // … a push on another key draws a later one and applies first, raising LastCommitTS past it.
    h.run("other", execute(h.ctx, { name: "RPUSH", key: "o", values: ["z"] }));
    expect(h.node.store.lastCommitTS()).toBeGreaterThan(popTS);

    // A read-only EXEC picks its snapshot now (above the pop's commitTS) and reads step by step.
    const reader = h.start(
      "exec",
      execute(h.ctx, {
        name: "EXEC",
        commands: [
          { name: "LLEN", key: "k" },
          { name: "LRANGE", key: "k", start: 0, stop: -1 },
        ],
      }),
      { holdReads: true },
    );
    const items = keysFor(h.ctx.knobs.keyLayout).listItemPrefix("k");
    // Perform reads up to the item scan: type probe, base meta, deltas (LLEN = 2 from here).
    let guard = 0;
    while (!(reader.heldRead?.op === "scan" && reader.heldRead.key.startsWith(items))) {
      expect(reader.state).toBe("held");
      h.read(reader);
      if (++guard > 100) throw new Error("no item scan");
    }
    // The pop lands between the meta reads and the item scan, at a commitTS the snapshot covers.
    h.apply(pop);
    expect(pop.result).toEqual({ type: "bulk", value: "y" });
    const result = h.finish(reader) as RedisReply;
    // One transaction: LLEN says two elements, LRANGE shows one.
    expect(result).toEqual({
      type: "array",
      value: [
        { type: "int", value: 2 },
        { type: "array", value: [{ type: "bulk", value: "x" }] },
      ],
    });
    expect(reader.reads.length).toBeGreaterThan(3);
  });

  it("the same schedule without the apply in between reads one snapshot", () => {
    const h = new Interleave();
    h.run("seed", execute(h.ctx, { name: "RPUSH", key: "k", values: ["x", "y"] }));
    const pop = h.start("rpop", execute(h.ctx, { name: "RPOP", key: "k" }));
    h.run("other", execute(h.ctx, { name: "RPUSH", key: "o", values: ["z"] }));
    const result = h.run(
      "exec",
      execute(h.ctx, {
        name: "EXEC",
        commands: [
          { name: "LLEN", key: "k" },
          { name: "LRANGE", key: "k", start: 0, stop: -1 },
        ],
      }),
    );
    h.apply(pop);
    expect(result).toEqual({
      type: "array",
      value: [
        { type: "int", value: 2 },
        {
          type: "array",
          value: [
            { type: "bulk", value: "x" },
            { type: "bulk", value: "y" },
          ],
        },
      ],
    });
  });
});
