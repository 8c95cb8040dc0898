import type { Budget, RateLimits } from '@switchyard/contracts';
import { jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Tenants own virtual keys; admin reads are scoped to one. */
export const tenants = pgTable(
  'tenants',
  {
    /** `tn_` + a time-sortable random id. */
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** Shared by all of the tenant's keys, on top of each key's own. */
    budgets: jsonb('budgets').$type<Budget[]>().notNull().default([]),
    rateLimits: jsonb('rate_limits').$type<RateLimits>().notNull().default({}),
    /** Workloads the tenant owns (a JSON array): its policy diffs are those changing only these. At most one owner each. */
    workloads: jsonb('workloads').$type<string[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('tenants_name_idx').on(t.name)],
);

export type TenantRow = typeof tenants.$inferSelect;
