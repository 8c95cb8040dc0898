import { and, desc, eq, getTableColumns, gte, inArray, isNotNull, lt, type SQL, sql } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { newRowId } from './row-id.factory.js';
import { type ScoreRow, type ScoreSource, scores, type ScoreStatus, tenants } from './tables/index.js';
import type { TenantScope } from './virtual-key.repository.js';

/** A score to write. `score` must be null exactly when `status` is `failed` (the table enforces it). */
export interface NewScore {
  spanId: string;
  scorer: string;
  scorerVersion: string;
  source: ScoreSource;
  status: ScoreStatus;
  score: number | null;
  label?: string | null;
  reason?: string | null;
  raw?: string | null;
  /** Copied from the judged span. */
  workload: string;
  model: string | null;
  runId?: string | null;
  datasetItemId?: string | null;
  judgeSpanId?: string | null;
  metadata?: Record<string, unknown>;
}

export interface ScoreQuery {
  workload?: string;
  model?: string;
  source?: ScoreSource;
  /** Inclusive. */
  since?: Date;
  /** Exclusive. */
  until?: Date;
  limit: number;
}

/** One model's judged quality on a workload: how many scores, and their mean. */
export interface ModelQuality {
  model: string;
  n: number;
  mean: number;
}

/** One workload × model × source: enough to put an interval on the mean without reading the scores. */
export interface QualityCellStats {
  workload: string;
  model: string;
  source: ScoreSource;
  n: number;
  mean: number;
  /** Sample variance; null with fewer than two scores. */
  variance: number | null;
  /** How many of the scores are exactly 0 or 1; equal to n for a pass/fail scorer. */
  binary: number;
}

/** Postgres caps a statement at 65535 bind parameters; one row binds one per column. */
const ROWS_PER_INSERT = Math.floor(65_535 / Object.keys(getTableColumns(scores)).length);

const KEY = [scores.spanId, scores.scorer, scores.scorerVersion, scores.source];

/** A later feedback write for the same key replaces the earlier one: people change their minds. */
const FEEDBACK_UPDATE = {
  status: sql`excluded.status`,
  score: sql`excluded.score`,
  label: sql`excluded.label`,
  reason: sql`excluded.reason`,
  raw: sql`excluded.raw`,
  metadata: sql`excluded.metadata`,
};

/** The row a new score is stored as; exported for repositories that write a score inside their own transaction. */
export const scoreRowOf = (s: NewScore) => ({
  id: newRowId('sc'),
  ...s,
  label: s.label ?? null,
  reason: s.reason ?? null,
  raw: s.raw ?? null,
  runId: s.runId ?? null,
  datasetItemId: s.datasetItemId ?? null,
  judgeSpanId: s.judgeSpanId ?? null,
  metadata: s.metadata ?? {},
});

/**
 * Scores are written idempotently: the first write for (span, scorer, scorer version, source)
 * wins, so a retried judge job cannot double-count. Feedback is the exception: the latest wins.
 */
export class ScoreRepository {
  constructor(private readonly db: Database) {}

  /** True when a new row was inserted; false when the key existed (and, for feedback, was updated). */
  async record(score: NewScore): Promise<boolean> {
    const insert = this.db.insert(scores).values(scoreRowOf(score));
    const rows =
      score.source === 'feedback'
        ? await insert.onConflictDoUpdate({ target: KEY, set: FEEDBACK_UPDATE }).returning({ inserted: sql<boolean>`(xmax = 0)` })
        : await insert.onConflictDoNothing({ target: KEY }).returning({ inserted: sql<boolean>`true` });
    return rows[0]?.inserted === true;
  }

  /** Returns how many rows were new. Not one transaction: each row is idempotent, so a retry after a partial write is safe. */
  async recordMany(batch: NewScore[]): Promise<number> {
    let inserted = 0;
    const feedback = batch.filter((s) => s.source === 'feedback');
    const others = batch.filter((s) => s.source !== 'feedback');
    for (let start = 0; start < others.length; start += ROWS_PER_INSERT) {
      const rows = others.slice(start, start + ROWS_PER_INSERT).map(scoreRowOf);
      const result = await this.db.insert(scores).values(rows).onConflictDoNothing({ target: KEY });
      inserted += result.rowCount ?? 0;
    }
    // One statement cannot update the same row twice, so feedback rows go one by one, in order.
    for (const score of feedback) if (await this.record(score)) inserted++;
    return inserted;
  }

  /** The values a golden run's summary is computed from: one row per scored item × model. */
  async valuesForRun(runId: string): Promise<{ model: string | null; status: ScoreStatus; score: number | null }[]> {
    return this.db
      .select({ model: scores.model, status: scores.status, score: scores.score })
      .from(scores)
      .where(and(eq(scores.runId, runId), eq(scores.source, 'golden')));
  }

  /** Oldest first. */
  async forSpan(spanId: string): Promise<ScoreRow[]> {
    return this.db.select().from(scores).where(eq(scores.spanId, spanId)).orderBy(scores.createdAt, scores.id);
  }

  /** Newest first: the optimizer's workload × model × time window. */
  async query(q: ScoreQuery): Promise<ScoreRow[]> {
    const conditions: SQL[] = [];
    if (q.workload !== undefined) conditions.push(eq(scores.workload, q.workload));
    if (q.model !== undefined) conditions.push(eq(scores.model, q.model));
    if (q.source !== undefined) conditions.push(eq(scores.source, q.source));
    if (q.since !== undefined) conditions.push(gte(scores.createdAt, q.since));
    if (q.until !== undefined) conditions.push(lt(scores.createdAt, q.until));
    return this.db
      .select()
      .from(scores)
      .where(and(...conditions))
      .orderBy(desc(scores.createdAt), desc(scores.id))
      .limit(q.limit);
  }

  /**
   * Per model, the count and mean of one scorer's successful scores on a workload since a time, over
   * the given sources: what exploration weighs candidates by, cheap enough to ask every few seconds
   * (the workload × model × created_at index serves it).
   */
  async qualityByModel(q: { workload: string; scorer: string; sources: readonly ScoreSource[]; since: Date }): Promise<ModelQuality[]> {
    const rows = await this.db
      .select({ model: scores.model, n: sql<number>`count(*)::int`, mean: sql<number>`avg(${scores.score})::float8` })
      .from(scores)
      .where(
        and(
          eq(scores.workload, q.workload),
          eq(scores.scorer, q.scorer),
          inArray(scores.source, [...q.sources]),
          eq(scores.status, 'ok'),
          isNotNull(scores.model),
          gte(scores.createdAt, q.since),
        ),
      )
      .groupBy(scores.model);
    return rows.flatMap((r) => (r.model === null ? [] : [{ model: r.model, n: r.n, mean: r.mean }]));
  }

  /**
   * Successful scores since `since` per workload × model × source, over every scorer. A tenant
   * sees the workloads it owns (tenants.workloads), whoever's calls were scored: scores carry no tenant.
   */
  async qualityMatrix(tenantId: TenantScope, since: Date): Promise<QualityCellStats[]> {
    const owned = tenantId === null ? undefined : sql`${scores.workload} in (select jsonb_array_elements_text(${tenants.workloads}) from ${tenants} where ${tenants.id} = ${tenantId})`;
    const rows = await this.db
      .select({
        workload: scores.workload,
        model: scores.model,
        source: scores.source,
        n: sql<number>`count(*)::int`,
        mean: sql<number>`avg(${scores.score})::float8`,
        variance: sql<number | null>`var_samp(${scores.score})::float8`,
        binary: sql<number>`(count(*) filter (where ${scores.score} in (0, 1)))::int`,
      })
      .from(scores)
      .where(and(eq(scores.status, 'ok'), isNotNull(scores.model), gte(scores.createdAt, since), owned))
      .groupBy(scores.workload, scores.model, scores.source)
      .orderBy(scores.workload, scores.model, scores.source);
    return rows.flatMap((r) => (r.model === null ? [] : [{ ...r, model: r.model }]));
  }
}
