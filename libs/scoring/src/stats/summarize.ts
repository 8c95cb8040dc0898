import { bootstrapMeanInterval, type BootstrapOptions } from './bootstrap-interval.js';
import { zForConfidence } from './distributions.js';
import { assertFinite, mean } from './interval.js';
import { wilsonInterval } from './wilson-interval.js';

export interface ScoreSummary {
  n: number;
  mean: number;
  low: number;
  high: number;
  method: 'wilson' | 'bootstrap';
}

/**
 * Mean score with its interval: Wilson when every score is 0 or 1 (pass/fail scorers, golden
 * grades), a percentile bootstrap otherwise (graded judge scores).
 */
export function summarize(scores: readonly number[], options: BootstrapOptions = {}): ScoreSummary {
  if (scores.length === 0) throw new RangeError('summarize: no scores');
  assertFinite('summarize', scores);
  const n = scores.length;
  if (scores.every((s) => s === 0 || s === 1)) {
    const successes = scores.filter((s) => s === 1).length;
    const { low, high } = wilsonInterval(successes, n, zForConfidence(options.confidence ?? 0.95));
    return { n, mean: successes / n, low, high, method: 'wilson' };
  }
  const { low, high } = bootstrapMeanInterval(scores, options);
  return { n, mean: mean(scores), low, high, method: 'bootstrap' };
}
