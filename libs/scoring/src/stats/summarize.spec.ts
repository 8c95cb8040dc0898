import { describe, expect, it } from 'vitest';
import { summarize } from './summarize.js';

describe('summarize', () => {
  it('uses Wilson when every score is 0 or 1', () => {
    const s = summarize([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(s).toEqual({ n: 10, mean: 0.8, low: expect.closeTo(0.4902, 4) as number, high: expect.closeTo(0.9433, 4) as number, method: 'wilson' });
  });

  it('uses the bootstrap when any score is graded', () => {
    const s = summarize([1, 0.5, 0.75, 1, 0, 0.25, 1, 0.5]);
    expect(s.method).toBe('bootstrap');
    expect(s.n).toBe(8);
    expect(s.mean).toBeCloseTo(0.625, 12);
    expect(s.low).toBeLessThan(s.mean);
    expect(s.high).toBeGreaterThan(s.mean);
    expect(s.low).toBeGreaterThanOrEqual(0);
    expect(s.high).toBeLessThanOrEqual(1);
  });

  it('passes the confidence level to either method', () => {
    const wide = summarize([1, 1, 0, 1], { confidence: 0.99 });
    const narrow = summarize([1, 1, 0, 1], { confidence: 0.8 });
    expect(wide.high - wide.low).toBeGreaterThan(narrow.high - narrow.low);
  });

  it('refuses to summarize nothing', () => {
    expect(() => summarize([])).toThrow(/no scores/);
  });
});
