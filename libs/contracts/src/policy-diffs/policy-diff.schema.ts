import { z } from 'zod';
import { jsonPatchOperationSchema } from '../admin/policy-admin.schema.js';
import { policyDocumentSchema, WORKLOAD_NAME } from '../policy/policy.schema.js';

const timestamp = z.iso.datetime({ offset: true });
const workloadName = z.string().regex(WORKLOAD_NAME, 'a workload name');
const count = z.number().int().nonnegative();

export const POLICY_DIFF_ID = /^pd_[0-9a-z]{10,40}$/;
export const policyDiffIdSchema = z.string().regex(POLICY_DIFF_ID, 'a policy diff id (pd_…)');

export const POLICY_DIFF_STATUSES = ['proposed', 'approved', 'rejected', 'canary', 'promoted', 'rolled_back', 'superseded'] as const;
export const policyDiffStatusSchema = z.enum(POLICY_DIFF_STATUSES);
export type PolicyDiffStatus = z.infer<typeof policyDiffStatusSchema>;

/** What happened to a diff; every one is an audit event, and all but `proposed` and `commented` move its status. */
export const POLICY_DIFF_ACTIONS = ['proposed', 'approved', 'rejected', 'canary_started', 'canary_step', 'promoted', 'rolled_back', 'superseded', 'commented'] as const;
export const policyDiffActionSchema = z.enum(POLICY_DIFF_ACTIONS);
export type PolicyDiffAction = z.infer<typeof policyDiffActionSchema>;

/** Why the optimizer proposed it. `drift`: the measured quality or cost of the current route moved. */
export const policyDiffReasonSchema = z.enum(['cheaper', 'better', 'drift']);
export type PolicyDiffReason = z.infer<typeof policyDiffReasonSchema>;

/** A point estimate and its interval (95% unless the evidence says otherwise). */
const interval = z
  .object({ delta: z.number(), low: z.number(), high: z.number() })
  .strict()
  .refine((x) => x.low <= x.delta && x.delta <= x.high, 'low ≤ delta ≤ high');

/**
 * Deltas of the proposed policy against its parent on the affected workloads. Quality is absolute on
 * the [0, 1] score scale (−0.004 = −0.4 points); cost is USD per request, `relative` its share of
 * the parent's (−0.61 = 61% cheaper). The optimizer predicts them; a canary measures them.
 */
export const policyDiffDeltasSchema = z
  .object({
    quality: interval,
    costPerRequest: z
      .object({ delta: z.number(), low: z.number(), high: z.number(), relative: z.number() })
      .strict()
      .refine((x) => x.low <= x.delta && x.delta <= x.high, 'low ≤ delta ≤ high'),
    latencyP95Ms: z.object({ delta: z.number() }).strict().optional(),
    /** Projected change in monthly spend at last week's volume, in USD. */
    monthlyUsd: z.number().optional(),
  })
  .strict();
export type PolicyDiffDeltas = z.infer<typeof policyDiffDeltasSchema>;

/** Scored samples behind a prediction, per model and source. */
export const policyDiffEvidenceSchema = z
  .object({
    samplesPerModel: z.record(z.string().min(1), z.object({ judge: count, golden: count, shadow: count, feedback: count }).strict()),
    /** Samples per scorer (e.g. `judge:helpfulness`, `exact`). */
    scorerMix: z.record(z.string().min(1), count),
    /** Spans a reviewer can open to see what the change is about. */
    exampleSpanIds: z.array(z.string().min(1).max(64)).max(50),
  })
  .strict();
export type PolicyDiffEvidence = z.infer<typeof policyDiffEvidenceSchema>;

/** A proposed policy change, with what it is expected to do and why, waiting for (or past) human review. */
export const policyDiffSchema = z.object({
  id: z.string(),
  environment: z.string(),
  parentVersionId: z.string(),
  proposedDocument: policyDocumentSchema,
  /** RFC 6902 operations that turn the parent's document into `proposedDocument`. */
  patch: z.array(jsonPatchOperationSchema),
  workloads: z.array(z.string()),
  /** One line a reviewer reads first, e.g. "winogrande: route prompts under 300 tokens to yi-34b; expected quality −0.4% [−1.1%, +0.3%], cost −61%". */
  summary: z.string(),
  predicted: policyDiffDeltasSchema,
  evidence: policyDiffEvidenceSchema,
  reason: policyDiffReasonSchema,
  status: policyDiffStatusSchema,
  /** Filled after a canary; null until then. */
  measured: policyDiffDeltasSchema.nullable(),
  createdBy: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type PolicyDiff = z.infer<typeof policyDiffSchema>;

export const policyDiffEventSchema = z.object({
  id: z.number().int(),
  diffId: z.string(),
  action: policyDiffActionSchema,
  actor: z.string(),
  comment: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  at: timestamp,
});
export type PolicyDiffEvent = z.infer<typeof policyDiffEventSchema>;

// Requests.

const comment = z.string().trim().min(1).max(4_000);

/**
 * A new diff. The patch is not sent: the server computes it from the parent's document, so it
 * always describes the stored change. The document need only be JSON here; the service checks it
 * against the policy schema and the configured models.
 */
export const createPolicyDiffRequestSchema = z
  .object({
    /** Omitted: the environment's active version. */
    parentVersionId: z.string().min(1).max(64).optional(),
    proposedDocument: z.json(),
    workloads: z
      .array(workloadName)
      .min(1)
      .max(64)
      .refine((w) => new Set(w).size === w.length, 'workloads must not repeat'),
    summary: z.string().trim().min(1).max(2_000),
    predicted: policyDiffDeltasSchema,
    evidence: policyDiffEvidenceSchema,
    reason: policyDiffReasonSchema,
  })
  .strict();
export type CreatePolicyDiffRequest = z.infer<typeof createPolicyDiffRequestSchema>;

export const policyDiffParamsSchema = z.object({ id: policyDiffIdSchema });
export type PolicyDiffParams = z.infer<typeof policyDiffParamsSchema>;

export const listPolicyDiffsQuerySchema = z.object({
  status: policyDiffStatusSchema.optional(),
  workload: workloadName.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  /** The last id of the previous page. */
  before: policyDiffIdSchema.optional(),
});
export type ListPolicyDiffsQuery = z.infer<typeof listPolicyDiffsQuerySchema>;

export const approvePolicyDiffRequestSchema = z.object({ comment: comment.optional() }).strict();
export type ApprovePolicyDiffRequest = z.infer<typeof approvePolicyDiffRequestSchema>;

/** A rejection says why, so the next proposal can take it into account. */
export const rejectPolicyDiffRequestSchema = z.object({ comment }).strict();
export type RejectPolicyDiffRequest = z.infer<typeof rejectPolicyDiffRequestSchema>;

// Responses.

export const policyDiffListResponseSchema = z.object({ data: z.array(policyDiffSchema), hasMore: z.boolean(), nextBefore: z.string().nullable() });
export type PolicyDiffListResponse = z.infer<typeof policyDiffListResponseSchema>;

export const policyDiffDetailSchema = policyDiffSchema.extend({ events: z.array(policyDiffEventSchema) });
export type PolicyDiffDetail = z.infer<typeof policyDiffDetailSchema>;
