import type { DatasetItemInput } from '@switchyard/contracts';
import { integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { datasetVersions } from './dataset-version.table.js';
import { exactJsonb } from './exact-jsonb.column.js';

/** One prompt of a dataset version. Written once, with its version, and never changed. */
export const datasetItems = pgTable(
  'dataset_items',
  {
    /** `di_` + a time-sortable random id; scores of golden runs point here. */
    id: text('id').primaryKey(),
    datasetVersionId: text('dataset_version_id')
      .notNull()
      .references(() => datasetVersions.id),
    /** 0-based place in the uploaded file. */
    position: integer('position').notNull(),
    input: exactJsonb<DatasetItemInput>('input').notNull(),
    /** Null when the item has no reference answer. */
    expected: exactJsonb<unknown>('expected'),
    workload: text('workload'),
    metadata: exactJsonb<Record<string, unknown>>('metadata').notNull().default({}),
    /** The live span the item was taken from, if any. */
    sourceSpanId: text('source_span_id'),
  },
  (t) => [uniqueIndex('dataset_items_dataset_version_id_position_idx').on(t.datasetVersionId, t.position)],
);

export type DatasetItemRow = typeof datasetItems.$inferSelect;
export type NewDatasetItemRow = typeof datasetItems.$inferInsert;
