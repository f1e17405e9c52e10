import { describe, expect, it } from "vitest";
import { allocateCommitTS } from "./coordinator.ts";
import { DirectNode } from "./direct.ts";

describe("DirectNode", () => {
  it("runs a dispatch serially against one store", () => {
    const n = new DirectNode();
    const r1 = n.dispatch({
      startTS: 0,
      commitTS: 0,
      readKeys: [],
      elems: [{ op: "put", key: "k", value: "1" }],
    });
    expect(r1.ok).toBe(true);
    const ts = n.store.lastCommitTS();
    expect(n.store.getAt("k", ts)).toBe("1");

    // A caller-supplied snapshot that is now stale conflicts.
    const r2 = n.dispatch({
      startTS: ts,
      commitTS: 0,
      readKeys: [],
      elems: [{ op: "put", key: "k", value: "2" }],
    });
    expect(r2.ok).toBe(true);
    const r3 = n.dispatch({ startTS: ts, commitTS: 0, readKeys: [], elems: [{ op: "del", key: "k" }] });
    expect(r3).toEqual({ ok: false, kind: "write-conflict", key: "k" });
    expect(n.store.getAt("k", n.store.lastCommitTS())).toBe("2");
  });

  it("hosts adapter-style pre-allocation and sleeps", () => {
    const n = new DirectNode({ startUs: 5_000_000 });
    const startTS = n.store.lastCommitTS();
    const c = n.run(allocateCommitTS(n.env, startTS));
    expect(c.ok).toBe(true);
    const commitTS = c.ok ? c.ts : 0;
    const r = n.dispatch({
      startTS: startTS || 0,
      commitTS,
      readKeys: [],
      elems: [{ op: "put", key: "a", value: "x" }],
    });
    expect(r).toEqual({ ok: true, commitTS });
    n.run(
      (function* () {
        yield { kind: "sleep", us: 1000 } as const;
      })(),
    );
    expect(n.nowUs).toBe(5_001_000);
  });
});
