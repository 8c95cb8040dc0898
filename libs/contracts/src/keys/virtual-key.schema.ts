import { z } from 'zod';
import { WORKLOAD_NAME } from '../policy/policy.schema.js';
import { budgetSchema, rateLimitsSchema } from './limits.schema.js';
import { tenantIdSchema } from './tenant.schema.js';

const timestamp = z.iso.datetime({ offset: true });
const workloadName = z.string().regex(WORKLOAD_NAME, 'use 1-64 lower-case letters, digits, dot, dash or underscore');
const modelId = z.string().min(1).max(256);

export const VIRTUAL_KEY_ID = /^vk_[0-9a-z]{10,40}$/;
export const virtualKeyIdSchema = z.string().regex(VIRTUAL_KEY_ID, 'a virtual key id (vk_…)');

/** Every secret starts with this, so secret scanners and humans recognise a leaked one. */
export const VIRTUAL_KEY_SECRET_PREFIX = 'sk-sy-';

const MAX_TAGS = 32;
/** Free-form labels for cost attribution (team, project, env); copied onto spans later, so kept small. */
export const keyMetadataSchema = z
  .record(z.string().min(1).max(64), z.string().max(256))
  .refine((tags) => Object.keys(tags).length <= MAX_TAGS, `at most ${MAX_TAGS} tags`);
export type KeyMetadata = z.infer<typeof keyMetadataSchema>;

export const createVirtualKeyRequestSchema = z
  .object({
    tenantId: tenantIdSchema,
    name: z.string().trim().min(1).max(128),
    /** Model ids or aliases the key may call. Empty: all. */
    allowedModels: z.array(modelId).max(256).default([]),
    /** Workloads the key may route to. Empty: all. */
    allowedWorkloads: z.array(workloadName).max(256).default([]),
    /** Used when a request names no workload, before the policy's own classification. */
    defaultWorkload: workloadName.optional(),
    /** Omitted: the key never expires. */
    expiresAt: timestamp.optional(),
    metadata: keyMetadataSchema.default({}),
    budgets: z.array(budgetSchema).max(8).default([]),
    rateLimits: rateLimitsSchema.default({}),
    /** Serve identical repeated requests from the response cache even when temperature is not 0. */
    cacheResponses: z.boolean().default(false),
  })
  .strict()
  .refine((k) => k.defaultWorkload === undefined || k.allowedWorkloads.length === 0 || k.allowedWorkloads.includes(k.defaultWorkload), {
    message: 'the default workload must be one of the allowed workloads',
    path: ['defaultWorkload'],
  });
export type CreateVirtualKeyRequest = z.infer<typeof createVirtualKeyRequestSchema>;

/**
 * Changes a key's permissions and limits in place (the secret stays). A field left out keeps its
 * value; `defaultWorkload: null` clears it. Takes effect on every gateway instance at once.
 */
export const updateVirtualKeyRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(128).optional(),
    allowedModels: z.array(modelId).max(256).optional(),
    allowedWorkloads: z.array(workloadName).max(256).optional(),
    defaultWorkload: workloadName.nullable().optional(),
    metadata: keyMetadataSchema.optional(),
    budgets: z.array(budgetSchema).max(8).optional(),
    rateLimits: rateLimitsSchema.optional(),
    cacheResponses: z.boolean().optional(),
  })
  .strict()
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), { message: 'name at least one field to change' });
export type UpdateVirtualKeyRequest = z.infer<typeof updateVirtualKeyRequestSchema>;

/** Null clears the expiry. */
export const setVirtualKeyExpiryRequestSchema = z.object({ expiresAt: timestamp.nullable() }).strict();
export type SetVirtualKeyExpiryRequest = z.infer<typeof setVirtualKeyExpiryRequestSchema>;

export const listVirtualKeysQuerySchema = z.object({ tenantId: tenantIdSchema.optional() });
export type ListVirtualKeysQuery = z.infer<typeof listVirtualKeysQuerySchema>;

/** A key as the admin API shows it. The secret is never here, nor its hash: only the prefix. */
export const virtualKeySchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  /** The secret's first characters, e.g. `sk-sy-AbCd1234`, to tell keys apart. */
  prefix: z.string(),
  allowedModels: z.array(z.string()),
  allowedWorkloads: z.array(z.string()),
  defaultWorkload: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  budgets: z.array(budgetSchema),
  rateLimits: rateLimitsSchema,
  cacheResponses: z.boolean(),
  createdAt: timestamp,
  expiresAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
  lastRotatedAt: timestamp.nullable(),
});
export type VirtualKey = z.infer<typeof virtualKeySchema>;

export const virtualKeyListResponseSchema = z.object({ data: z.array(virtualKeySchema) });
export type VirtualKeyListResponse = z.infer<typeof virtualKeyListResponseSchema>;

/** The only response that carries the secret: it is stored hashed and cannot be shown again. */
export const virtualKeyWithSecretResponseSchema = virtualKeySchema.extend({ secret: z.string().startsWith(VIRTUAL_KEY_SECRET_PREFIX) });
export type VirtualKeyWithSecretResponse = z.infer<typeof virtualKeyWithSecretResponseSchema>;

export const createVirtualKeyResponseSchema = virtualKeyWithSecretResponseSchema;
export type CreateVirtualKeyResponse = VirtualKeyWithSecretResponse;

/** The old secret stops working the moment the new one is issued. */
export const rotateVirtualKeyResponseSchema = virtualKeyWithSecretResponseSchema;
export type RotateVirtualKeyResponse = VirtualKeyWithSecretResponse;
