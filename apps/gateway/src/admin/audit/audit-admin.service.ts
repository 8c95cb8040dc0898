import { Injectable } from '@nestjs/common';
import type { AdminAuditEvent, AdminAuditListResponse, ListAdminAuditQuery } from '@switchyard/contracts';
import { type AdminAuditEventRow, AdminAuditRepository } from '@switchyard/db';
import { type AdminPrincipal, requestedTenant } from '../auth/admin-principal.js';

const toEvent = (row: AdminAuditEventRow): AdminAuditEvent => ({
  id: row.id,
  at: row.at.toISOString(),
  actor: row.actor,
  principal: row.principalKind,
  tenantId: row.tenantId,
  adminKeyId: row.adminKeyId,
  method: row.method,
  route: row.route,
  path: row.path,
  status: row.statusCode,
  targetId: row.targetId,
});

/** Reads the admin audit log: the global admin all of it (or one tenant's), a tenant admin its own tenant's. */
@Injectable()
export class AuditAdminService {
  constructor(private readonly events: AdminAuditRepository) {}

  async list(principal: AdminPrincipal, query: ListAdminAuditQuery): Promise<AdminAuditListResponse> {
    const tenantId = requestedTenant(principal, query.tenantId);
    // One extra row tells whether another page follows.
    const rows = await this.events.list(tenantId, { limit: query.limit + 1, before: query.before });
    const page = rows.slice(0, query.limit);
    const hasMore = rows.length > query.limit;
    return { data: page.map(toEvent), hasMore, nextBefore: hasMore ? (page[page.length - 1]?.id ?? null) : null };
  }
}
