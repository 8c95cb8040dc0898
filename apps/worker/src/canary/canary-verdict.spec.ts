import { canaryScheduleSchema } from '@switchyard/contracts';
import type { CanaryArmStats } from '@switchyard/db';
import { describe, expect, it } from 'vitest';
import { judgeCanaryStep } from './canary-verdict.js';

const schedule = canaryScheduleSchema.parse({ minDwellMs: 1_000, minSamplesPerStep: 100, tolerance: 0.02, maxStepMs: 60_000 });
const arm = (over: Partial<CanaryArmStats> = {}): CanaryArmStats => ({ calls: 1_000, errors: 10, scored: 1_000, meanScore: 0.8, scoreVariance: 0.04, p95LatencyMs: 800, meanCostUsd: 0.001, costVariance: 1e-8, costed: 1_000, ...over });

describe('judgeCanaryStep', () => {
  it('passes a canary that is as good as the control', () => {
    const v = judgeCanaryStep({ canary: arm({ meanScore: 0.805 }), control: arm() }, schedule, 5_000);
    expect(v.kind).toBe('pass');
    expect(v.kind === 'pass' && v.quality.low).toBeGreaterThan(-0.02);
  });

  it('waits while dwelling, and while either arm has too few judged calls', () => {
    expect(judgeCanaryStep({ canary: arm(), control: arm() }, schedule, 500)).toMatchObject({ kind: 'wait' });
    expect(judgeCanaryStep({ canary: arm({ scored: 50 }), control: arm() }, schedule, 5_000)).toMatchObject({ kind: 'wait', reason: '50 canary and 1000 control judged calls of 100 needed' });
  });

  it('fails a canary clearly worse than the control', () => {
    const v = judgeCanaryStep({ canary: arm({ meanScore: 0.6 }), control: arm() }, schedule, 5_000);
    expect(v).toMatchObject({ kind: 'fail' });
    expect(v.reason).toContain('worse than the control');
  });

  it('waits on an inconclusive comparison, then fails it once the step is overdue', () => {
    // Small, noisy samples: the interval straddles the margin.
    const noisy = { canary: arm({ scored: 120, meanScore: 0.79, scoreVariance: 0.09 }), control: arm({ scored: 120, scoreVariance: 0.09 }) };
    expect(judgeCanaryStep(noisy, schedule, 5_000)).toMatchObject({ kind: 'wait' });
    expect(judgeCanaryStep(noisy, schedule, 61_000)).toMatchObject({ kind: 'fail' });
    expect(judgeCanaryStep({ canary: arm({ scored: 3 }), control: arm() }, schedule, 61_000).reason).toMatch(/^inconclusive after 1 min/);
  });

  it('fails on a higher error rate or a slower p95, even with good quality', () => {
    expect(judgeCanaryStep({ canary: arm({ errors: 100 }), control: arm() }, schedule, 5_000)).toMatchObject({ kind: 'fail', reason: expect.stringContaining('error rate 10.00%') as string });
    expect(judgeCanaryStep({ canary: arm({ p95LatencyMs: 2_000 }), control: arm() }, schedule, 5_000)).toMatchObject({ kind: 'fail', reason: expect.stringContaining('p95 latency') as string });
    // Twice as slow, but by 6 ms: jitter on fast calls, not a regression.
    expect(judgeCanaryStep({ canary: arm({ p95LatencyMs: 12 }), control: arm({ p95LatencyMs: 6 }) }, schedule, 5_000)).toMatchObject({ kind: 'pass' });
  });

  it('widens the margin by the drop the reviewer approved, and says so', () => {
    // 6 points worse: beyond the 2-point tolerance alone, within it plus an approved 6-point drop.
    const m = { canary: arm({ meanScore: 0.74 }), control: arm() };
    expect(judgeCanaryStep(m, schedule, 5_000)).toMatchObject({ kind: 'fail' });
    const v = judgeCanaryStep(m, schedule, 5_000, 0.06);
    expect(v).toMatchObject({ kind: 'pass', reason: expect.stringContaining('8.00% margin (the approved drop 6.00% plus the 2.00% tolerance)') as string });
    // A predicted gain approves no drop.
    expect(judgeCanaryStep(m, schedule, 5_000, -0.03)).toMatchObject({ kind: 'fail' });
  });
});
