import { pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Tenants own virtual keys; admin reads are scoped to one. */
export const tenants = pgTable(
  'tenants',
  {
    /** `tn_` + a time-sortable random id. */
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('tenants_name_idx').on(t.name)],
);

export type TenantRow = typeof tenants.$inferSelect;
