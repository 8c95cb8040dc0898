import { assertConfidence, studentTCdf, studentTQuantile } from './distributions.js';
import { assertFinite, mean, sampleVariance } from './interval.js';
import type { DifferenceInterval } from './two-proportion-interval.js';

export interface WelchResult extends DifferenceInterval {
  /** The t statistic for mean(a) − mean(b). */
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value for equal means. */
  p: number;
}

/**
 * Welch's t interval and test for mean(a) − mean(b), without assuming equal variances: for graded
 * scores in the canary, where the two arms' spreads differ.
 */
export function welchInterval(a: readonly number[], b: readonly number[], options: { confidence?: number } = {}): WelchResult {
  if (a.length < 2 || b.length < 2) throw new RangeError(`welchInterval: each side needs at least 2 values, got ${a.length} and ${b.length}`);
  assertFinite('welchInterval (a)', a);
  assertFinite('welchInterval (b)', b);
  return welchFromSummaries({ n: a.length, mean: mean(a), variance: sampleVariance(a) }, { n: b.length, mean: mean(b), variance: sampleVariance(b) }, options);
}

/** A sample described by its size, mean and sample variance, as SQL aggregates give it. */
export interface SampleSummary {
  n: number;
  mean: number;
  /** Sample variance (n − 1 in the denominator). */
  variance: number;
}

/** Welch's interval from summaries: the canary compares arms aggregated in Postgres, not raw scores. */
export function welchFromSummaries(a: SampleSummary, b: SampleSummary, options: { confidence?: number } = {}): WelchResult {
  const confidence = options.confidence ?? 0.95;
  assertConfidence(confidence);
  if (a.n < 2 || b.n < 2) throw new RangeError(`welchFromSummaries: each side needs at least 2 values, got ${a.n} and ${b.n}`);
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const diff = a.mean - b.mean;
  const se = Math.sqrt(va + vb);
  if (se === 0) {
    // Both sides constant: the difference is known exactly.
    return { diff, low: diff, high: diff, t: diff === 0 ? 0 : Math.sign(diff) * Infinity, df: a.n + b.n - 2, p: diff === 0 ? 1 : 0 };
  }
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = diff / se;
  const critical = studentTQuantile(1 - (1 - confidence) / 2, df);
  const p = Math.min(1, 2 * studentTCdf(-Math.abs(t), df));
  return { diff, low: diff - critical * se, high: diff + critical * se, t, df, p };
}
