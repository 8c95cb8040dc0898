import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { policyVersions } from './policy-version.table.js';

/** The version each environment serves: one row per environment, moved by activation. */
export const policyActivations = pgTable('policy_activations', {
  environment: text('environment').primaryKey(),
  versionId: text('version_id')
    .notNull()
    .references(() => policyVersions.id),
  activatedBy: text('activated_by').notNull(),
  activatedAt: timestamp('activated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type PolicyActivationRow = typeof policyActivations.$inferSelect;
