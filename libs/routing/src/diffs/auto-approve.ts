import type { PolicyDiffDeltas } from '@switchyard/contracts';

export interface AutoApproveRule {
  /** Largest predicted quality loss, on the [0, 1] scale, that still skips review. */
  maxQualityDrop: number;
}

/** Per workload; a workload not listed always waits for a reviewer. */
export type AutoApproveSettings = Readonly<Record<string, AutoApproveRule>>;

/** Who an auto-approval is recorded as, in a diff's audit log. */
export const AUTO_APPROVE_ACTOR = 'auto-approve';

export type AutoApproveDecision =
  | {
      approve: true;
      comment: string;
      maxQualityDrop: number;
      /** For the approval event, so the log shows what was allowed and what was predicted. */
      details: { maxQualityDrop: number; predictedQualityLow: number };
    }
  | { approve: false; why: string };

/**
 * Whether a proposed diff may be approved without a reviewer: every workload it touches must opt in,
 * and the pessimistic end of its predicted quality interval must lose no more than the strictest
 * of those workloads allows. The point estimate is not enough: a cheap change with a wide interval
 * still goes to a person. The gateway applies it to diffs posted to its admin API, the optimizer to
 * the diffs it proposes; either way only while the diff's parent is still the active version.
 */
export function autoApproveDecision(diff: { workloads: readonly string[]; predicted: PolicyDiffDeltas }, settings: AutoApproveSettings): AutoApproveDecision {
  if (diff.workloads.length === 0) return { approve: false, why: 'the diff names no workload' };
  const rules: AutoApproveRule[] = [];
  for (const workload of diff.workloads) {
    const rule = Object.hasOwn(settings, workload) ? settings[workload] : undefined;
    if (!rule) return { approve: false, why: `auto-approve is off for workload '${workload}'` };
    rules.push(rule);
  }
  const maxQualityDrop = Math.min(...rules.map((r) => r.maxQualityDrop));
  const low = diff.predicted.quality.low;
  if (low < -maxQualityDrop) return { approve: false, why: `predicted quality could drop by ${fmt(-low)}, more than the ${fmt(maxQualityDrop)} allowed` };
  return {
    approve: true,
    maxQualityDrop,
    comment: `auto-approved: predicted quality interval's low end ${fmt(low)} is within the allowed drop of ${fmt(maxQualityDrop)}`,
    details: { maxQualityDrop, predictedQualityLow: low },
  };
}

const fmt = (x: number): string => `${(x * 100).toFixed(2)} pts`;
