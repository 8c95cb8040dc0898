import { byLatency, type CandidateView, chosenFirst, type Ranking, type SelectionContext, type SelectorStrategy } from '../strategy.js';

/**
 * Lowest rolling p95 among candidates with enough samples. Candidates below `minSamples` share
 * `warmupShare` of the traffic, so a new deployment earns data instead of starving.
 */
export class LatencySelector implements SelectorStrategy {
  readonly name = 'latency';
  constructor(
    private readonly minSamples: number,
    private readonly warmupShare: number,
  ) {}

  rank(candidates: readonly CandidateView[], ctx: SelectionContext): Ranking {
    const warm: CandidateView[] = [];
    const cold: CandidateView[] = [];
    for (const c of candidates) ((c.live?.samples ?? 0) >= this.minSamples && c.live?.p95Ms !== undefined ? warm : cold).push(c);
    warm.sort(byLatency);
    const byData = [...warm, ...cold];
    let chosen: CandidateView;
    if (cold.length === 0) chosen = warm[0]!;
    else if (warm.length === 0 || ctx.rng() < this.warmupShare) chosen = cold[Math.floor(ctx.rng() * cold.length)]!;
    else chosen = warm[0]!;
    const ordered = chosenFirst(chosen, byData);
    return { ordered, scores: ordered.map((c) => c.live?.p95Ms ?? null), legs: 1 };
  }
}
