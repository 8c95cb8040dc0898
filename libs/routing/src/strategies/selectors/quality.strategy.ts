import { byQuality, type CandidateView, type Ranking, type SelectorStrategy } from '../strategy.js';

/** The highest estimated quality within a cost ceiling and a p95 SLO; cheaper wins a tie. */
export class QualitySelector implements SelectorStrategy {
  readonly name = 'quality';
  constructor(
    private readonly maxUsd: number | undefined,
    private readonly p95Ms: number | undefined,
  ) {}

  rank(candidates: readonly CandidateView[]): Ranking {
    const { maxUsd, p95Ms } = this;
    const eligible = candidates.filter((c) => (maxUsd === undefined || c.costUsd <= maxUsd) && (p95Ms === undefined || c.live?.p95Ms === undefined || c.live.p95Ms <= p95Ms));
    eligible.sort(byQuality);
    return { ordered: eligible, scores: eligible.map((c) => c.quality ?? null), legs: eligible.length ? 1 : 0 };
  }
}
