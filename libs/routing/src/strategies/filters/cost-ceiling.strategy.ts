import type { CandidateView, FilterStrategy } from '../strategy.js';

export class CostCeilingFilter implements FilterStrategy {
  readonly name = 'cost_ceiling';
  constructor(private readonly maxUsd: number) {}

  apply(candidates: readonly CandidateView[]): CandidateView[] {
    return candidates.filter((c) => c.costUsd <= this.maxUsd);
  }
}
