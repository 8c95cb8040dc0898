import type { DatasetScorer } from '@switchyard/contracts';
import { integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { datasets } from './dataset.table.js';

/**
 * One immutable snapshot of a dataset's items. Uploading the same items again finds the existing
 * version by its content hash instead of adding one.
 */
export const datasetVersions = pgTable(
  'dataset_versions',
  {
    /** `dv_` + a time-sortable random id. */
    id: text('id').primaryKey(),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    /** 1, 2, 3… within its dataset. */
    version: integer('version').notNull(),
    /** sha256 (hex) of the canonical JSON of the item list, in order. */
    contentHash: text('content_hash').notNull(),
    itemCount: integer('item_count').notNull(),
    /** The scorer to judge this dataset with; null leaves the choice to whoever runs it. */
    scorer: jsonb('scorer').$type<DatasetScorer>(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('dataset_versions_dataset_id_version_key').on(t.datasetId, t.version), unique('dataset_versions_dataset_id_content_hash_key').on(t.datasetId, t.contentHash)],
);

export type DatasetVersionRow = typeof datasetVersions.$inferSelect;
