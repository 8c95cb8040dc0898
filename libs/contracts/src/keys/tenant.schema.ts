import { z } from 'zod';
import { WORKLOAD_NAME } from '../policy/policy.schema.js';
import { budgetSchema, rateLimitsSchema } from './limits.schema.js';

const timestamp = z.iso.datetime({ offset: true });

/**
 * Workloads the tenant owns: a policy diff that changes only these is the tenant's to read. A
 * workload has at most one owner. A list of its own rather than the keys' `allowedWorkloads`:
 * those are permissions to call (empty means all, and several tenants may call one workload),
 * not ownership.
 */
const ownedWorkloadsSchema = z
  .array(z.string().regex(WORKLOAD_NAME, 'use 1-64 lower-case letters, digits, dot, dash or underscore'))
  .max(256)
  .refine((w) => new Set(w).size === w.length, 'workloads must not repeat');

export const TENANT_ID = /^tn_[0-9a-z]{10,40}$/;
export const tenantIdSchema = z.string().regex(TENANT_ID, 'a tenant id (tn_…)');

export const createTenantRequestSchema = z
  .object({
    /** Unique across tenants, so an operator can tell them apart in listings and logs. */
    name: z.string().trim().min(1).max(128),
    /** Shared by every key of the tenant, on top of each key's own. */
    budgets: z.array(budgetSchema).max(8).default([]),
    rateLimits: rateLimitsSchema.default({}),
    workloads: ownedWorkloadsSchema.default([]),
  })
  .strict();
export type CreateTenantRequest = z.infer<typeof createTenantRequestSchema>;

/** Replaces the tenant's budgets, rate limits or owned workloads; a field left out keeps its value. */
export const updateTenantLimitsRequestSchema = z
  .object({ budgets: z.array(budgetSchema).max(8).optional(), rateLimits: rateLimitsSchema.optional(), workloads: ownedWorkloadsSchema.optional() })
  .strict();
export type UpdateTenantLimitsRequest = z.infer<typeof updateTenantLimitsRequestSchema>;

export const tenantSchema = z.object({ id: z.string(), name: z.string(), budgets: z.array(budgetSchema), rateLimits: rateLimitsSchema, workloads: z.array(z.string()), createdAt: timestamp });
export type Tenant = z.infer<typeof tenantSchema>;

export const tenantListResponseSchema = z.object({ data: z.array(tenantSchema) });
export type TenantListResponse = z.infer<typeof tenantListResponseSchema>;
