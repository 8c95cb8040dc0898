import { createHash } from 'node:crypto';
import type { DatasetItem, DatasetScorer } from '@switchyard/contracts';
import { and, desc, eq, getTableColumns, isNull, type SQL, sql } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { newRowId } from './row-id.factory.js';
import { type DatasetItemRow, datasetItems, type DatasetRow, datasets, type DatasetVersionRow, datasetVersions } from './tables/index.js';
import type { TenantScope } from './virtual-key.repository.js';

/** Whose dataset a name means: a tenant's, or null for the global ones. Unlike a `TenantScope`, null is not "any". */
export type DatasetOwner = string | null;

const ownedBy = (owner: DatasetOwner): SQL => (owner === null ? isNull(datasets.tenantId) : eq(datasets.tenantId, owner));
const inScope = (scope: TenantScope): SQL | undefined => (scope === null ? undefined : eq(datasets.tenantId, scope));

export interface NewDatasetVersion {
  /** The owner of the dataset `name` means; omitted: a global dataset. */
  tenantId?: DatasetOwner;
  /** Found (among the owner's), or created with this version. */
  name: string;
  /** Sets the dataset's description when given; kept as it was when not. */
  description?: string;
  /** Already validated against the dataset item schema, in file order. */
  items: readonly DatasetItem[];
  scorer?: DatasetScorer | null;
  createdBy: string;
}

export interface DatasetVersionResult {
  dataset: DatasetRow;
  version: DatasetVersionRow;
  /** False when a version with the same items already existed and was returned instead. */
  created: boolean;
}

export interface DatasetSummary extends DatasetRow {
  /** Null for a dataset without versions. */
  latestVersion: number | null;
  versionCount: number;
}

/** Items per insert statement: bounds the size of one statement's array parameters. */
const ITEMS_PER_INSERT = 10_000;

/** JSON with object keys sorted at every depth, so equal content always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * sha256 (hex) of the canonical item list, in order. An absent `expected`, `workload` or `span_id`
 * counts as null, so the same items hash the same whichever file format carried them.
 */
export function datasetContentHash(items: readonly DatasetItem[]): string {
  const hash = createHash('sha256');
  hash.update('[');
  items.forEach((item, i) => {
    if (i > 0) hash.update(',');
    hash.update(canonicalJson({ input: item.input, expected: item.expected ?? null, workload: item.workload ?? null, metadata: item.metadata, span_id: item.span_id ?? null }));
  });
  hash.update(']');
  return hash.digest('hex');
}

/** Datasets are append-only: a change is a new version, and a version's items never change. */
export class DatasetRepository {
  constructor(private readonly db: Database) {}

  /**
   * Stores the items as the dataset's next version, all or nothing. The same items as an existing
   * version (by content hash) return that version, `created: false`, whatever its scorer.
   */
  async createVersion(input: NewDatasetVersion): Promise<DatasetVersionResult> {
    const contentHash = datasetContentHash(input.items);
    return this.db.transaction(async (tx) => {
      // The upsert also locks the dataset row, so concurrent uploads to one dataset number their versions in turn.
      const [dataset] = await tx
        .insert(datasets)
        .values({ id: newRowId('ds'), tenantId: input.tenantId ?? null, name: input.name, description: input.description ?? null })
        // The (tenant, name) key treats nulls as equal, so this also finds a global dataset.
        .onConflictDoUpdate({ target: [datasets.tenantId, datasets.name], set: { description: sql`coalesce(excluded.description, ${datasets.description})` } })
        .returning();
      if (!dataset) throw new Error('upsert into datasets returned no row');

      const [existing] = await tx
        .select()
        .from(datasetVersions)
        .where(and(eq(datasetVersions.datasetId, dataset.id), eq(datasetVersions.contentHash, contentHash)));
      if (existing) return { dataset, version: existing, created: false };

      const [latest] = await tx
        .select({ version: sql<number>`coalesce(max(${datasetVersions.version}), 0)::int` })
        .from(datasetVersions)
        .where(eq(datasetVersions.datasetId, dataset.id));
      const [version] = await tx
        .insert(datasetVersions)
        .values({
          id: newRowId('dv'),
          datasetId: dataset.id,
          version: (latest?.version ?? 0) + 1,
          contentHash,
          itemCount: input.items.length,
          scorer: input.scorer ?? null,
          createdBy: input.createdBy,
        })
        .returning();
      if (!version) throw new Error('insert into dataset_versions returned no row');

      for (let start = 0; start < input.items.length; start += ITEMS_PER_INSERT) {
        const chunk = input.items.slice(start, start + ITEMS_PER_INSERT);
        const json = (value: unknown): string | null => (value === undefined || value === null ? null : JSON.stringify(value));
        // One array parameter per column: far fewer bind parameters to build and parse than a row of them per item.
        await tx.execute(sql`
          insert into ${datasetItems} (id, dataset_version_id, position, input, expected, workload, metadata, source_span_id)
          select id, ${version.id}, position, input, expected, workload, metadata, source_span_id
          from unnest(
            ${sql.param(chunk.map(() => newRowId('di')))}::text[],
            ${sql.param(chunk.map((_, i) => start + i))}::int[],
            ${sql.param(chunk.map((item) => json(item.input)))}::jsonb[],
            ${sql.param(chunk.map((item) => json(item.expected)))}::jsonb[],
            ${sql.param(chunk.map((item) => item.workload ?? null))}::text[],
            ${sql.param(chunk.map((item) => json(item.metadata)))}::jsonb[],
            ${sql.param(chunk.map((item) => item.span_id ?? null))}::text[]
          ) as t(id, position, input, expected, workload, metadata, source_span_id)`);
      }
      return { dataset, version, created: true };
    });
  }

  /** The latest version when `version` is omitted; undefined when the owner has no such dataset or version. */
  async getVersion(owner: DatasetOwner, name: string, version?: number): Promise<{ dataset: DatasetRow; version: DatasetVersionRow } | undefined> {
    const [row] = await this.db
      .select({ dataset: datasets, version: datasetVersions })
      .from(datasetVersions)
      .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
      .where(and(ownedBy(owner), eq(datasets.name, name), version === undefined ? undefined : eq(datasetVersions.version, version)))
      .orderBy(desc(datasetVersions.version))
      .limit(1);
    return row;
  }

  /** Undefined also when the version's dataset is outside `scope`. */
  async getVersionById(scope: TenantScope, versionId: string): Promise<{ dataset: DatasetRow; version: DatasetVersionRow } | undefined> {
    const [row] = await this.db
      .select({ dataset: datasets, version: datasetVersions })
      .from(datasetVersions)
      .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
      .where(and(eq(datasetVersions.id, versionId), inScope(scope)));
    return row;
  }

  /** By name, then owner (global ones first). Null scope: every owner's. */
  async listDatasets(scope: TenantScope): Promise<DatasetSummary[]> {
    return this.db
      .select({
        ...getTableColumns(datasets),
        latestVersion: sql<number | null>`max(${datasetVersions.version})::int`,
        versionCount: sql<number>`count(${datasetVersions.id})::int`,
      })
      .from(datasets)
      .leftJoin(datasetVersions, eq(datasetVersions.datasetId, datasets.id))
      .where(inScope(scope))
      .groupBy(datasets.id)
      .orderBy(datasets.name, sql`${datasets.tenantId} nulls first`);
  }

  /** Newest first; undefined when the owner has no such dataset. */
  async listVersions(owner: DatasetOwner, name: string): Promise<{ dataset: DatasetRow; versions: DatasetVersionRow[] } | undefined> {
    const [dataset] = await this.db
      .select()
      .from(datasets)
      .where(and(ownedBy(owner), eq(datasets.name, name)));
    if (!dataset) return undefined;
    const versions = await this.db.select().from(datasetVersions).where(eq(datasetVersions.datasetId, dataset.id)).orderBy(desc(datasetVersions.version));
    return { dataset, versions };
  }

  async getItem(itemId: string): Promise<DatasetItemRow | undefined> {
    const [row] = await this.db.select().from(datasetItems).where(eq(datasetItems.id, itemId));
    return row;
  }

  /** Item ids in file order, without their content: what a golden run enqueues jobs for. */
  async itemIds(versionId: string, page: { offset: number; limit: number }): Promise<{ id: string; workload: string | null }[]> {
    return this.db
      .select({ id: datasetItems.id, workload: datasetItems.workload })
      .from(datasetItems)
      .where(eq(datasetItems.datasetVersionId, versionId))
      .orderBy(datasetItems.position)
      .offset(page.offset)
      .limit(page.limit);
  }

  /** In file order. */
  async items(versionId: string, page: { offset: number; limit: number }): Promise<DatasetItemRow[]> {
    return this.db
      .select()
      .from(datasetItems)
      .where(eq(datasetItems.datasetVersionId, versionId))
      .orderBy(datasetItems.position)
      .offset(page.offset)
      .limit(page.limit);
  }
}
