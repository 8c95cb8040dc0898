import type { CanaryArmStats } from '@switchyard/contracts';
import type { CanaryCheckRow } from '@switchyard/db';
import { welchFromSummaries } from '@switchyard/scoring';
import { describe, expect, it } from 'vitest';
import { canaryCheckOf } from './canary-check.series.js';

const arm = (over: Partial<CanaryArmStats> = {}): CanaryArmStats => ({
  calls: 200,
  errors: 4,
  scored: 100,
  meanScore: 0.9,
  scoreVariance: 0.09,
  p95LatencyMs: 420,
  meanCostUsd: 0.001,
  costVariance: 1e-8,
  costed: 200,
  ...over,
});

const row = (canary: CanaryArmStats, control: CanaryArmStats): CanaryCheckRow => ({
  id: 1,
  diffId: 'pd_0123456789',
  step: 1,
  share: 0.25,
  versionId: 'pv_1',
  verdict: 'wait',
  reason: 'not yet shown',
  measurement: { canary, control },
  at: new Date('2026-11-23T05:00:00.000Z'),
});

describe('canaryCheckOf', () => {
  it('gives each arm its error rate and a 95% quality interval, and the Welch difference the verdict weighs', () => {
    const check = canaryCheckOf(row(arm({ meanScore: 0.85, scoreVariance: 0.1275 }), arm()));
    expect(check).toMatchObject({ at: '2026-11-23T05:00:00.000Z', step: 1, share: 0.25, versionId: 'pv_1', verdict: 'wait', reason: 'not yet shown' });
    expect(check.canary.errorRate).toBe(0.02);
    expect(check.canary.quality?.mean).toBe(0.85);
    expect(check.canary.quality?.low).toBeCloseTo(0.85 - 1.96 * Math.sqrt(0.1275 / 100), 12);
    expect(check.control.quality?.high).toBeCloseTo(0.9 + 1.96 * 0.03, 12);
    const welch = welchFromSummaries({ n: 100, mean: 0.85, variance: 0.1275 }, { n: 100, mean: 0.9, variance: 0.09 });
    expect(check.qualityDelta).toEqual({ delta: welch.diff, low: welch.low, high: welch.high });
  });

  it('has no interval or difference for an arm with fewer than two scores, and no error rate without calls', () => {
    const check = canaryCheckOf(row(arm({ calls: 0, errors: 0, scored: 0, meanScore: null, scoreVariance: null, p95LatencyMs: null }), arm({ scored: 1, scoreVariance: null })));
    expect(check.canary).toEqual({ calls: 0, errors: 0, errorRate: null, scored: 0, quality: null, p95LatencyMs: null, meanCostUsd: 0.001 });
    expect(check.control.quality).toBeNull();
    expect(check.qualityDelta).toBeNull();
  });

  it('keeps intervals inside the score range', () => {
    const check = canaryCheckOf(row(arm({ scored: 2, meanScore: 0.95, scoreVariance: 0.005 }), arm({ scored: 2, meanScore: 0.05, scoreVariance: 0.005 })));
    expect(check.canary.quality?.high).toBe(1);
    expect(check.control.quality?.low).toBe(0);
  });
});
