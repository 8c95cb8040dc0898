import { z } from 'zod';
import { budgetSchema, rateLimitsSchema } from './limits.schema.js';

const timestamp = z.iso.datetime({ offset: true });

export const TENANT_ID = /^tn_[0-9a-z]{10,40}$/;
export const tenantIdSchema = z.string().regex(TENANT_ID, 'a tenant id (tn_…)');

export const createTenantRequestSchema = z
  .object({
    /** Unique across tenants, so an operator can tell them apart in listings and logs. */
    name: z.string().trim().min(1).max(128),
    /** Shared by every key of the tenant, on top of each key's own. */
    budgets: z.array(budgetSchema).max(8).default([]),
    rateLimits: rateLimitsSchema.default({}),
  })
  .strict();
export type CreateTenantRequest = z.infer<typeof createTenantRequestSchema>;

/** Replaces the tenant's budgets and rate limits; a field left out keeps its value. */
export const updateTenantLimitsRequestSchema = z
  .object({ budgets: z.array(budgetSchema).max(8).optional(), rateLimits: rateLimitsSchema.optional() })
  .strict();
export type UpdateTenantLimitsRequest = z.infer<typeof updateTenantLimitsRequestSchema>;

export const tenantSchema = z.object({ id: z.string(), name: z.string(), budgets: z.array(budgetSchema), rateLimits: rateLimitsSchema, createdAt: timestamp });
export type Tenant = z.infer<typeof tenantSchema>;

export const tenantListResponseSchema = z.object({ data: z.array(tenantSchema) });
export type TenantListResponse = z.infer<typeof tenantListResponseSchema>;
