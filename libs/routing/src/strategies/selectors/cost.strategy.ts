import { byCost, type CandidateView, type Ranking, type SelectorStrategy } from '../strategy.js';

/** The cheapest candidate for this request whose quality meets the floor; below the floor is never chosen. */
export class CostSelector implements SelectorStrategy {
  readonly name = 'cost';
  constructor(private readonly minQuality: number | undefined) {}

  rank(candidates: readonly CandidateView[]): Ranking {
    const floor = this.minQuality;
    const eligible = floor === undefined ? [...candidates] : candidates.filter((c) => c.quality !== undefined && c.quality >= floor);
    eligible.sort(byCost);
    return { ordered: eligible, scores: eligible.map((c) => c.costUsd), legs: eligible.length ? 1 : 0 };
  }
}
