import type { PolicyDiffAction } from '@switchyard/contracts';
import { sql } from 'drizzle-orm';
import { bigserial, check, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { policyDiffs } from './policy-diff.table.js';

/** Append-only audit of a diff's review and rollout: who did what, when, and what they said. */
export const policyDiffEvents = pgTable(
  'policy_diff_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    diffId: text('diff_id')
      .notNull()
      .references(() => policyDiffs.id),
    action: text('action').$type<PolicyDiffAction>().notNull(),
    actor: text('actor').notNull(),
    comment: text('comment'),
    /** E.g. the canary share of a step, or the diff that superseded this one. */
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('policy_diff_events_diff_id_id_idx').on(t.diffId, t.id),
    check(
      'policy_diff_events_action_check',
      sql`${t.action} in ('proposed', 'approved', 'rejected', 'canary_started', 'canary_step', 'promoted', 'rolled_back', 'superseded', 'commented')`,
    ),
  ],
);

export type PolicyDiffEventRow = typeof policyDiffEvents.$inferSelect;
