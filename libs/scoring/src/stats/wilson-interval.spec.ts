import { describe, expect, it } from 'vitest';
import { wilsonInterval } from './wilson-interval.js';

describe('wilsonInterval', () => {
  it('8/10 is [0.4902, 0.9433] (the textbook example)', () => {
    const { low, high } = wilsonInterval(8, 10);
    expect(low).toBeCloseTo(0.4902, 4);
    expect(high).toBeCloseTo(0.9433, 4);
  });

  it('81/263 is [0.2553, 0.3662] (Newcombe 1998, single-proportion paper, method 3)', () => {
    const { low, high } = wilsonInterval(81, 263);
    expect(low).toBeCloseTo(0.2553, 4);
    expect(high).toBeCloseTo(0.3662, 4);
  });

  it('stays inside [0, 1] at 0/n and n/n', () => {
    expect(wilsonInterval(0, 10)).toEqual({ low: 0, high: expect.closeTo(0.2775, 4) as number });
    expect(wilsonInterval(10, 10)).toEqual({ low: expect.closeTo(0.7225, 4) as number, high: 1 });
  });

  it('knows nothing at n = 0, and narrows as n grows', () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
    const small = wilsonInterval(8, 10);
    const large = wilsonInterval(800, 1000);
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 10)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 10)).toThrow(RangeError);
  });
});
