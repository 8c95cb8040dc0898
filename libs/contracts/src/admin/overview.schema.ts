import { z } from 'zod';

const timestamp = z.iso.datetime({ offset: true });

/** Bucket widths of the usage series. */
export const USAGE_BUCKETS = { '5m': 5 * 60_000, '1h': 3_600_000, '1d': 24 * 3_600_000 } as const;
export type UsageBucket = keyof typeof USAGE_BUCKETS;
/** Most buckets one usage answer may span: a wider window needs a wider bucket. */
export const MAX_USAGE_BUCKETS = 500;

/** `GET /admin/overview/usage`: default the last 24 h, by the hour. */
export const usageOverviewQuerySchema = z
  .object({
    /** Inclusive; default `to` minus 24 h. */
    from: timestamp.optional(),
    /** Exclusive; default now. */
    to: timestamp.optional(),
    bucket: z.enum(['5m', '1h', '1d']).default('1h'),
  })
  .superRefine((q, ctx) => {
    const to = q.to === undefined ? Date.now() : Date.parse(q.to);
    const from = q.from === undefined ? to - 24 * 3_600_000 : Date.parse(q.from);
    if (from >= to) {
      ctx.addIssue({ code: 'custom', path: [q.from === undefined ? 'to' : 'from'], message: 'from must be before to' });
      return;
    }
    const buckets = Math.ceil((to - from) / USAGE_BUCKETS[q.bucket]);
    if (buckets > MAX_USAGE_BUCKETS) ctx.addIssue({ code: 'custom', path: ['bucket'], message: `${buckets} buckets of ${q.bucket} in that window, more than ${MAX_USAGE_BUCKETS}: use a wider bucket or a shorter window` });
  });
export type UsageOverviewQuery = z.infer<typeof usageOverviewQuerySchema>;

/** Client calls (origin `live`) of one workload × served model in one bucket. */
export const usageRowSchema = z.object({
  /** Start of the bucket; buckets are aligned to `from`. */
  bucket: timestamp,
  workload: z.string(),
  /** Null for calls nothing served. */
  model: z.string().nullable(),
  requests: z.number().int(),
  errors: z.number().int(),
  /** Null when no call of the row had a known cost. */
  costUsd: z.number().nullable(),
  latencyP95Ms: z.number().nullable(),
});
export type UsageRow = z.infer<typeof usageRowSchema>;

/** The gateway's own calls in the window, per origin: what learning (judging, golden runs, exploration) costs. */
export const internalUsageSchema = z.object({
  origin: z.enum(['judge', 'golden', 'shadow']),
  requests: z.number().int(),
  costUsd: z.number(),
});
export type InternalUsage = z.infer<typeof internalUsageSchema>;

export const usageOverviewResponseSchema = z.object({
  from: timestamp,
  to: timestamp,
  bucket: z.enum(['5m', '1h', '1d']),
  /** Ordered by bucket, workload, model; buckets without calls are left out. */
  data: z.array(usageRowSchema),
  internal: z.object({ costUsd: z.number(), byOrigin: z.array(internalUsageSchema) }),
});
export type UsageOverviewResponse = z.infer<typeof usageOverviewResponseSchema>;

/** `GET /admin/overview/quality`: default since the optimizer's window (`optimizer.windowMs`) ago. */
export const qualityOverviewQuerySchema = z.object({ since: timestamp.optional() });
export type QualityOverviewQuery = z.infer<typeof qualityOverviewQuerySchema>;

/** One workload × model × score source: its successful scores, their mean and 95% interval. */
export const qualityCellSchema = z.object({
  workload: z.string(),
  model: z.string(),
  source: z.enum(['judge', 'golden', 'shadow', 'feedback', 'human']),
  n: z.number().int(),
  mean: z.number(),
  /** Wilson when every score is 0 or 1; otherwise the normal approximation (mean ± 1.96 sd/√n), clamped to [0, 1]. */
  low: z.number(),
  high: z.number(),
  method: z.enum(['wilson', 'normal']),
});
export type QualityCell = z.infer<typeof qualityCellSchema>;

export const qualityOverviewResponseSchema = z.object({ since: timestamp, data: z.array(qualityCellSchema) });
export type QualityOverviewResponse = z.infer<typeof qualityOverviewResponseSchema>;

/** `GET /admin/overview/exploration`: today's (UTC) shadow-probe spend against the daily budget. */
export const explorationOverviewResponseSchema = z.object({
  /** UTC day, YYYY-MM-DD. */
  day: z.string(),
  /** `evaluation.shadowBudgetUsdPerDay`. */
  budgetUsd: z.number(),
  /** Settled probe spend on the worker's ledger: what the budget is enforced against. */
  spentUsd: z.number(),
  /** Estimates held by probes in flight. */
  reservedUsd: z.number(),
  openReservations: z.number().int(),
  /** Budget left after spent and held spend, never below 0. */
  remainingUsd: z.number(),
  /** Cost of today's shadow spans as written: a cross-check on the ledger. */
  shadowSpans: z.object({ requests: z.number().int(), costUsd: z.number() }),
});
export type ExplorationOverviewResponse = z.infer<typeof explorationOverviewResponseSchema>;
