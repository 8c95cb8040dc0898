import { asc, eq } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { newRowId } from './row-id.factory.js';
import { type TenantRow, tenants } from './tables/index.js';

export class TenantRepository {
  constructor(private readonly db: Database) {}

  /** Undefined when the name is taken. */
  async create(name: string): Promise<TenantRow | undefined> {
    const [row] = await this.db.insert(tenants).values({ id: newRowId('tn'), name }).onConflictDoNothing({ target: tenants.name }).returning();
    return row;
  }

  async get(id: string): Promise<TenantRow | undefined> {
    const [row] = await this.db.select().from(tenants).where(eq(tenants.id, id));
    return row;
  }

  /** Oldest first; tenants are few, so there is no paging. */
  async list(): Promise<TenantRow[]> {
    return this.db.select().from(tenants).orderBy(asc(tenants.createdAt), asc(tenants.id));
  }
}
