import type { PolicyDiffDeltas } from '@switchyard/contracts';
import { describe, expect, it } from 'vitest';
import { autoApproveDecision } from './auto-approve.js';

const predicted = (low: number, delta = low + 0.002): PolicyDiffDeltas => ({
  quality: { delta, low, high: delta + 0.005 },
  costPerRequest: { delta: -0.001, low: -0.002, high: 0, relative: -0.5 },
});

describe('autoApproveDecision', () => {
  const settings = { winogrande: { maxQualityDrop: 0.005 }, arc: { maxQualityDrop: 0.01 } };

  it('is off by default: no settings, no workload listed, nothing approved', () => {
    expect(autoApproveDecision({ workloads: ['winogrande'], predicted: predicted(0) }, {})).toEqual({ approve: false, why: "auto-approve is off for workload 'winogrande'" });
    expect(autoApproveDecision({ workloads: ['gsm8k'], predicted: predicted(0.01) }, settings).approve).toBe(false);
    expect(autoApproveDecision({ workloads: [], predicted: predicted(0.01) }, settings).approve).toBe(false);
  });

  it('judges the lower bound of the quality interval, not the point estimate', () => {
    expect(autoApproveDecision({ workloads: ['winogrande'], predicted: predicted(-0.004) }, settings)).toEqual({
      approve: true,
      maxQualityDrop: 0.005,
      comment: "auto-approved: predicted quality interval's low end -0.40 pts is within the allowed drop of 0.50 pts",
      details: { maxQualityDrop: 0.005, predictedQualityLow: -0.004 },
    });
    expect(autoApproveDecision({ workloads: ['winogrande'], predicted: predicted(-0.005) }, settings).approve).toBe(true);
    // Point estimate +0.1 points, but the interval reaches −0.6 points.
    const wide = autoApproveDecision({ workloads: ['winogrande'], predicted: predicted(-0.006, 0.001) }, settings);
    expect(wide).toEqual({ approve: false, why: 'predicted quality could drop by 0.60 pts, more than the 0.50 pts allowed' });
  });

  it('applies the strictest rule of the workloads a diff touches, and needs every one to opt in', () => {
    expect(autoApproveDecision({ workloads: ['arc'], predicted: predicted(-0.008) }, settings).approve).toBe(true);
    expect(autoApproveDecision({ workloads: ['arc', 'winogrande'], predicted: predicted(-0.008) }, settings).approve).toBe(false);
    expect(autoApproveDecision({ workloads: ['arc', 'winogrande'], predicted: predicted(-0.003) }, settings)).toMatchObject({ approve: true, maxQualityDrop: 0.005 });
    expect(autoApproveDecision({ workloads: ['arc', 'gsm8k'], predicted: predicted(0) }, settings).approve).toBe(false);
  });

  it('does not mistake inherited object keys for workloads', () => {
    expect(autoApproveDecision({ workloads: ['constructor'], predicted: predicted(0) }, settings).approve).toBe(false);
  });
});
