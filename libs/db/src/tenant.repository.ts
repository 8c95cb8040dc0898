import type { Budget, RateLimits } from '@switchyard/contracts';
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { newRowId } from './row-id.factory.js';
import { type TenantRow, tenants } from './tables/index.js';

export interface TenantLimits {
  budgets: Budget[];
  rateLimits: RateLimits;
}

export interface TenantSettings extends TenantLimits {
  /** Workloads the tenant owns; each has at most one owner. */
  workloads: string[];
}

export type TenantWriteResult =
  | { ok: true; tenant: TenantRow }
  | { ok: false; reason: 'not_found' | 'name_taken' }
  /** Another tenant owns `workload` already. */
  | { ok: false; reason: 'workload_owned'; workload: string };

/** The database, or a transaction on it. */
type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

/** Serialises changes of workload ownership, so two tenants cannot claim one workload at the same time. */
const lockOwnership = (tx: Executor) => tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('tenant_workloads', 0))`);

/** The first of `workloads` a tenant other than `tenantId` owns, if any. */
async function ownedElsewhere(tx: Executor, tenantId: string | null, workloads: string[]): Promise<string | undefined> {
  if (workloads.length === 0) return undefined;
  const rows = await tx
    .select({ workloads: tenants.workloads })
    .from(tenants)
    .where(and(tenantId === null ? undefined : ne(tenants.id, tenantId), sql`${tenants.workloads} ?| ${sql.param(workloads)}::text[]`));
  const taken = new Set(rows.flatMap((r) => r.workloads));
  return workloads.find((w) => taken.has(w));
}

export class TenantRepository {
  constructor(private readonly db: Database) {}

  async create(name: string, settings: Partial<TenantSettings> = {}): Promise<TenantWriteResult> {
    const workloads = settings.workloads ?? [];
    return this.db.transaction(async (tx): Promise<TenantWriteResult> => {
      if (workloads.length) await lockOwnership(tx);
      const workload = await ownedElsewhere(tx, null, workloads);
      if (workload !== undefined) return { ok: false, reason: 'workload_owned', workload };
      const [row] = await tx
        .insert(tenants)
        .values({ id: newRowId('tn'), name, budgets: settings.budgets ?? [], rateLimits: settings.rateLimits ?? {}, workloads })
        .onConflictDoNothing({ target: tenants.name })
        .returning();
      return row ? { ok: true, tenant: row } : { ok: false, reason: 'name_taken' };
    });
  }

  /** Replaces the fields given; the others keep their values. */
  async update(id: string, patch: Partial<TenantSettings>): Promise<TenantWriteResult> {
    const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<TenantSettings>;
    return this.db.transaction(async (tx): Promise<TenantWriteResult> => {
      if (set.workloads?.length) {
        await lockOwnership(tx);
        const workload = await ownedElsewhere(tx, id, set.workloads);
        if (workload !== undefined) return { ok: false, reason: 'workload_owned', workload };
      }
      const [row] = Object.keys(set).length ? await tx.update(tenants).set(set).where(eq(tenants.id, id)).returning() : await tx.select().from(tenants).where(eq(tenants.id, id));
      return row ? { ok: true, tenant: row } : { ok: false, reason: 'not_found' };
    });
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
