import { z } from 'zod';
import { datasetNameSchema, datasetScorerSchema } from '../datasets/dataset-item.schema.js';
import { tenantIdSchema } from '../keys/tenant.schema.js';
import { WORKLOAD_NAME } from '../policy/policy.schema.js';

const timestamp = z.iso.datetime({ offset: true });
const runId = z.string().regex(/^gr_[0-9a-z]{10,40}$/, 'a golden run id (gr_…)');
const modelId = z.string().min(1).max(256);

export const GOLDEN_RUN_STATUSES = ['queued', 'running', 'completed', 'cancelled', 'failed'] as const;
export const goldenRunStatusSchema = z.enum(GOLDEN_RUN_STATUSES);
export type GoldenRunStatusName = z.infer<typeof goldenRunStatusSchema>;

// Requests.

export const createGoldenRunRequestSchema = z
  .object({
    dataset: datasetNameSchema,
    /** The tenant whose dataset `dataset` names; omitted: the global dataset of that name. */
    tenantId: tenantIdSchema.optional(),
    /** Omitted: the latest version. */
    version: z.number().int().positive().optional(),
    /** Configured chat model ids; each item is sent to each. */
    models: z
      .array(modelId)
      .min(1)
      .max(32)
      .refine((m) => new Set(m).size === m.length, 'models must not repeat'),
    /** Omitted: the dataset version's scorer, else `exact`. */
    scorer: datasetScorerSchema.optional(),
    /** Per workload, a scorer for that workload's items, over `scorer`: a mixed dataset needs one per kind of task. */
    workloadScorers: z.record(z.string().regex(WORKLOAD_NAME, 'a workload name'), datasetScorerSchema).optional(),
  })
  .strict();
export type CreateGoldenRunRequest = z.infer<typeof createGoldenRunRequestSchema>;

export const goldenRunParamsSchema = z.object({ id: runId });
export type GoldenRunParams = z.infer<typeof goldenRunParamsSchema>;

export const listGoldenRunsQuerySchema = z.object({
  status: goldenRunStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
});
export type ListGoldenRunsQuery = z.infer<typeof listGoldenRunsQuerySchema>;

// Responses.

export const goldenRunProgressSchema = z.object({
  /** Calls scored. */
  done: z.number().int(),
  /** Calls that failed after their retries, or whose answer could not be scored. */
  failed: z.number().int(),
  /** Items × models. */
  total: z.number().int(),
});
export type GoldenRunProgress = z.infer<typeof goldenRunProgressSchema>;

/** One model's results in a run. Quality fields are null until the model has a score. */
export const goldenRunModelSummarySchema = z.object({
  model: z.string(),
  /** Scored items. */
  n: z.number().int(),
  failed: z.number().int(),
  mean: z.number().nullable(),
  /** 95% interval of the mean: Wilson for 0/1 scores, a percentile bootstrap otherwise. */
  low: z.number().nullable(),
  high: z.number().nullable(),
  method: z.enum(['wilson', 'bootstrap']).nullable(),
  /** Gateway calls made, retries included. */
  calls: z.number().int(),
  /** Summed over every call of the run to this model; null when no call had a known price. */
  costUsd: z.number().nullable(),
  /** Of the successful calls. */
  latencyMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
});
export type GoldenRunModelSummary = z.infer<typeof goldenRunModelSummarySchema>;

export const goldenRunSchema = z.object({
  id: z.string(),
  dataset: z.object({ name: z.string(), tenantId: z.string().nullable(), version: z.number().int(), versionId: z.string() }),
  models: z.array(z.string()),
  scorer: datasetScorerSchema,
  workloadScorers: z.record(z.string(), datasetScorerSchema),
  status: goldenRunStatusSchema,
  progress: goldenRunProgressSchema,
  /** Why the run failed as a whole; null otherwise. */
  error: z.string().nullable(),
  createdBy: z.string(),
  createdAt: timestamp,
  startedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
  cancelledAt: timestamp.nullable(),
});
export type GoldenRun = z.infer<typeof goldenRunSchema>;

/** A run with its per-model summary. Cost and latency come from spans, which land a moment after their scores. */
export const goldenRunDetailSchema = goldenRunSchema.extend({ summary: z.array(goldenRunModelSummarySchema) });
export type GoldenRunDetail = z.infer<typeof goldenRunDetailSchema>;

export const goldenRunListResponseSchema = z.object({ data: z.array(goldenRunSchema) });
export type GoldenRunListResponse = z.infer<typeof goldenRunListResponseSchema>;
