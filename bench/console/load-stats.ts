import { median } from '../support/bench-report.js';

/** One timed quantity over the trials, in ms. */
export interface Spread {
  n: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
}

/** The q-quantile with linear interpolation between closest ranks (q = 0.5 gives the median). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

const round = (x: number): number => Number(x.toFixed(1));

export function spread(values: readonly number[]): Spread {
  return {
    n: values.length,
    medianMs: round(median(values)),
    p90Ms: round(quantile(values, 0.9)),
    minMs: round(Math.min(...values)),
    maxMs: round(Math.max(...values)),
  };
}
