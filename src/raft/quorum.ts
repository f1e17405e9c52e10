/**
 * Majority arithmetic for a fixed voter set 0..n-1 (etcd's `quorum` package, without joint
 * configurations: this model has no membership changes).
 */

/** Votes needed to win among n voters. */
export function majority(n: number): number {
  return (n >> 1) + 1;
}

/**
 * The largest value that at least `quorum` of xs[0..n) reach: with match indexes, the commit
 * index; with acknowledged heartbeat rounds, the last round a quorum confirmed. n is small, so a
 * quadratic scan that allocates nothing beats sorting a copy.
 */
export function quorumValue(xs: ArrayLike<number>, n: number, quorum: number): number {
  let best = 0;
  for (let i = 0; i < n; i++) {
    const v = xs[i];
    if (v <= best) continue;
    let count = 0;
    for (let j = 0; j < n; j++) if (xs[j] >= v) count++;
    if (count >= quorum) best = v;
  }
  return best;
}

export type VoteResult = "pending" | "won" | "lost";

const UNKNOWN = -1;
const NO = 0;
const YES = 1;

/** The votes of one election (or pre-election) round; a voter's first answer counts. */
export class VoteTally {
  private readonly votes: number[];

  constructor(
    private readonly n: number,
    private readonly quorum: number,
  ) {
    this.votes = new Array(n).fill(UNKNOWN);
  }

  reset(): void {
    this.votes.fill(UNKNOWN);
  }

  /** Records `from`'s answer (unless it already answered) and returns the outcome so far. */
  record(from: number, granted: boolean): VoteResult {
    if (this.votes[from] === UNKNOWN) this.votes[from] = granted ? YES : NO;
    return this.result();
  }

  result(): VoteResult {
    let yes = 0;
    let no = 0;
    for (let i = 0; i < this.n; i++) {
      const v = this.votes[i];
      if (v === YES) yes++;
      else if (v === NO) no++;
    }
    if (yes >= this.quorum) return "won";
    if (no > this.n - this.quorum) return "lost";
    return "pending";
  }

  /** `granted=2 rejected=1 of 5` (test output). */
  toString(): string {
    let yes = 0;
    let no = 0;
    for (const v of this.votes) {
      if (v === YES) yes++;
      else if (v === NO) no++;
    }
    return `granted=${yes} rejected=${no} of ${this.n}`;
  }
}
