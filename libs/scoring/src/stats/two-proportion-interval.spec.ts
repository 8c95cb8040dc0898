import { describe, expect, it } from 'vitest';
import { nonInferiorityVerdict, twoProportionDiffInterval } from './two-proportion-interval.js';

// Newcombe (1998), "Interval estimation for the difference between independent proportions",
// Statistics in Medicine 17:873–890, Table II, method 10 (score interval, no continuity correction).
describe('twoProportionDiffInterval (Newcombe hybrid score)', () => {
  it.each([
    [56, 70, 48, 80, 0.2, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.6, 0.1705, 0.809],
    [5, 56, 0, 29, 0.0893, -0.0381, 0.1926],
  ])('%s/%s − %s/%s = %s [%s, %s]', (sa, na, sb, nb, diff, low, high) => {
    const r = twoProportionDiffInterval({ successes: sa, n: na }, { successes: sb, n: nb });
    expect(r.diff).toBeCloseTo(diff, 4);
    expect(r.low).toBeCloseTo(low, 4);
    expect(r.high).toBeCloseTo(high, 4);
  });

  it('is antisymmetric in its arguments', () => {
    const ab = twoProportionDiffInterval({ successes: 30, n: 40 }, { successes: 20, n: 35 });
    const ba = twoProportionDiffInterval({ successes: 20, n: 35 }, { successes: 30, n: 40 });
    expect(ba.diff).toBeCloseTo(-ab.diff, 12);
    expect(ba.low).toBeCloseTo(-ab.high, 12);
    expect(ba.high).toBeCloseTo(-ab.low, 12);
  });

  it('rejects an empty side', () => {
    expect(() => twoProportionDiffInterval({ successes: 0, n: 0 }, { successes: 1, n: 2 })).toThrow(/n > 0/);
  });
});

describe('nonInferiorityVerdict', () => {
  it('reads the interval against the margin', () => {
    expect(nonInferiorityVerdict({ low: -0.005, high: 0.02 }, 0.01)).toBe('non_inferior');
    expect(nonInferiorityVerdict({ low: -0.05, high: -0.02 }, 0.01)).toBe('inferior');
    expect(nonInferiorityVerdict({ low: -0.03, high: 0.02 }, 0.01)).toBe('inconclusive');
  });

  it('on a canary: 412 of 450 against an incumbent at 830 of 900, one-point margin', () => {
    const diff = twoProportionDiffInterval({ successes: 412, n: 450 }, { successes: 830, n: 900 });
    expect(nonInferiorityVerdict(diff, 0.01)).toBe('inconclusive');
    expect(nonInferiorityVerdict(diff, 0.05)).toBe('non_inferior');
  });
});
