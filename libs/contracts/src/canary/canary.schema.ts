import { z } from 'zod';
import { policyDiffActionSchema, policyDiffDeltasSchema, policyDiffStatusSchema } from '../policy-diffs/policy-diff.schema.js';

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

const timestamp = z.iso.datetime({ offset: true });

/** One arm of a canary step as measured in Postgres: its live calls since the step began and their judge scores. */
export const canaryArmStatsSchema = z.object({
  calls: z.number().int(),
  errors: z.number().int(),
  /** Calls with a judge score. */
  scored: z.number().int(),
  /** Mean judge score; null without scores. */
  meanScore: z.number().nullable(),
  /** Sample variance of the judge scores; null with fewer than two. */
  scoreVariance: z.number().nullable(),
  p95LatencyMs: z.number().nullable(),
  /** Mean spend per call and its sample variance; null without cost data. */
  meanCostUsd: z.number().nullable(),
  costVariance: z.number().nullable(),
  /** Calls with a known cost. */
  costed: z.number().int(),
});
export type CanaryArmStats = z.infer<typeof canaryArmStatsSchema>;

export const canaryMeasurementSchema = z.object({ canary: canaryArmStatsSchema, control: canaryArmStatsSchema });
export type CanaryMeasurementStats = z.infer<typeof canaryMeasurementSchema>;

/**
 * What the rollout writes into a canary event's `details`; which fields are set depends on the
 * action (`canary_started` / `canary_step`: the step moved to, and on an advance the measurement of
 * the step it ended; `promoted`: the version; `rolled_back`: the step and the restored version;
 * `commented`: e.g. the schedule). Other keys pass through.
 */
export const canaryEventDetailsSchema = z
  .object({
    /** 0-based index of the step moved to (`canary_started`, `canary_step`) or rolled back from. */
    step: z.number().int().optional(),
    share: z.number().optional(),
    versionId: z.string().optional(),
    /** Epoch ms. */
    stepStartedAt: z.number().optional(),
    measurement: canaryMeasurementSchema.optional(),
    /** The parent version a rollback or an abort re-activated. */
    restored: z.string().optional(),
    aborted: z.boolean().optional(),
  })
  .catchall(z.unknown());
export type CanaryEventDetails = z.infer<typeof canaryEventDetailsSchema>;

export const canaryStepEventSchema = z.object({ action: policyDiffActionSchema, actor: z.string(), comment: z.string().nullable(), at: timestamp, details: canaryEventDetailsSchema });
export type CanaryStepEvent = z.infer<typeof canaryStepEventSchema>;

/** One arm at one check, in the terms a chart plots. */
export const canaryArmCheckSchema = z.object({
  calls: z.number().int(),
  errors: z.number().int(),
  /** errors / calls; null without calls. */
  errorRate: z.number().nullable(),
  /** Judged calls. */
  scored: z.number().int(),
  /** Mean judge score with its 95% interval (mean ± 1.96 sd/√n, clamped to [0, 1]); null without two scores. */
  quality: z.object({ mean: z.number(), low: z.number(), high: z.number() }).nullable(),
  p95LatencyMs: z.number().nullable(),
  meanCostUsd: z.number().nullable(),
});
export type CanaryArmCheck = z.infer<typeof canaryArmCheckSchema>;

/** One check of a step: both arms since the step began, and what the check decided. */
export const canaryCheckSchema = z.object({
  at: timestamp,
  /** 0-based index into the schedule's steps. */
  step: z.number().int(),
  /** The step's canary share. */
  share: z.number(),
  versionId: z.string(),
  verdict: z.enum(['wait', 'pass', 'fail']),
  reason: z.string(),
  canary: canaryArmCheckSchema,
  control: canaryArmCheckSchema,
  /** Canary − control mean quality with its 95% Welch interval, as the verdict judged it; null without two scores an arm. */
  qualityDelta: z.object({ delta: z.number(), low: z.number(), high: z.number() }).nullable(),
});
export type CanaryCheck = z.infer<typeof canaryCheckSchema>;

/** `GET /admin/policy-diffs/:id/canary`. */
export const canaryStatusSchema = z.object({
  diffId: z.string(),
  status: policyDiffStatusSchema,
  /** The share of callers on the proposed policy right now; null when no step is active. */
  share: z.number().nullable(),
  activeVersionId: z.string().nullable(),
  steps: z.array(canaryStepEventSchema),
  /** The diff's measured deltas, from the check that ended the rollout (or its last advance); null before. */
  measured: policyDiffDeltasSchema.nullable(),
  /** Every check of every step, oldest first: the rollout's time series. */
  checks: z.array(canaryCheckSchema),
});
export type CanaryStatus = z.infer<typeof canaryStatusSchema>;
