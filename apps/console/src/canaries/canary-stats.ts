import type { ArmStats } from './canary-steps.parse';

/** An estimate with its 95% interval and the count behind it. */
export interface Estimate {
  value: number;
  low: number;
  high: number;
  n: number;
}

// Two-sided 95% Student t critical values for 1..30 degrees of freedom; judged-call counts per arm
// can be small early in a step, where 1.96 would draw the interval far too narrow.
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
const Z975 = 1.959964;

/** The 97.5% quantile of Student's t: the table up to 30 df, a Cornish–Fisher expansion beyond (within 0.001). */
export function t975(df: number): number {
  if (!(df > 0)) return Number.POSITIVE_INFINITY;
  if (df <= 30) return T975[Math.max(0, Math.floor(df) - 1)];
  const z = Z975;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

/** One arm's mean judged quality with its t interval; null with fewer than two judged calls. */
export function armQuality(arm: ArmStats): Estimate | null {
  if (arm.meanScore === null || arm.scored < 2) return null;
  const se = Math.sqrt((arm.scoreVariance ?? 0) / arm.scored);
  const half = t975(arm.scored - 1) * se;
  return { value: arm.meanScore, low: arm.meanScore - half, high: arm.meanScore + half, n: arm.scored };
}

/**
 * Canary − control mean quality with Welch's 95% interval: the comparison the worker's verdict makes
 * (libs/scoring welchFromSummaries), recomputed here from the same per-arm summaries.
 */
export function qualityDifference(canary: ArmStats, control: ArmStats): Estimate | null {
  if (canary.meanScore === null || control.meanScore === null || canary.scored < 2 || control.scored < 2) return null;
  const va = (canary.scoreVariance ?? 0) / canary.scored;
  const vb = (control.scoreVariance ?? 0) / control.scored;
  const diff = canary.meanScore - control.meanScore;
  const se = Math.sqrt(va + vb);
  const n = canary.scored + control.scored;
  if (se === 0) return { value: diff, low: diff, high: diff, n };
  const df = (va + vb) ** 2 / (va ** 2 / (canary.scored - 1) + vb ** 2 / (control.scored - 1));
  const half = t975(df) * se;
  return { value: diff, low: diff - half, high: diff + half, n };
}

/** Error rate with a Wilson 95% interval (sound at 0 errors, where a normal interval collapses); null without calls. */
export function errorRate(calls: number, errors: number): Estimate | null {
  if (calls <= 0) return null;
  const n = calls;
  const p = errors / n;
  const z = Z975;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return { value: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half), n };
}
