import { type CandidateView, type Ranking, type SelectionContext, type SelectorStrategy } from '../strategy.js';

/** A weighted random draw among the available candidates; an unavailable one's share is spread over the rest. */
export class WeightedSelector implements SelectorStrategy {
  readonly name = 'weighted';
  constructor(private readonly weights: Readonly<Record<string, number>>) {}

  rank(candidates: readonly CandidateView[], ctx: SelectionContext): Ranking {
    let total = 0;
    for (const c of candidates) total += this.weights[c.model.id] ?? 0;
    const scores = (list: readonly CandidateView[]): number[] => list.map((c) => this.weights[c.model.id] ?? 0);
    if (total <= 0) return { ordered: [...candidates], scores: scores(candidates), legs: 1 };
    let r = ctx.rng() * total;
    // Float rounding can leave r at the very end: the last weighted candidate takes it, never a zero-weight one.
    let chosen = candidates.findLast((c) => (this.weights[c.model.id] ?? 0) > 0) ?? candidates[0];
    for (const c of candidates) {
      const w = this.weights[c.model.id] ?? 0;
      if (r < w) {
        chosen = c;
        break;
      }
      r -= w;
    }
    // Fallbacks by weight, heaviest first.
    const rest = candidates.filter((c) => c !== chosen).sort((a, b) => (this.weights[b.model.id] ?? 0) - (this.weights[a.model.id] ?? 0) || a.order - b.order);
    const ordered = [chosen, ...rest];
    return { ordered, scores: scores(ordered), legs: 1 };
  }
}
