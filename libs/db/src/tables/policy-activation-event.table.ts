import { bigserial, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { policyVersions } from './policy-version.table.js';

/** Append-only audit of activations: who moved which environment from what to what, and why. */
export const policyActivationEvents = pgTable(
  'policy_activation_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    environment: text('environment').notNull(),
    versionId: text('version_id')
      .notNull()
      .references(() => policyVersions.id),
    /** Null for an environment's first activation. */
    previousVersionId: text('previous_version_id').references(() => policyVersions.id),
    activatedBy: text('activated_by').notNull(),
    reason: text('reason'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('policy_activation_events_environment_id_idx').on(t.environment, t.id)],
);

export type PolicyActivationEventRow = typeof policyActivationEvents.$inferSelect;
