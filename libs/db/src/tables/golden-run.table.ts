import type { DatasetScorer } from '@switchyard/contracts';
import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { datasetVersions } from './dataset-version.table.js';

export type GoldenRunStatus = 'queued' | 'running' | 'completed' | 'cancelled' | 'failed';

/** Runs every item of a dataset version through each listed model and scores the answers. */
export const goldenRuns = pgTable(
  'golden_runs',
  {
    /** `gr_` + a time-sortable random id. */
    id: text('id').primaryKey(),
    datasetVersionId: text('dataset_version_id')
      .notNull()
      .references(() => datasetVersions.id),
    /** Configured model ids. */
    models: jsonb('models').$type<string[]>().notNull(),
    scorer: jsonb('scorer').$type<DatasetScorer>().notNull(),
    /** Per workload, a scorer that replaces `scorer` for the items of that workload. */
    workloadScorers: jsonb('workload_scorers').$type<Record<string, DatasetScorer>>().notNull().default({}),
    status: text('status').$type<GoldenRunStatus>().notNull().default('queued'),
    /** Calls to make: items × models. */
    total: integer('total').notNull(),
    done: integer('done').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    /** Why the run failed as a whole; null otherwise. */
    error: text('error'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
  },
  (t) => [
    index('golden_runs_created_at_id_idx').on(t.createdAt, t.id),
    index('golden_runs_dataset_version_id_idx').on(t.datasetVersionId),
    check('golden_runs_status_check', sql`${t.status} in ('queued', 'running', 'completed', 'cancelled', 'failed')`),
  ],
);

export type GoldenRunRow = typeof goldenRuns.$inferSelect;
