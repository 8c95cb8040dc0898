import { z } from 'zod';
import { tenantIdSchema } from '../keys/tenant.schema.js';
import { WORKLOAD_NAME } from '../policy/policy.schema.js';
import { datasetNameSchema, datasetScorerSchema, SPAN_ID } from './dataset-item.schema.js';

const timestamp = z.iso.datetime({ offset: true });
const description = z.string().trim().min(1).max(2_000);
const workloadName = z.string().regex(WORKLOAD_NAME, 'use 1-64 lower-case letters, digits, dot, dash or underscore');

// Requests.

export const DATASET_FILE_FORMATS = ['jsonl', 'csv', 'json'] as const;
export const datasetFileFormatSchema = z.enum(DATASET_FILE_FORMATS);
export type DatasetFileFormat = z.infer<typeof datasetFileFormatSchema>;

/**
 * A scorer in a query string: a bare name (`exact`), or the JSON of `{ name, options }`.
 */
export const scorerParamSchema = z.string().transform((value, ctx) => {
  let candidate: unknown = { name: value };
  if (value.trimStart().startsWith('{')) {
    try {
      candidate = JSON.parse(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is neither a scorer name nor valid JSON' });
      return z.NEVER;
    }
  }
  const parsed = datasetScorerSchema.safeParse(candidate);
  if (!parsed.success) {
    ctx.addIssue({ code: 'custom', message: parsed.error.issues.map((i) => `${i.path.join('.') || 'name'}: ${i.message}`).join('; ') });
    return z.NEVER;
  }
  return parsed.data;
});

export const uploadDatasetQuerySchema = z.object({
  /** Overrides the format the content type implies. */
  format: datasetFileFormatSchema.optional(),
  description: description.optional(),
  scorer: scorerParamSchema.optional(),
});
export type UploadDatasetQuery = z.infer<typeof uploadDatasetQuerySchema>;

/**
 * Whose dataset a name means. Dataset names are unique per owner: the global admin's (no tenant)
 * and each tenant's. The global admin key reads a tenant's by naming it; a tenant admin key always
 * means its own tenant (naming another is refused).
 */
export const datasetOwnerQuerySchema = z.object({ tenantId: tenantIdSchema.optional() });
export type DatasetOwnerQuery = z.infer<typeof datasetOwnerQuerySchema>;

export const datasetItemsQuerySchema = datasetOwnerQuerySchema.extend({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});
export type DatasetItemsQuery = z.infer<typeof datasetItemsQuerySchema>;

/** Which spans `from-spans` takes when no ids are given: live chat calls whose bodies were stored. */
export const fromSpansFilterSchema = z
  .object({
    workload: workloadName.optional(),
    model: z.string().min(1).max(256).optional(),
    since: timestamp.optional(),
    until: timestamp.optional(),
    status: z.enum(['ok', 'error', 'cancelled']).optional(),
    limit: z.number().int().min(1).max(100_000).default(1_000),
  })
  .strict();
export type FromSpansFilter = z.infer<typeof fromSpansFilterSchema>;

export const datasetFromSpansRequestSchema = z
  .object({
    spanIds: z.array(z.string().regex(SPAN_ID, 'must be 16 lower-case hex characters')).min(1).max(100_000).optional(),
    filter: fromSpansFilterSchema.optional(),
    /** Take each span's answer as the item's expected answer (otherwise items have none). */
    useResponseAsExpected: z.boolean().default(false),
    description: description.optional(),
    scorer: datasetScorerSchema.optional(),
  })
  .strict()
  .refine((r) => (r.spanIds === undefined) !== (r.filter === undefined), { message: "give exactly one of 'spanIds' and 'filter'", path: ['spanIds'] });
export type DatasetFromSpansRequest = z.infer<typeof datasetFromSpansRequestSchema>;

// Responses.

export const datasetVersionResponseSchema = z.object({
  id: z.string(),
  dataset: z.string(),
  /** The owning tenant; null for a global dataset. */
  tenantId: z.string().nullable(),
  version: z.number().int(),
  contentHash: z.string(),
  itemCount: z.number().int(),
  scorer: datasetScorerSchema.nullable(),
  createdBy: z.string(),
  createdAt: timestamp,
});
export type DatasetVersionResponse = z.infer<typeof datasetVersionResponseSchema>;

export const createDatasetVersionResponseSchema = datasetVersionResponseSchema.extend({
  /** False when the same items were already stored: the existing version is returned. */
  created: z.boolean(),
});
export type CreateDatasetVersionResponse = z.infer<typeof createDatasetVersionResponseSchema>;

export const datasetSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The owning tenant; null for a global dataset. */
  tenantId: z.string().nullable(),
  description: z.string().nullable(),
  latestVersion: z.number().int().nullable(),
  versionCount: z.number().int(),
  createdAt: timestamp,
});
export type DatasetSummaryResponse = z.infer<typeof datasetSummarySchema>;

export const datasetListResponseSchema = z.object({ data: z.array(datasetSummarySchema) });
export type DatasetListResponse = z.infer<typeof datasetListResponseSchema>;

export const datasetVersionListResponseSchema = z.object({ data: z.array(datasetVersionResponseSchema) });
export type DatasetVersionListResponse = z.infer<typeof datasetVersionListResponseSchema>;

export const datasetItemResponseSchema = z.object({
  id: z.string(),
  position: z.number().int(),
  input: z.unknown(),
  expected: z.unknown(),
  workload: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  spanId: z.string().nullable(),
});
export type DatasetItemResponse = z.infer<typeof datasetItemResponseSchema>;

export const datasetItemListResponseSchema = z.object({
  data: z.array(datasetItemResponseSchema),
  offset: z.number().int(),
  limit: z.number().int(),
  total: z.number().int(),
  hasMore: z.boolean(),
});
export type DatasetItemListResponse = z.infer<typeof datasetItemListResponseSchema>;

/** One reason a dataset file was refused; `line` is 1-based, as in the file (a CSV's header is line 1). */
export const datasetFileIssueSchema = z.object({ line: z.number().int(), reason: z.string() });
export type DatasetFileIssue = z.infer<typeof datasetFileIssueSchema>;

// Path parameters.

export const datasetParamsSchema = z.object({ name: datasetNameSchema });
export type DatasetParams = z.infer<typeof datasetParamsSchema>;

/** A version number, or `latest`. */
export const datasetVersionParamsSchema = z.object({
  name: datasetNameSchema,
  version: z
    .string()
    .regex(/^(latest|[1-9][0-9]{0,8})$/, "use a version number or 'latest'")
    .transform((v) => (v === 'latest' ? undefined : Number(v))),
});
export type DatasetVersionParams = z.infer<typeof datasetVersionParamsSchema>;
