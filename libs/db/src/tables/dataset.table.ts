import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** A named evaluation dataset; its content lives in immutable versions. */
export const datasets = pgTable('datasets', {
  /** `ds_` + a time-sortable random id. */
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  description: text('description'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export type DatasetRow = typeof datasets.$inferSelect;
