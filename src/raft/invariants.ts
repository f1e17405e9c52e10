/**
 * White-box Raft safety checks, run on every append, commit, election and apply the host sees.
 * Each is O(1) per entry, so they stay on in fuzz runs.
 *
 * - Election safety: at most one leader per term.
 * - Log matching: an (index, term) pair names one entry, always preceded by the same term. By
 *   induction on the index that is the log matching property (same (index, term) ⇒ same prefix),
 *   checked incrementally instead of comparing whole logs. Entries are compared by identity: an
 *   entry object is created once, by the leader of its term, and shared by every copy.
 * - Leader completeness: a new leader's log holds the highest entry known committed (log matching
 *   then covers everything before it).
 * - State-machine safety: no two nodes apply (or commit) different entries at one index.
 */
import type { Entry } from "./raft.ts";

export type InvariantName =
  | "invariant:election-safety"
  | "invariant:log-matching"
  | "invariant:leader-completeness"
  | "invariant:state-machine-safety";

export class InvariantViolation extends Error {
  override name: InvariantName;
  /** Simulated time of detection, when known. */
  readonly atUs: number | undefined;

  constructor(name: InvariantName, message: string, atUs?: number) {
    super(message);
    this.name = name;
    this.atUs = atUs;
  }
}

interface IndexTermRec {
  term: number;
  prevTerm: number;
  entry: unknown;
  next: IndexTermRec | undefined;
}

export interface RaftInvariantOptions {
  /** Throw the first violation instead of only recording it. */
  throwOnViolation?: boolean;
  /** Simulated clock, to stamp violations. */
  now?: () => number;
}

export class RaftInvariants {
  /** The first violation seen (later ones are counted, not kept). */
  first: InvariantViolation | undefined;
  count = 0;

  private readonly throwOnViolation: boolean;
  private readonly now: (() => number) | undefined;
  private readonly leaders = new Map<number, number>();
  private readonly byIndex: Array<IndexTermRec | undefined> = [];
  private readonly committedAt: unknown[] = [];
  private maxCommitted = 0;
  private readonly appliedAt: unknown[] = [];

  constructor(opts?: RaftInvariantOptions) {
    this.throwOnViolation = opts?.throwOnViolation ?? false;
    this.now = opts?.now;
  }

  /** Highest index known committed anywhere. */
  get committedIndex(): number {
    return this.maxCommitted;
  }

  /** Node became leader of term with this log (log[i] is entry i, log[0] a sentinel). */
  leaderElected<T>(node: number, term: number, log: readonly Entry<T>[]): void {
    const prev = this.leaders.get(term);
    if (prev !== undefined && prev !== node) {
      this.violate("invariant:election-safety", `nodes ${prev} and ${node} are both leader of term ${term}`);
    } else {
      this.leaders.set(term, node);
    }
    const c = this.maxCommitted;
    if (c > 0 && (c >= log.length || log[c] !== this.committedAt[c])) {
      const have = c < log.length ? `term ${log[c].term}` : `log ends at ${log.length - 1}`;
      const want = (this.committedAt[c] as Entry<T>).term;
      this.violate(
        "invariant:leader-completeness",
        `node ${node}, leader of term ${term}, lacks committed entry ${c} of term ${want} (${have})`,
      );
    }
  }

  /** Node appended entries (consecutive), the first preceded in its log by an entry of prevTerm. */
  appended<T>(node: number, entries: readonly Entry<T>[], prevTerm: number): void {
    let pt = prevTerm;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k];
      let rec = this.byIndex[e.index];
      while (rec !== undefined && rec.term !== e.term) rec = rec.next;
      if (rec === undefined) {
        this.byIndex[e.index] = { term: e.term, prevTerm: pt, entry: e, next: this.byIndex[e.index] };
      } else if (rec.entry !== e) {
        this.violate(
          "invariant:log-matching",
          `node ${node} holds a different entry at index ${e.index} term ${e.term} than another node`,
        );
      } else if (rec.prevTerm !== pt) {
        this.violate(
          "invariant:log-matching",
          `node ${node} has entry ${e.index} of term ${e.term} after an entry of term ${pt}; another node after term ${rec.prevTerm}`,
        );
      }
      pt = e.term;
    }
  }

  /** Node's commit index is now `commit` (made durable); log[i] is its entry i. */
  committed<T>(node: number, commit: number, log: readonly Entry<T>[]): void {
    if (commit >= log.length) return;
    const known = this.maxCommitted;
    if (commit <= known) {
      if (commit > 0 && this.committedAt[commit] !== log[commit]) {
        this.violate(
          "invariant:state-machine-safety",
          `node ${node} committed entry ${commit} of term ${log[commit].term}; another node committed term ${(this.committedAt[commit] as Entry<T>).term}`,
        );
      }
      return;
    }
    if (known > 0 && log[known] !== this.committedAt[known]) {
      this.violate(
        "invariant:state-machine-safety",
        `node ${node} committed up to ${commit} over a different entry ${known} than another node`,
      );
    }
    for (let i = known + 1; i <= commit; i++) this.committedAt[i] = log[i];
    this.maxCommitted = commit;
  }

  /** Node applied entry. */
  applied<T>(node: number, e: Entry<T>): void {
    const prev = this.appliedAt[e.index];
    if (prev === undefined) {
      this.appliedAt[e.index] = e;
    } else if (prev !== e) {
      this.violate(
        "invariant:state-machine-safety",
        `node ${node} applied entry ${e.index} of term ${e.term}; another node applied term ${(prev as Entry<T>).term} there`,
      );
    }
  }

  /** Records (or throws) a violation found elsewhere. */
  violate(name: InvariantName, message: string): void {
    this.count++;
    const v = new InvariantViolation(name, message, this.now?.());
    this.first ??= v;
    if (this.throwOnViolation) throw v;
  }
}
