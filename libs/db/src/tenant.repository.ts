import type { Budget, RateLimits } from '@switchyard/contracts';
import { asc, eq } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { newRowId } from './row-id.factory.js';
import { type TenantRow, tenants } from './tables/index.js';

export interface TenantLimits {
  budgets: Budget[];
  rateLimits: RateLimits;
}

export class TenantRepository {
  constructor(private readonly db: Database) {}

  /** Undefined when the name is taken. */
  async create(name: string, limits: TenantLimits = { budgets: [], rateLimits: {} }): Promise<TenantRow | undefined> {
    const [row] = await this.db
      .insert(tenants)
      .values({ id: newRowId('tn'), name, ...limits })
      .onConflictDoNothing({ target: tenants.name })
      .returning();
    return row;
  }

  /** Undefined when the tenant does not exist. */
  async updateLimits(id: string, limits: Partial<TenantLimits>): Promise<TenantRow | undefined> {
    if (limits.budgets === undefined && limits.rateLimits === undefined) return this.get(id);
    const [row] = await this.db.update(tenants).set(limits).where(eq(tenants.id, id)).returning();
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
