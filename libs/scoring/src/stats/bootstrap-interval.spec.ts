import { seededRng } from '@switchyard/routing';
import { describe, expect, it } from 'vitest';
import { bootstrapMeanInterval } from './bootstrap-interval.js';

describe('bootstrapMeanInterval', () => {
  const graded = Array.from({ length: 200 }, (_, i) => ((i * 37) % 101) / 100);

  it('brackets the mean, and agrees with the normal-theory interval on a large sample', () => {
    const r = bootstrapMeanInterval(graded, { rng: seededRng(1) });
    const m = graded.reduce((a, b) => a + b, 0) / graded.length;
    const sd = Math.sqrt(graded.reduce((a, b) => a + (b - m) ** 2, 0) / (graded.length - 1));
    const half = (1.96 * sd) / Math.sqrt(graded.length);
    expect(r.mean).toBeCloseTo(m, 12);
    expect(r.low).toBeLessThan(m);
    expect(r.high).toBeGreaterThan(m);
    // The percentile bootstrap of a mean converges to mean ± z·s/√n; 2000 resamples land within a few percent of it.
    expect(r.low).toBeCloseTo(m - half, 2);
    expect(r.high).toBeCloseTo(m + half, 2);
  });

  it('is deterministic for a seed, and by default', () => {
    expect(bootstrapMeanInterval(graded, { rng: seededRng(7) })).toEqual(bootstrapMeanInterval(graded, { rng: seededRng(7) }));
    expect(bootstrapMeanInterval(graded)).toEqual(bootstrapMeanInterval(graded));
  });

  it('widens with the confidence level', () => {
    const c90 = bootstrapMeanInterval(graded, { confidence: 0.9 });
    const c99 = bootstrapMeanInterval(graded, { confidence: 0.99 });
    expect(c99.high - c99.low).toBeGreaterThan(c90.high - c90.low);
  });

  it('collapses on constant values and on one value', () => {
    expect(bootstrapMeanInterval([0.5, 0.5, 0.5])).toEqual({ mean: 0.5, low: 0.5, high: 0.5 });
    expect(bootstrapMeanInterval([0.3], { iterations: 10 })).toEqual({ mean: 0.3, low: 0.3, high: 0.3 });
  });

  it('rejects bad input', () => {
    expect(() => bootstrapMeanInterval([])).toThrow(/no values/);
    expect(() => bootstrapMeanInterval([1], { iterations: 0 })).toThrow(/iterations/);
    expect(() => bootstrapMeanInterval([1], { confidence: 95 })).toThrow(/confidence/);
  });
});
