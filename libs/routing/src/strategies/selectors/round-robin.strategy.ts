import type { CandidateView, Ranking, SelectorStrategy } from '../strategy.js';

/** Takes turns over whichever candidates are available; the cursor lives as long as the policy version. */
export class RoundRobinSelector implements SelectorStrategy {
  readonly name = 'round_robin';
  private turn = 0;

  rank(candidates: readonly CandidateView[]): Ranking {
    const n = candidates.length;
    const start = this.turn++ % n;
    if (this.turn >= Number.MAX_SAFE_INTEGER) this.turn = 0;
    const ordered: CandidateView[] = new Array<CandidateView>(n);
    for (let i = 0; i < n; i++) ordered[i] = candidates[(start + i) % n]!;
    return { ordered, scores: ordered.map(() => null), legs: 1 };
  }
}
