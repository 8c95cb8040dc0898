import type { CandidateView, FilterStrategy } from '../strategy.js';

export class QualityFloorFilter implements FilterStrategy {
  readonly name = 'quality_floor';
  constructor(private readonly min: number) {}

  apply(candidates: readonly CandidateView[]): CandidateView[] {
    // Unknown quality never clears a floor: the floor is a promise about quality.
    return candidates.filter((c) => c.quality !== undefined && c.quality >= this.min);
  }
}
