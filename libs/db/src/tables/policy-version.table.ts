import type { PolicyDocument } from '@switchyard/contracts';
import { type AnyPgColumn, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Routing policy versions. Rows are immutable: a change is a new version whose parent is the one it edits. */
export const policyVersions = pgTable(
  'policy_versions',
  {
    /** `pv_` + a time-sortable random id. */
    id: text('id').primaryKey(),
    parentId: text('parent_id').references((): AnyPgColumn => policyVersions.id),
    createdBy: text('created_by').notNull(),
    reason: text('reason').notNull(),
    /**
     * Written only after validation. Readers that compile it validate it again: the schema and the
     * configured models may have moved on since it was stored.
     */
    document: jsonb('document').$type<PolicyDocument>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('policy_versions_created_at_id_idx').on(t.createdAt, t.id)],
);

export type PolicyVersionRow = typeof policyVersions.$inferSelect;
export type NewPolicyVersionRow = typeof policyVersions.$inferInsert;
