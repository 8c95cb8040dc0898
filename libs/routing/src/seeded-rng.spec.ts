import { describe, expect, it } from 'vitest';
import { seededRng } from './seeded-rng.js';

describe('seededRng', () => {
  it('draws the same sequence for the same seed, and a different one for another seed', () => {
    const a = seededRng(42);
    const b = seededRng(42);
    const c = seededRng(43);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
  });

  it('stays in [0, 1) and spreads evenly over ten buckets', () => {
    const rng = seededRng(7);
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng();
      if (x < 0 || x >= 1) outside++;
      else buckets[Math.floor(x * 10)] += 1;
    }
    expect(outside).toBe(0);
    for (const n of buckets) expect(Math.abs(n / 100_000 - 0.1)).toBeLessThan(0.005);
  });
});
