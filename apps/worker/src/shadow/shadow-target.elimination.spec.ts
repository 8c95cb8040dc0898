import type { ModelQuality } from '@switchyard/db';
import { describe, expect, it } from 'vitest';
import { type EliminationInput, eliminateTargets } from './shadow-target.elimination.js';

const PRICES: Record<string, number> = { big: 10, good: 1, weak: 0.5, fresh: 0.2, pricey: 20 };

const input = (quality: ModelQuality[], overrides: Partial<EliminationInput> = {}): EliminationInput => ({
  served: 'big',
  models: ['good', 'weak', 'fresh', 'pricey'],
  quality,
  costOf: (m) => PRICES[m],
  floor: { kind: 'relative', share: 0.9 },
  minSamples: 30,
  z: 1.96,
  ...overrides,
});

const q = (model: string, n: number, mean: number): ModelQuality => ({ model, n, mean });

describe('eliminateTargets', () => {
  it('rules out a cheaper model whose whole interval is below the floor, and any pricier one', () => {
    // Floor 0.9 × 0.9 = 0.81. weak: 0.5 on 60 (upper bound ~0.62); good: 0.8 on 60 (upper ~0.89).
    const r = eliminateTargets(input([q('big', 200, 0.9), q('good', 60, 0.8), q('weak', 60, 0.5)]));
    expect(r.eligible).toEqual(['good', 'fresh']);
    expect(r.ruledOut).toEqual([
      { model: 'weak', why: 'below-floor' },
      { model: 'pricey', why: 'pricier' },
    ]);
  });

  it('keeps a model until it has the minimum of scores, however bad they look', () => {
    const r = eliminateTargets(input([q('big', 200, 0.9), q('weak', 29, 0)]));
    expect(r.eligible).toContain('weak');
  });

  it('rules nothing out by quality while the incumbent has too few scores to anchor a relative floor', () => {
    const r = eliminateTargets(input([q('big', 10, 0.9), q('weak', 100, 0.1)]));
    expect(r.eligible).toEqual(['good', 'weak', 'fresh']);
  });

  it('never lists the served model, and keeps models it cannot price', () => {
    const r = eliminateTargets(input([], { models: ['big', 'good', 'unpriced'], costOf: (m) => PRICES[m] }));
    expect(r.eligible).toEqual(['good', 'unpriced']);
  });

  it('under an absolute floor rules out by price only, unless the incumbent itself falls short', () => {
    const quality = [q('big', 200, 0.9), q('weak', 100, 0.1)];
    const met = eliminateTargets(input(quality, { floor: { kind: 'absolute', min: 0.8 } }));
    expect(met.eligible).toEqual(['good', 'weak', 'fresh']);
    expect(met.ruledOut).toEqual([{ model: 'pricey', why: 'pricier' }]);
    // The incumbent's upper bound under the floor: a pricier model may be the fix, so it is explored.
    const short = eliminateTargets(input([q('big', 200, 0.5)], { floor: { kind: 'absolute', min: 0.8 } }));
    expect(short.eligible).toEqual(['good', 'weak', 'fresh', 'pricey']);
  });
});
