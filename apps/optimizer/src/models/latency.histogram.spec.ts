import { seededRng } from '@switchyard/routing';
import { quantile } from '@switchyard/scoring';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency.histogram.js';

describe('LatencyHistogram', () => {
  it('gives p50 and p95 within one bin (~12%) of the exact quantiles', () => {
    const rand = seededRng(7);
    const h = new LatencyHistogram();
    const values: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      const ms = Math.exp(6 + 0.8 * (rand() + rand() + rand() - 1.5));
      values.push(ms);
      h.add(ms);
    }
    for (const q of [0.5, 0.95]) {
      const exact = quantile(values, q);
      expect(Math.abs(h.quantile(q) - exact) / exact).toBeLessThan(0.12);
    }
    expect(h.n).toBe(50_000);
  });
});
