/** A two-sided confidence interval. */
export interface Interval {
  low: number;
  high: number;
}

export interface Proportion {
  successes: number;
  n: number;
}

export const mean = (values: readonly number[]): number => {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
};

/** Sample variance (n − 1 denominator). */
export const sampleVariance = (values: readonly number[]): number => {
  const m = mean(values);
  let sum = 0;
  for (const v of values) sum += (v - m) * (v - m);
  return sum / (values.length - 1);
};

export function assertFinite(name: string, values: readonly number[]): void {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${name}: values[${bad}] is not a finite number (${values[bad]})`);
}

export function assertProportion(name: string, p: Proportion): void {
  const { successes, n } = p;
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`${name}: needs integers 0 <= successes <= n, got ${successes}/${n}`);
  }
}
