import { sql } from 'drizzle-orm';
import { bigserial, check, doublePrecision, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { CanaryMeasurement } from '../canary-measurement.repository.js';
import { policyDiffs } from './policy-diff.table.js';

/** What a check decided: keep waiting, advance (or promote), or roll back. */
export type CanaryCheckVerdict = 'wait' | 'pass' | 'fail';

/**
 * Every check of a canary step, with both arms as measured then: the rollout's time series. Apart
 * from policy_diff_events, which records only the moves, so a step's minute-by-minute checks do not
 * bury the review log.
 */
export const canaryChecks = pgTable(
  'canary_checks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    diffId: text('diff_id')
      .notNull()
      .references(() => policyDiffs.id),
    /** 0-based index into the schedule's steps. */
    step: integer('step').notNull(),
    /** The canary share of that step. */
    share: doublePrecision('share').notNull(),
    versionId: text('version_id').notNull(),
    verdict: text('verdict').$type<CanaryCheckVerdict>().notNull(),
    reason: text('reason').notNull(),
    /** Both arms since the step began (cumulative, as the verdict saw them). */
    measurement: jsonb('measurement').$type<CanaryMeasurement>().notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('canary_checks_diff_id_id_idx').on(t.diffId, t.id), check('canary_checks_verdict_check', sql`${t.verdict} in ('wait', 'pass', 'fail')`)],
);

export type CanaryCheckRow = typeof canaryChecks.$inferSelect;
