import type { JsonPatchOperation, PolicyDiffDeltas, PolicyDiffEvidence, PolicyDiffReason, PolicyDiffStatus, PolicyDocument } from '@switchyard/contracts';
import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { policyVersions } from './policy-version.table.js';

/** Proposed policy changes under review. The status moves only through the repository's `transition`. */
export const policyDiffs = pgTable(
  'policy_diffs',
  {
    /** `pd_` + a time-sortable random id. */
    id: text('id').primaryKey(),
    environment: text('environment').notNull(),
    parentVersionId: text('parent_version_id')
      .notNull()
      .references(() => policyVersions.id),
    /** Validated against the configured models before it is stored. */
    proposedDocument: jsonb('proposed_document').$type<PolicyDocument>().notNull(),
    /** RFC 6902, from the parent's document to `proposed_document`. */
    patch: jsonb('patch').$type<JsonPatchOperation[]>().notNull(),
    /** Workload names (a JSON array, so `?|` finds the diffs touching any of them). */
    workloads: jsonb('workloads').$type<string[]>().notNull(),
    summary: text('summary').notNull(),
    predicted: jsonb('predicted').$type<PolicyDiffDeltas>().notNull(),
    evidence: jsonb('evidence').$type<PolicyDiffEvidence>().notNull(),
    reason: text('reason').$type<PolicyDiffReason>().notNull(),
    status: text('status').$type<PolicyDiffStatus>().notNull().default('proposed'),
    /** After a canary. */
    measured: jsonb('measured').$type<PolicyDiffDeltas>(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('policy_diffs_environment_status_created_at_idx').on(t.environment, t.status, t.createdAt),
    check('policy_diffs_status_check', sql`${t.status} in ('proposed', 'approved', 'rejected', 'canary', 'promoted', 'rolled_back', 'superseded')`),
    check('policy_diffs_reason_check', sql`${t.reason} in ('cheaper', 'better', 'drift')`),
  ],
);

export type PolicyDiffRow = typeof policyDiffs.$inferSelect;
