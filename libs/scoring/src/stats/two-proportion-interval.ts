import { zForConfidence } from './distributions.js';
import { assertProportion, type Interval, type Proportion } from './interval.js';
import { wilsonInterval } from './wilson-interval.js';

export interface DifferenceInterval extends Interval {
  /** The point estimate of a − b. */
  diff: number;
}

/**
 * Interval for the difference of two independent proportions, a − b, by Newcombe's hybrid score
 * method (Newcombe 1998, method 10), built from each side's Wilson interval. It keeps its
 * coverage with small samples and rates near 0 or 1, where the Wald interval does not.
 */
export function twoProportionDiffInterval(a: Proportion, b: Proportion, options: { confidence?: number } = {}): DifferenceInterval {
  assertProportion('twoProportionDiffInterval (a)', a);
  assertProportion('twoProportionDiffInterval (b)', b);
  if (a.n === 0 || b.n === 0) throw new RangeError('twoProportionDiffInterval: each side needs n > 0');
  const z = zForConfidence(options.confidence ?? 0.95);
  const pa = a.successes / a.n;
  const pb = b.successes / b.n;
  const wa = wilsonInterval(a.successes, a.n, z);
  const wb = wilsonInterval(b.successes, b.n, z);
  const diff = pa - pb;
  return {
    diff,
    low: diff - Math.sqrt((pa - wa.low) ** 2 + (wb.high - pb) ** 2),
    high: diff + Math.sqrt((wa.high - pa) ** 2 + (pb - wb.low) ** 2),
  };
}

export type NonInferiorityVerdict = 'non_inferior' | 'inferior' | 'inconclusive';

/**
 * Reads a candidate − incumbent interval against a non-inferiority margin (a positive number, in
 * the score's units: 0.01 = one point): non-inferior when the whole interval is above −margin,
 * inferior when the whole interval is below it, otherwise not enough data yet.
 */
export function nonInferiorityVerdict(diff: Interval, margin: number): NonInferiorityVerdict {
  if (!(margin >= 0)) throw new RangeError(`nonInferiorityVerdict: margin must be >= 0, got ${margin}`);
  if (diff.low > -margin) return 'non_inferior';
  if (diff.high < -margin) return 'inferior';
  return 'inconclusive';
}
