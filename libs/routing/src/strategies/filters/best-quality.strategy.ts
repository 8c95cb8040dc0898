import type { CandidateView, FilterStrategy } from '../strategy.js';

export class BestQualityFilter implements FilterStrategy {
  readonly name = 'best_quality';
  constructor(private readonly within: number) {}

  apply(candidates: readonly CandidateView[]): CandidateView[] {
    let best = -Infinity;
    for (const c of candidates) if (c.quality !== undefined && c.quality > best) best = c.quality;
    // No estimates at all: nothing to prefer, so nothing is dropped.
    if (best === -Infinity) return [...candidates];
    const limit = best - this.within - 1e-12;
    return candidates.filter((c) => c.quality !== undefined && c.quality >= limit);
  }
}
