import { z } from 'zod';
import { tenantIdSchema } from '../keys/tenant.schema.js';

const timestamp = z.iso.datetime({ offset: true });

/** Who was asking: the global admin key, a tenant admin key, or a caller who presented neither. */
export const ADMIN_PRINCIPAL_KINDS = ['root', 'tenant', 'none'] as const;
export const adminPrincipalKindSchema = z.enum(ADMIN_PRINCIPAL_KINDS);
export type AdminPrincipalKind = z.infer<typeof adminPrincipalKindSchema>;

export const listAdminAuditQuerySchema = z.object({
  /** The global admin key only; a tenant admin key always reads its own tenant's events. */
  tenantId: tenantIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** The last id of the previous page (`nextBefore`). */
  before: z.coerce.number().int().positive().optional(),
});
export type ListAdminAuditQuery = z.infer<typeof listAdminAuditQuerySchema>;

/**
 * One admin request worth remembering: every change (POST, PATCH, PUT, DELETE), whatever its
 * outcome, and every refusal (401, 403). Never a body, a secret or an Authorization header.
 */
export const adminAuditEventSchema = z.object({
  id: z.number().int(),
  at: timestamp,
  /** The `x-switchyard-actor` header when valid, else the tenant admin key's id (or `admin-api`). */
  actor: z.string(),
  principal: adminPrincipalKindSchema,
  tenantId: z.string().nullable(),
  adminKeyId: z.string().nullable(),
  method: z.string(),
  /** The route pattern, e.g. `/admin/keys/:id/revoke`; null for a request no route matched. */
  route: z.string().nullable(),
  /** The path asked for, without its query string. */
  path: z.string(),
  status: z.number().int(),
  /** The id or name the request was about: from the path, else the id of what it created. */
  targetId: z.string().nullable(),
});
export type AdminAuditEvent = z.infer<typeof adminAuditEventSchema>;

/** Newest first. */
export const adminAuditListResponseSchema = z.object({ data: z.array(adminAuditEventSchema), hasMore: z.boolean(), nextBefore: z.number().int().nullable() });
export type AdminAuditListResponse = z.infer<typeof adminAuditListResponseSchema>;
