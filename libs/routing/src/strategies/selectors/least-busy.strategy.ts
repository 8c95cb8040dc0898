import type { CandidateView, Ranking, SelectionContext, SelectorStrategy } from '../strategy.js';

/** Fewest requests in flight; ties are broken at random so idle candidates share the load. */
export class LeastBusySelector implements SelectorStrategy {
  readonly name = 'least_busy';

  rank(candidates: readonly CandidateView[], ctx: SelectionContext): Ranking {
    const keyed = candidates.map((c) => ({ c, busy: c.live?.inFlight ?? 0, tie: ctx.rng() }));
    keyed.sort((a, b) => a.busy - b.busy || a.tie - b.tie);
    return { ordered: keyed.map((k) => k.c), scores: keyed.map((k) => k.busy), legs: 1 };
  }
}
