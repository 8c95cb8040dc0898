import type { AdminPrincipalKind } from '@switchyard/contracts';
import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Append-only log of admin changes and refusals. No foreign keys: the log must keep its rows
 * whatever happens to the tenants and keys they name. Never holds a body, a secret or a header.
 */
export const adminAuditEvents = pgTable(
  'admin_audit_events',
  {
    /** Also the paging cursor: newest first is id descending. */
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actor: text('actor').notNull(),
    principalKind: text('principal_kind').$type<AdminPrincipalKind>().notNull(),
    tenantId: text('tenant_id'),
    adminKeyId: text('admin_key_id'),
    method: text('method').notNull(),
    /** Route pattern, e.g. `/admin/keys/:id/revoke`. */
    route: text('route'),
    /** Without the query string. */
    path: text('path').notNull(),
    statusCode: integer('status_code').notNull(),
    targetId: text('target_id'),
  },
  (t) => [
    index('admin_audit_events_tenant_id_id_idx').on(t.tenantId, t.id),
    check('admin_audit_events_principal_kind_check', sql`${t.principalKind} in ('root', 'tenant', 'none')`),
  ],
);

export type AdminAuditEventRow = typeof adminAuditEvents.$inferSelect;
export type NewAdminAuditEventRow = typeof adminAuditEvents.$inferInsert;
