import type { QualityFloor } from '@switchyard/config';
import type { ModelQuality } from '@switchyard/db';
import { wilsonInterval } from '@switchyard/scoring';


export interface EliminationInput {
  /** The model that served the call: the incumbent the candidates must beat on cost. */
  served: string;
  /** Candidates listed for probing (the served model among them is ignored). */
  models: readonly string[];
  /** Judged quality per model on this workload (live and shadow scores of the same judge). */
  quality: readonly ModelQuality[];
  /** The optimizer's quality floor for the workload (`optimizer.qualityFloor`). */
  floor: QualityFloor;
  /** Scores a model needs before its interval may rule it out. */
  minSamples: number;
  /** Normal quantile of the intervals. */
  z: number;
}

export interface EliminationResult {
  /** Worth probing: unexplored, or with a quality bound that still reaches the floor. */
  eligible: string[];
  /** Not worth a probe now: the whole quality interval is below the floor. */
  ruledOut: string[];
}

/**
 * Successive elimination over workload × model (the bandit logic LOOP.md asks of exploration): a
 * probe is only worth its price for a candidate that could still be proposed, one whose upper
 * confidence bound on quality clears the floor. Candidates whose whole interval sits below the floor
 * stop getting probes, so the budget goes to the ones still in doubt.
 *
 * Price rules nothing out: a model dearer than the incumbent is what a drift proposal moves to, and
 * only the optimizer knows when the incumbent has drifted (a relative floor then keeps its quality
 * from before the drop). Judged means are compared uncalibrated: judge noise pulls every mean toward
 * the middle, which makes ratios to the incumbent look closer to 1 than they are, so this errs toward
 * keeping a candidate. For the same reason an absolute floor (set on the calibrated scale) rules
 * nothing out.
 */
export function eliminateTargets(input: EliminationInput): EliminationResult {
  const byModel = new Map(input.quality.map((q) => [q.model, q]));
  const floor = floorValue(input.floor, byModel.get(input.served), input.minSamples);
  const eligible: string[] = [];
  const ruledOut: string[] = [];
  for (const model of input.models) {
    if (model === input.served) continue;
    const q = byModel.get(model);
    // Wilson needs whole successes; a graded score's variance is at most a 0/1 score's of the same mean.
    const below = floor !== undefined && q !== undefined && q.n >= input.minSamples && wilsonInterval(Math.round(q.mean * q.n), q.n, input.z).high < floor;
    (below ? ruledOut : eligible).push(model);
  }
  return { eligible, ruledOut };
}

/** The floor on the judged scale; undefined while the incumbent has too few scores to anchor a relative one. */
function floorValue(floor: QualityFloor, incumbent: ModelQuality | undefined, minSamples: number): number | undefined {
  if (floor.kind === 'absolute') return undefined;
  if (!incumbent || incumbent.n < minSamples) return undefined;
  return floor.share * incumbent.mean;
}
