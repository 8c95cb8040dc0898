import { z } from 'zod';

/**
 * How an approved policy diff rolls out: each step routes a larger share of callers (sticky) by the
 * proposed policy, and advances only once the canary side is measured non-inferior to the control.
 */
export const canaryScheduleSchema = z
  .object({
    /** When the first step starts; default now. */
    startAt: z.iso.datetime({ offset: true }).optional(),
    /** Canary shares, increasing, ending at 1 (which promotes the proposed policy). */
    steps: z.array(z.number().gt(0).max(1)).min(1).default([0.05, 0.25, 0.5, 1]),
    /** Least time on a step before it can advance. */
    minDwellMs: z.number().int().nonnegative().default(10 * 60_000),
    /** Least judged calls per arm before a step can advance. */
    minSamplesPerStep: z.number().int().min(2).default(200),
    /** Largest drop in mean quality (canary − control) the rollout accepts beyond any drop the reviewer approved: the non-inferiority margin. */
    tolerance: z.number().min(0).max(1).default(0.02),
    /**
     * Whether the margin also allows the drop the approved diff predicted at worst (the low end of its
     * quality interval): a reviewer who approved "−4% [−6%, −2%]" accepted a canary up to 6 points
     * worse, and the canary's job is to catch a change worse than that, not to re-litigate it.
     */
    allowPredictedDrop: z.boolean().default(true),
    /** Largest rise in error rate the rollout accepts. */
    errorRateTolerance: z.number().min(0).max(1).default(0.01),
    /** Largest ratio of canary to control p95 latency… */
    latencyP95Ratio: z.number().min(1).default(1.25),
    /** …ignored while the two differ by less than this: a few ms of jitter on fast calls is not a regression. */
    latencyP95SlackMs: z.number().nonnegative().default(50),
    /** A step still without a verdict after this long rolls back: an inconclusive canary is not promoted. */
    maxStepMs: z.number().int().positive().default(24 * 3_600_000),
    /** How often a step re-checks its measurements. */
    checkEveryMs: z.number().int().positive().default(60_000),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.steps.some((x, i) => i > 0 && x <= s.steps[i - 1])) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'steps must increase' });
    if (s.steps.at(-1) !== 1) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'the last step must be 1 (full rollout)' });
  });
export type CanarySchedule = z.infer<typeof canaryScheduleSchema>;
export type CanaryScheduleInput = z.input<typeof canaryScheduleSchema>;

/** One check of one canary step. Later fields stay optional so older jobs still parse. */
export const canaryJobSchema = z.object({
  diffId: z.string().min(1),
  environment: z.string().min(1),
  /** Index into `schedule.steps`. */
  step: z.number().int().nonnegative(),
  /** The version this step activated; a different active version means someone moved the policy. */
  versionId: z.string().min(1),
  parentVersionId: z.string().min(1),
  /** When this step began (epoch ms). */
  stepStartedAt: z.number().int().nonnegative(),
  schedule: canaryScheduleSchema,
});
export type CanaryJob = z.infer<typeof canaryJobSchema>;

/** Starts an approved diff's rollout at `schedule.startAt` (a delayed job). */
export const canaryStartJobSchema = z.object({
  diffId: z.string().min(1),
  environment: z.string().min(1),
  actor: z.string().min(1),
  schedule: canaryScheduleSchema,
});
export type CanaryStartJob = z.infer<typeof canaryStartJobSchema>;

/** `POST /admin/policy-diffs/:id/canary`: schedule an approved diff's rollout. */
export const scheduleCanaryRequestSchema = z.object({ schedule: canaryScheduleSchema.prefault({}) }).strict();
export type ScheduleCanaryRequest = z.infer<typeof scheduleCanaryRequestSchema>;

/** `POST /admin/policy-diffs/:id/canary/abort`: stop a rollout and restore the parent policy. */
export const abortCanaryRequestSchema = z.object({ comment: z.string().trim().min(1, 'say why the rollout is stopped').max(2_000) }).strict();
export type AbortCanaryRequest = z.infer<typeof abortCanaryRequestSchema>;

export interface CanaryStatus {
  diffId: string;
  status: string;
  /** The share of callers on the proposed policy right now; null when no step is active. */
  share: number | null;
  activeVersionId: string | null;
  steps: { action: string; actor: string; comment: string | null; at: string; details: Record<string, unknown> }[];
  measured: unknown;
}
