import { type CandidateView, type FilterStrategy, p95 } from '../strategy.js';

/** Without data first (so a new candidate gets tried and measured), then fastest first. */
const coldFirst = (a: CandidateView, b: CandidateView): number => (p95(a) ?? -1) - (p95(b) ?? -1) || a.order - b.order;

export class FastestFilter implements FilterStrategy {
  readonly name = 'fastest';
  constructor(private readonly k: number) {}

  apply(candidates: readonly CandidateView[]): CandidateView[] {
    if (candidates.length <= this.k) return [...candidates];
    const keep = new Set([...candidates].sort(coldFirst).slice(0, this.k));
    return candidates.filter((c) => keep.has(c));
  }
}
