import type { CandidateView, Ranking, SelectorStrategy } from '../strategy.js';

/** The listed order is the preference order. */
export class FirstSelector implements SelectorStrategy {
  readonly name = 'first';

  rank(candidates: readonly CandidateView[]): Ranking {
    return { ordered: [...candidates], scores: candidates.map((c) => c.order), legs: 1 };
  }
}
