import { seededRng } from '@switchyard/routing';
import { assertConfidence } from './distributions.js';
import { assertFinite, mean, type Interval } from './interval.js';
import { sortedQuantile } from './quantile.js';

export interface BootstrapOptions {
  iterations?: number;
  confidence?: number;
  /** Uniform [0, 1) source. Defaults to a fixed seed, so the same scores always give the same interval. */
  rng?: () => number;
}

export const DEFAULT_BOOTSTRAP_SEED = 0x5eed;

/**
 * Percentile bootstrap interval for the mean: resample the values with replacement `iterations`
 * times and take the (1 − confidence)/2 and (1 + confidence)/2 quantiles of the resampled means.
 * For graded scores (a judge's 0.0–1.0), where no closed form fits.
 */
export function bootstrapMeanInterval(values: readonly number[], options: BootstrapOptions = {}): Interval & { mean: number } {
  const { iterations = 2000, confidence = 0.95, rng = seededRng(DEFAULT_BOOTSTRAP_SEED) } = options;
  if (values.length === 0) throw new RangeError('bootstrapMeanInterval: no values');
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`bootstrapMeanInterval: iterations must be a positive integer, got ${iterations}`);
  assertConfidence(confidence);
  assertFinite('bootstrapMeanInterval', values);
  const n = values.length;
  const means = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += values[Math.floor(rng() * n)] ?? 0;
    means[i] = sum / n;
  }
  means.sort();
  const sorted = Array.from(means);
  const alpha = 1 - confidence;
  return { mean: mean(values), low: sortedQuantile(sorted, alpha / 2), high: sortedQuantile(sorted, 1 - alpha / 2) };
}
