import { describe, expect, it } from 'vitest';
import { quantile, spread } from './load-stats.js';

describe('load stats', () => {
  it('interpolates quantiles between ranks, agreeing with the median at 0.5', () => {
    const values = [50, 10, 40, 20, 30];
    expect(quantile(values, 0.5)).toBe(30);
    expect(quantile(values, 0.9)).toBe(46);
    expect(quantile(values, 0)).toBe(10);
    expect(quantile(values, 1)).toBe(50);
    expect(quantile([], 0.9)).toBeNaN();
  });

  it('summarises trials in ms, rounded to 0.1', () => {
    expect(spread([101.04, 99.96, 300.25, 100.5])).toEqual({ n: 4, medianMs: 100.8, p90Ms: 240.5, minMs: 100, maxMs: 300.3 });
  });
});
