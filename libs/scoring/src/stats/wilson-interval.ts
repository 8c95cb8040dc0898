import { assertProportion, type Interval } from './interval.js';

/**
 * Wilson score interval for a binomial proportion. Unlike the Wald interval it stays inside
 * [0, 1] and keeps its coverage near 0 and 1 and at small n, which is where routing decisions
 * live (a model that got 19 of 20 right). With n = 0 it is [0, 1]: nothing is known.
 */
export function wilsonInterval(successes: number, n: number, z = 1.96): Interval {
  assertProportion('wilsonInterval', { successes, n });
  if (!(z > 0)) throw new RangeError(`wilsonInterval: z must be > 0, got ${z}`);
  if (n === 0) return { low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // Clamped: at 0/n and n/n rounding can land a hair outside [0, 1].
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) };
}
