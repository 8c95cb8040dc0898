import { byLatency, type CandidateView, type Ranking, type SelectorStrategy } from '../strategy.js';

/** The k fastest go out at once; the first complete answer wins. Fan-out is bounded by k (at most 4). */
export class RaceSelector implements SelectorStrategy {
  readonly name = 'race';
  constructor(private readonly k: number) {}

  rank(candidates: readonly CandidateView[]): Ranking {
    const ordered = [...candidates].sort(byLatency);
    return { ordered, scores: ordered.map((c) => c.live?.p95Ms ?? null), legs: Math.min(this.k, ordered.length) };
  }
}
