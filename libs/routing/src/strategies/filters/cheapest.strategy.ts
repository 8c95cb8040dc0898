import type { CandidateView, FilterStrategy } from '../strategy.js';

export class CheapestFilter implements FilterStrategy {
  readonly name = 'cheapest';
  constructor(private readonly within: number) {}

  apply(candidates: readonly CandidateView[]): CandidateView[] {
    let min = Infinity;
    for (const c of candidates) if (c.costUsd < min) min = c.costUsd;
    // A relative margin; the epsilon keeps equal float costs together.
    const limit = min * (1 + this.within) + 1e-15;
    return candidates.filter((c) => c.costUsd <= limit);
  }
}
