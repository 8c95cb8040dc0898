import { z } from 'zod';

const versionId = z.string().min(1).max(64);
const reason = z.string().trim().min(1).max(2_000);
const timestamp = z.iso.datetime({ offset: true });
const pageLimit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

// Requests. A policy document is only required to be JSON here: the service checks it against the
// policy schema and the configured models, so that every problem comes back with its path.

export const createPolicyVersionRequestSchema = z
  .object({
    document: z.json(),
    reason,
    /** The version this one edits. Omitted: the environment's active version. Null: a root version. */
    parentId: versionId.nullable().optional(),
    /** Also make it the environment's active version once stored. */
    activate: z.boolean().default(false),
  })
  .strict();
export type CreatePolicyVersionRequest = z.infer<typeof createPolicyVersionRequestSchema>;

export const activatePolicyRequestSchema = z.object({ versionId, reason: reason.optional() }).strict();
export type ActivatePolicyRequest = z.infer<typeof activatePolicyRequestSchema>;

export const validatePolicyRequestSchema = z.object({ document: z.json() }).strict();
export type ValidatePolicyRequest = z.infer<typeof validatePolicyRequestSchema>;

export const listPolicyVersionsQuerySchema = z.object({
  limit: pageLimit(100, 20),
  /** The last id of the previous page. */
  before: versionId.optional(),
});
export type ListPolicyVersionsQuery = z.infer<typeof listPolicyVersionsQuerySchema>;

/** Both optional: `to` defaults to the active version, `from` to `to`'s parent. */
export const policyDiffQuerySchema = z.object({ from: versionId.optional(), to: versionId.optional() });
export type PolicyDiffQuery = z.infer<typeof policyDiffQuerySchema>;

export const listPolicyActivationsQuerySchema = z.object({ limit: pageLimit(200, 50) });
export type ListPolicyActivationsQuery = z.infer<typeof listPolicyActivationsQuerySchema>;

// Responses.

export const policyValidationIssueSchema = z.object({
  /** Dotted, as validatePolicy reports it: `routes.support.rules.0.target.candidates.1`, or `(root)`. */
  path: z.string(),
  message: z.string(),
});
export type PolicyValidationIssue = z.infer<typeof policyValidationIssueSchema>;

export const validatePolicyResponseSchema = z.discriminatedUnion('valid', [
  z.object({ valid: z.literal(true) }),
  z.object({ valid: z.literal(false), issues: z.array(policyValidationIssueSchema).min(1) }),
]);
export type ValidatePolicyResponse = z.infer<typeof validatePolicyResponseSchema>;

export const policyVersionSummarySchema = z.object({
  id: z.string(),
  parentId: z.string().nullable(),
  createdBy: z.string(),
  reason: z.string(),
  createdAt: timestamp,
});
export type PolicyVersionSummary = z.infer<typeof policyVersionSummarySchema>;

/** The document as stored, i.e. after the policy schema filled in its defaults. */
export const policyVersionSchema = policyVersionSummarySchema.extend({ document: z.record(z.string(), z.unknown()) });
export type PolicyVersion = z.infer<typeof policyVersionSchema>;

export const activePolicyResponseSchema = policyVersionSchema.extend({ environment: z.string(), activatedAt: timestamp, activatedBy: z.string() });
export type ActivePolicyResponse = z.infer<typeof activePolicyResponseSchema>;

export const policyVersionListResponseSchema = z.object({
  data: z.array(policyVersionSummarySchema),
  hasMore: z.boolean(),
  /** Pass as `before` for the next page; null on the last one. */
  nextBefore: z.string().nullable(),
});
export type PolicyVersionListResponse = z.infer<typeof policyVersionListResponseSchema>;

/** One RFC 6902 operation. */
export const jsonPatchOperationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), path: z.string(), value: z.unknown() }),
  z.object({ op: z.literal('replace'), path: z.string(), value: z.unknown() }),
  z.object({ op: z.literal('test'), path: z.string(), value: z.unknown() }),
  z.object({ op: z.literal('remove'), path: z.string() }),
  z.object({ op: z.literal('move'), from: z.string(), path: z.string() }),
  z.object({ op: z.literal('copy'), from: z.string(), path: z.string() }),
]);
export type JsonPatchOperation = z.infer<typeof jsonPatchOperationSchema>;

/** `patch` applied to `from`'s document gives `to`'s. */
export const policyDiffResponseSchema = z.object({ from: z.string(), to: z.string(), patch: z.array(jsonPatchOperationSchema) });
export type PolicyDiffResponse = z.infer<typeof policyDiffResponseSchema>;

export const activatePolicyResponseSchema = z.object({
  environment: z.string(),
  versionId: z.string(),
  previousVersionId: z.string().nullable(),
  activatedAt: timestamp,
  activatedBy: z.string(),
  /** False when the pointer moved but the notification failed; gateways then pick it up on their next reload. */
  published: z.boolean(),
});
export type ActivatePolicyResponse = z.infer<typeof activatePolicyResponseSchema>;

export const createPolicyVersionResponseSchema = policyVersionSchema.extend({ activation: activatePolicyResponseSchema.nullable() });
export type CreatePolicyVersionResponse = z.infer<typeof createPolicyVersionResponseSchema>;

export const policyActivationEventSchema = z.object({
  id: z.number().int(),
  environment: z.string(),
  versionId: z.string(),
  previousVersionId: z.string().nullable(),
  activatedBy: z.string(),
  reason: z.string().nullable(),
  at: timestamp,
});
export type PolicyActivationEvent = z.infer<typeof policyActivationEventSchema>;

export const policyActivationListResponseSchema = z.object({ data: z.array(policyActivationEventSchema) });
export type PolicyActivationListResponse = z.infer<typeof policyActivationListResponseSchema>;
