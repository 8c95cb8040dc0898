import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { type AdminAuditEventRow, adminAuditEvents, type NewAdminAuditEventRow } from './tables/index.js';
import type { TenantScope } from './virtual-key.repository.js';

export type NewAdminAuditEvent = Omit<NewAdminAuditEventRow, 'id' | 'at'>;

/** The admin audit log: appended to by the gateway, read newest first. Rows are never changed. */
export class AdminAuditRepository {
  constructor(private readonly db: Database) {}

  async append(event: NewAdminAuditEvent): Promise<AdminAuditEventRow> {
    const [row] = await this.db.insert(adminAuditEvents).values(event).returning();
    if (!row) throw new Error('insert into admin_audit_events returned no row');
    return row;
  }

  /** Newest first; `before` is the last id of the previous page. Null scope: every tenant's events and those of no tenant. */
  async list(tenantId: TenantScope, page: { limit: number; before?: number }): Promise<AdminAuditEventRow[]> {
    const conditions: SQL[] = [];
    if (tenantId !== null) conditions.push(eq(adminAuditEvents.tenantId, tenantId));
    if (page.before !== undefined) conditions.push(lt(adminAuditEvents.id, page.before));
    return this.db
      .select()
      .from(adminAuditEvents)
      .where(and(...conditions))
      .orderBy(desc(adminAuditEvents.id))
      .limit(page.limit);
  }
}
