import type { ModelQuality } from '@switchyard/db';
import { wilsonInterval } from '@switchyard/scoring';

/** The optimizer's quality floor for the workload (`optimizer.qualityFloor`). */
export type ExplorationFloor = { kind: 'relative'; share: number } | { kind: 'absolute'; min: number };

export interface EliminationInput {
  /** The model that served the call: the incumbent the candidates must beat on cost. */
  served: string;
  /** Candidates listed for probing (the served model among them is ignored). */
  models: readonly string[];
  /** Judged quality per model on this workload (live and shadow scores of the same judge). */
  quality: readonly ModelQuality[];
  /** What the call would have cost on each model, at its price and the served call's token counts. */
  costOf: (model: string) => number | undefined;
  floor: ExplorationFloor;
  /** Scores a model needs before its interval may rule it out. */
  minSamples: number;
  /** Normal quantile of the intervals. */
  z: number;
}

export interface EliminationResult {
  /** Worth probing: unexplored, or cheaper than the served model with a quality bound that still reaches the floor. */
  eligible: string[];
  /** Not worth a probe now, with why. */
  ruledOut: { model: string; why: 'below-floor' | 'pricier' }[];
}

/**
 * Successive elimination over workload × model (the bandit logic LOOP.md asks of exploration): a
 * probe is only worth its price for a candidate that could still be proposed, i.e. one cheaper than
 * the incumbent whose upper confidence bound on quality clears the floor. Candidates whose whole
 * interval sits below the floor stop getting probes, so the budget goes to the ones still in doubt.
 *
 * Judged means are compared uncalibrated: judge noise pulls every mean toward the middle, which makes
 * ratios to the incumbent look closer to 1 than they are, so this errs toward keeping a candidate.
 * For the same reason an absolute floor (set on the calibrated scale) rules nothing out by quality.
 */
export function eliminateTargets(input: EliminationInput): EliminationResult {
  const byModel = new Map(input.quality.map((q) => [q.model, q]));
  const incumbent = byModel.get(input.served);
  const incumbentCost = input.costOf(input.served);
  const floor = floorValue(input.floor, incumbent, input.minSamples);
  const upperBound = (q: ModelQuality): number => wilsonInterval(Math.round(q.mean * q.n), q.n, input.z).high;
  // Under an absolute floor the incumbent itself may fall short: then pricier models are the fix.
  // (Raw against calibrated scale: a wrong call here only widens exploration, never narrows it.)
  const incumbentShort = input.floor.kind === 'absolute' && incumbent !== undefined && incumbent.n >= input.minSamples && upperBound(incumbent) < input.floor.min;

  const eligible: string[] = [];
  const ruledOut: EliminationResult['ruledOut'] = [];
  for (const model of input.models) {
    if (model === input.served) continue;
    const cost = input.costOf(model);
    if (!incumbentShort && cost !== undefined && incumbentCost !== undefined && cost > incumbentCost) {
      ruledOut.push({ model, why: 'pricier' });
      continue;
    }
    const q = byModel.get(model);
    // Wilson needs whole successes; a graded score's variance is at most a 0/1 score's of the same mean.
    if (floor !== undefined && q !== undefined && q.n >= input.minSamples && upperBound(q) < floor) {
      ruledOut.push({ model, why: 'below-floor' });
      continue;
    }
    eligible.push(model);
  }
  return { eligible, ruledOut };
}

/** The floor on the judged scale; undefined while the incumbent has too few scores to anchor a relative one. */
function floorValue(floor: ExplorationFloor, incumbent: ModelQuality | undefined, minSamples: number): number | undefined {
  if (floor.kind === 'absolute') return undefined;
  if (!incumbent || incumbent.n < minSamples) return undefined;
  return floor.share * incumbent.mean;
}
