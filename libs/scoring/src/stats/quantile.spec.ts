import { describe, expect, it } from 'vitest';
import { quantile, quantiles } from './quantile.js';

// NumPy's default (linear, type 7): np.quantile(range(1, 11), [0, .25, .5, .9, 1]) = [1, 3.25, 5.5, 9.1, 10].
describe('quantile', () => {
  const values = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6];

  it('interpolates linearly between order statistics, as R and NumPy do by default', () => {
    expect(quantiles(values, [0, 0.25, 0.5, 0.9, 1])).toEqual([1, 3.25, 5.5, expect.closeTo(9.1, 12) as number, 10]);
    expect(quantile([3, 1, 2], 0.1)).toBeCloseTo(1.2, 12);
    expect(quantile([42], 0.95)).toBe(42);
  });

  it('does not reorder its input', () => {
    const copy = [...values];
    quantile(values, 0.5);
    expect(values).toEqual(copy);
  });

  it('rejects an empty list, q outside [0, 1] and non-finite values', () => {
    expect(() => quantile([], 0.5)).toThrow(/no values/);
    expect(() => quantile(values, 1.5)).toThrow(/q must be/);
    expect(() => quantile([1, Number.NaN], 0.5)).toThrow(/not a finite number/);
  });
});
