import { sql } from 'drizzle-orm';
import { check, doublePrecision, index, pgTable, text, timestamp, unique, uniqueIndex } from 'drizzle-orm/pg-core';
import { exactJsonb } from './exact-jsonb.column.js';

/** Where a score came from. */
export type ScoreSource = 'judge' | 'golden' | 'shadow' | 'feedback' | 'human';
/** `failed`: the scorer could not produce a score (e.g. an unparseable judge reply); the score is then null. */
export type ScoreStatus = 'ok' | 'failed';

/** Every score judges one span. Keyed by (span, scorer, scorer version, source) so that a retried write is a no-op. */
export const scores = pgTable(
  'scores',
  {
    /** `sc_` + a time-sortable random id. */
    id: text('id').primaryKey(),
    spanId: text('span_id').notNull(),
    scorer: text('scorer').notNull(),
    scorerVersion: text('scorer_version').notNull(),
    source: text('source').$type<ScoreSource>().notNull(),
    status: text('status').$type<ScoreStatus>().notNull(),
    /** Null exactly when the status is `failed`: a failed judgement is never a silent zero. */
    score: doublePrecision('score'),
    label: text('label'),
    reason: text('reason'),
    /** What the scorer returned as is, e.g. the judge's unparseable reply. */
    raw: text('raw'),
    /** Copied from the span when the score is written, so workload × model × time queries need no join. */
    workload: text('workload').notNull(),
    model: text('model'),
    /** The golden run, or the live span a shadow call replayed. */
    runId: text('run_id'),
    datasetItemId: text('dataset_item_id'),
    /** The span of the judge's own call. */
    judgeSpanId: text('judge_span_id'),
    metadata: exactJsonb<Record<string, unknown>>('metadata').notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('scores_span_id_scorer_scorer_version_source_key').on(t.spanId, t.scorer, t.scorerVersion, t.source),
    index('scores_workload_model_created_at_idx').on(t.workload, t.model, t.createdAt),
    index('scores_run_id_idx').on(t.runId),
    // The optimizer streams scores in (created_at, id) pages; without this each page scans the table.
    index('scores_created_at_id_idx').on(t.createdAt, t.id),
    // A golden run scores each item once per model, whatever the span: a retried job makes a new call
    // (a new span), and this key is what keeps it from counting twice.
    uniqueIndex('scores_golden_run_item_model_key').on(t.runId, t.datasetItemId, t.model).where(sql`${t.source} = 'golden'`),
    check('scores_status_check', sql`${t.status} in ('ok', 'failed')`),
    check('scores_score_null_iff_failed_check', sql`(${t.score} is null) = (${t.status} = 'failed')`),
  ],
);

export type ScoreRow = typeof scores.$inferSelect;
export type NewScoreRow = typeof scores.$inferInsert;
