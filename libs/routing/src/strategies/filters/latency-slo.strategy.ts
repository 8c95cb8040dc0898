import { type CandidateView, type FilterStrategy, p95 } from '../strategy.js';

export class LatencySloFilter implements FilterStrategy {
  readonly name = 'latency_slo';
  constructor(private readonly p95Ms: number) {}

  apply(candidates: readonly CandidateView[]): CandidateView[] {
    // A candidate without data passes, or it could never earn any.
    return candidates.filter((c) => {
      const p = p95(c);
      return p === undefined || p <= this.p95Ms;
    });
  }
}
