import type { ModelQuality } from '@switchyard/db';
import { describe, expect, it } from 'vitest';
import { type EliminationInput, eliminateTargets } from './shadow-target.elimination.js';

const input = (quality: ModelQuality[], overrides: Partial<EliminationInput> = {}): EliminationInput => ({
  served: 'big',
  models: ['good', 'weak', 'fresh', 'better'],
  quality,
  floor: { kind: 'relative', share: 0.9 },
  minSamples: 30,
  z: 1.96,
  ...overrides,
});

const q = (model: string, n: number, mean: number): ModelQuality => ({ model, n, mean });

describe('eliminateTargets', () => {
  it('rules out a model whose whole interval is below the floor, and keeps the ones still in doubt or above it', () => {
    // Floor 0.9 × 0.9 = 0.81. weak: 0.5 on 60 (upper bound ~0.62); good: 0.8 on 60 (upper ~0.89); better: 0.95 on 60.
    const r = eliminateTargets(input([q('big', 200, 0.9), q('good', 60, 0.8), q('weak', 60, 0.5), q('better', 60, 0.95)]));
    expect(r.eligible).toEqual(['good', 'fresh', 'better']);
    expect(r.ruledOut).toEqual(['weak']);
  });

  it('keeps a model until it has the minimum of scores, however bad they look', () => {
    const r = eliminateTargets(input([q('big', 200, 0.9), q('weak', 29, 0)]));
    expect(r.eligible).toContain('weak');
  });

  it('rules nothing out while the incumbent has too few scores to anchor a relative floor', () => {
    const r = eliminateTargets(input([q('big', 10, 0.9), q('weak', 100, 0.1)]));
    expect(r.ruledOut).toEqual([]);
  });

  it('never lists the served model', () => {
    const r = eliminateTargets(input([], { models: ['big', 'good'] }));
    expect(r.eligible).toEqual(['good']);
  });

  it('rules nothing out under an absolute floor, which is on the calibrated scale, not the judge\'s', () => {
    const r = eliminateTargets(input([q('big', 200, 0.9), q('weak', 100, 0.1)], { floor: { kind: 'absolute', min: 0.8 } }));
    expect(r.ruledOut).toEqual([]);
  });
});
