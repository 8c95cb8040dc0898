import { describe, expect, it } from 'vitest';
import { welchFromSummaries, welchInterval } from './welch-interval.js';

// The worked examples in Wikipedia's "Welch's t-test"; the full-precision values are
// scipy.stats.ttest_ind(a, b, equal_var=False) and its confidence_interval(0.95).
describe('welchInterval', () => {
  it('example 1: t = −2.46, df ≈ 25.0, p = 0.021', () => {
    const a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const r = welchInterval(a, b);
    expect(r.t).toBeCloseTo(-2.455356398286006, 9);
    expect(r.df).toBeCloseTo(24.988529290231416, 9);
    expect(r.p).toBeCloseTo(0.021378001462866992, 9);
    expect(r.diff).toBeCloseTo(-2.166666666666668, 9);
    expect(r.low).toBeCloseTo(-3.984096267140929, 7);
    expect(r.high).toBeCloseTo(-0.3492370661924069, 7);
  });

  it('example 2 (unequal sizes and variances): t = −1.57, df ≈ 9.9, p = 0.149', () => {
    const a = [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8];
    const b = [21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8];
    const r = welchInterval(a, b);
    expect(r.t).toBeCloseTo(-1.5654335235985037, 9);
    expect(r.df).toBeCloseTo(9.904741248650831, 9);
    expect(r.p).toBeCloseTo(0.14884169660532817, 9);
    expect(r.low).toBeCloseTo(-3.698421325375163, 7);
    expect(r.high).toBeCloseTo(0.6484213253751658, 7);
  });

  it('handles two constant samples', () => {
    expect(welchInterval([1, 1, 1], [1, 1])).toMatchObject({ diff: 0, low: 0, high: 0, p: 1 });
    expect(welchInterval([1, 1], [0, 0])).toMatchObject({ diff: 1, low: 1, high: 1, p: 0 });
  });

  it('needs two values a side', () => {
    expect(() => welchInterval([1], [1, 2])).toThrow(/at least 2/);
  });
});

describe('welchFromSummaries', () => {
  it('matches the interval computed from the raw values', () => {
    const a = [0.9, 0.8, 1, 0.7, 0.95, 0.85];
    const b = [0.6, 0.75, 0.8, 0.55, 0.7];
    const m = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    const v = (xs: number[]): number => xs.reduce((s, x) => s + (x - m(xs)) ** 2, 0) / (xs.length - 1);
    const fromRaw = welchInterval(a, b);
    const fromSummary = welchFromSummaries({ n: a.length, mean: m(a), variance: v(a) }, { n: b.length, mean: m(b), variance: v(b) });
    for (const key of ['diff', 'low', 'high', 't', 'df', 'p'] as const) expect(fromSummary[key]).toBeCloseTo(fromRaw[key], 12);
  });
});
