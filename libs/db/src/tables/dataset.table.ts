import { pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { tenants } from './tenant.table.js';

/**
 * A named evaluation dataset; its content lives in immutable versions. Names are unique per owner
 * (nulls not distinct: one namespace for the global ones), so a tenant can neither take a name
 * from another nor learn that another uses it.
 */
export const datasets = pgTable(
  'datasets',
  {
    /** `ds_` + a time-sortable random id. */
    id: text('id').primaryKey(),
    /** The owning tenant; null: a global dataset, the global admin's. */
    tenantId: text('tenant_id').references(() => tenants.id),
    name: text('name').notNull(),
    description: text('description'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('datasets_tenant_id_name_key').on(t.tenantId, t.name).nullsNotDistinct()],
);

export type DatasetRow = typeof datasets.$inferSelect;
