import { assertFinite } from './interval.js';

/** Quantile of already-sorted values by linear interpolation (Hyndman & Fan type 7: R's and NumPy's default). */
export function sortedQuantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile: no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] ?? Number.NaN;
  return a + (h - lo) * (b - a);
}

/** The q-quantile (0.5 = median, 0.95 = p95) by linear interpolation between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  return quantiles(values, [q])[0] ?? Number.NaN;
}

/** Several quantiles with one sort. */
export function quantiles(values: readonly number[], qs: readonly number[]): number[] {
  assertFinite('quantile', values);
  const sorted = [...values].sort((a, b) => a - b);
  return qs.map((q) => sortedQuantile(sorted, q));
}
