import { z } from 'zod';

const timestamp = z.iso.datetime({ offset: true });

export const TENANT_ID = /^tn_[0-9a-z]{10,40}$/;
export const tenantIdSchema = z.string().regex(TENANT_ID, 'a tenant id (tn_…)');

export const createTenantRequestSchema = z
  .object({
    /** Unique across tenants, so an operator can tell them apart in listings and logs. */
    name: z.string().trim().min(1).max(128),
  })
  .strict();
export type CreateTenantRequest = z.infer<typeof createTenantRequestSchema>;

export const tenantSchema = z.object({ id: z.string(), name: z.string(), createdAt: timestamp });
export type Tenant = z.infer<typeof tenantSchema>;

export const tenantListResponseSchema = z.object({ data: z.array(tenantSchema) });
export type TenantListResponse = z.infer<typeof tenantListResponseSchema>;
