import { and, asc, desc, DrizzleQueryError, eq, getTableColumns, gte, isNotNull, lt, ne, type SQL, sql } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { type NewSpanRow, type SpanOrigin, type SpanRow, spans, type SpanStatus, tenants } from './tables/index.js';
import type { TenantScope } from './virtual-key.repository.js';

/** A tenant sees the spans of its keys' calls; null scope (the global admin) sees every span. */
const inScope = (tenantId: TenantScope): SQL | undefined => (tenantId === null ? undefined : eq(spans.tenant, tenantId));

/** Postgres caps a statement at 65535 bind parameters; each row binds one per column. */
const MAX_ROWS_PER_INSERT = Math.floor(65_535 / Object.keys(getTableColumns(spans)).length);

/**
 * The span insert, written out once: drizzle's builder re-walks its SQL chunks for every bound
 * value, which was 11% of the gateway's CPU at full load (bench:overhead profile). Values still go
 * through each column's own driver mapping, and an absent value is `default`, as drizzle does.
 */
const SPAN_COLUMNS = Object.entries(getTableColumns(spans)).map(([key, column]) => ({ key: key as keyof NewSpanRow, column }));
const SPAN_INSERT_HEAD = `insert into "spans" (${SPAN_COLUMNS.map((c) => `"${c.column.name}"`).join(', ')}) values `;
const SPAN_INSERT_TAIL = ` on conflict ("${spans.spanId.name}") do nothing`;

function spanInsert(rows: readonly NewSpanRow[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples = rows.map((row) => {
    const cells = SPAN_COLUMNS.map(({ key, column }) => {
      const value = row[key];
      if (value === undefined) return 'default';
      values.push(value === null ? null : column.mapToDriverValue(value));
      return `$${values.length}`;
    });
    return `(${cells.join(', ')})`;
  });
  return { text: SPAN_INSERT_HEAD + tuples.join(', ') + SPAN_INSERT_TAIL, values };
}

/**
 * Drizzle's error message embeds every bound parameter, here prompt and response bodies, which
 * must not reach logs or the readiness endpoint. Callers get pg's own error (message, SQLSTATE code).
 */
const withoutParams = (error: unknown): unknown => (error instanceof DrizzleQueryError && error.cause !== undefined ? error.cause : error);

/** Which live chat spans to turn into dataset items. */
export interface DatasetSpanFilter {
  workload?: string;
  model?: string;
  /** Inclusive. */
  since?: Date;
  /** Exclusive. */
  until?: Date;
  status?: SpanStatus;
  limit: number;
}

/** One model's calls in a golden run. */
export interface RunModelStats {
  model: string;
  /** Every call, retries included. */
  calls: number;
  okCalls: number;
  /** Summed over every call: a retried call was paid for too. Null when no call had a known cost. */
  costUsd: number | null;
  /** Latency of the successful calls (linear interpolation, as `quantile` in libs/scoring); null without any. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

/** A workload's live client requests in a window. */
export interface WorkloadVolume {
  workload: string;
  requests: number;
  /** When the first and the last of those requests started. */
  firstAt: Date;
  lastAt: Date;
}

/** Admin span search; every filter optional. Newest first. */
export interface SpanSearch {
  workload?: string;
  model?: string;
  status?: SpanStatus;
  origin?: SpanOrigin;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  /** Only spans with at least one successful score in [minScore, maxScore]. */
  minScore?: number;
  maxScore?: number;
  /** Keyset: only spans strictly older than this (started_at, span_id). */
  before?: { startedAt: Date; spanId: string };
  limit: number;
}

/** A search hit: the span's list columns and a summary of its successful scores. */
export type SpanSearchRow = Pick<
  SpanRow,
  'spanId' | 'startedAt' | 'workload' | 'model' | 'provider' | 'status' | 'httpStatus' | 'latencyMs' | 'costUsd' | 'inputTokens' | 'outputTokens' | 'origin' | 'rule' | 'strategy'
> & { scoreCount: number; scoreMean: number | null };

/** Client calls of one workload × served model in one time bucket. */
export interface UsageBucketRow {
  bucket: Date;
  workload: string;
  model: string | null;
  requests: number;
  errors: number;
  costUsd: number | null;
  latencyP95Ms: number | null;
}

/** The gateway's own calls of one origin in a window. */
export interface InternalUsageRow {
  origin: Exclude<SpanOrigin, 'live'>;
  requests: number;
  costUsd: number;
}

/** The outer span's id, qualified: drizzle writes a bare column name in select fields, which a subquery on scores would read as its own. */
const spanIdColumn = sql`${spans}.${sql.identifier(spans.spanId.name)}`;

/** The workloads a tenant owns (tenants.workloads), as a subquery. */
const ownedWorkloads = (tenantId: string): SQL => sql`(select jsonb_array_elements_text(${tenants.workloads}) from ${tenants} where ${tenants.id} = ${tenantId})`;

export class SpanRepository {
  constructor(private readonly db: Database) {}

  /**
   * Inserts rows in as few statements as the parameter limit allows and returns how many were new.
   * Chunks are not wrapped in one transaction: a span id already present is skipped, so retrying
   * a batch that partly landed is safe.
   */
  async insertMany(rows: NewSpanRow[]): Promise<number> {
    let inserted = 0;
    try {
      for (let start = 0; start < rows.length; start += MAX_ROWS_PER_INSERT) {
        const chunk = rows.slice(start, start + MAX_ROWS_PER_INSERT);
        const { text, values } = spanInsert(chunk);
        const result = await this.db.$client.query(text, values);
        inserted += result.rowCount ?? 0;
      }
    } catch (error) {
      throw withoutParams(error);
    }
    return inserted;
  }

  async findById(spanId: string): Promise<SpanRow | undefined> {
    const [row] = await this.db.select().from(spans).where(eq(spans.spanId, spanId));
    return row;
  }

  /** Undefined also for another tenant's span: to a tenant it does not exist. */
  async findScoped(tenantId: TenantScope, spanId: string): Promise<SpanRow | undefined> {
    const [row] = await this.db
      .select()
      .from(spans)
      .where(and(eq(spans.spanId, spanId), inScope(tenantId)));
    return row;
  }

  /** Ids travel as one array parameter, so any number of them fits in one statement. */
  async findByIds(spanIds: string[]): Promise<SpanRow[]> {
    return this.findManyScoped(null, spanIds);
  }

  /** Like findByIds, leaving out the spans outside the scope. */
  async findManyScoped(tenantId: TenantScope, spanIds: string[]): Promise<SpanRow[]> {
    return this.db
      .select()
      .from(spans)
      .where(and(sql`${spans.spanId} = any(${sql.param(spanIds)}::text[])`, inScope(tenantId)));
  }

  async countByIds(spanIds: string[]): Promise<number> {
    const [row] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(spans)
      .where(sql`${spans.spanId} = any(${sql.param(spanIds)}::text[])`);
    return row?.count ?? 0;
  }

  /**
   * Live chat spans whose request body was stored (redaction `full`), oldest first: the ones a
   * dataset item can be made from. The gateway's own judge, golden and shadow calls are left out,
   * and so are spans outside the scope.
   */
  async findForDataset(tenantId: TenantScope, filter: DatasetSpanFilter): Promise<SpanRow[]> {
    const conditions: SQL[] = [eq(spans.origin, 'live'), eq(spans.internal, false), eq(spans.operation, 'chat'), isNotNull(spans.requestBody)];
    if (tenantId !== null) conditions.push(eq(spans.tenant, tenantId));
    if (filter.workload !== undefined) conditions.push(eq(spans.workload, filter.workload));
    if (filter.model !== undefined) conditions.push(eq(spans.model, filter.model));
    if (filter.since !== undefined) conditions.push(gte(spans.startedAt, filter.since));
    if (filter.until !== undefined) conditions.push(lt(spans.startedAt, filter.until));
    if (filter.status !== undefined) conditions.push(eq(spans.status, filter.status));
    return this.db
      .select()
      .from(spans)
      .where(and(...conditions))
      .orderBy(asc(spans.startedAt), asc(spans.spanId))
      .limit(filter.limit);
  }

  /** Per model that served a call of the run, by model id. */
  async runStats(runId: string): Promise<RunModelStats[]> {
    const ok = sql`${spans.status} = 'ok'`;
    const rows = await this.db
      .select({
        model: spans.model,
        calls: sql<number>`count(*)::int`,
        okCalls: sql<number>`(count(*) filter (where ${ok}))::int`,
        costUsd: sql<number | null>`sum(${spans.costUsd})`,
        latencyP50Ms: sql<number | null>`percentile_cont(0.5) within group (order by ${spans.latencyMs}) filter (where ${ok})`,
        latencyP95Ms: sql<number | null>`percentile_cont(0.95) within group (order by ${spans.latencyMs}) filter (where ${ok})`,
      })
      .from(spans)
      .where(and(eq(spans.runId, runId), isNotNull(spans.runId), isNotNull(spans.model)))
      .groupBy(spans.model)
      .orderBy(asc(spans.model));
    return rows.flatMap((r) => (r.model === null ? [] : [{ ...r, model: r.model }]));
  }

  /**
   * Live, client-made chat requests per workload that started in [since, until), whatever their
   * status: the traffic a route change would apply to. The gateway's own judge, golden and shadow
   * calls are left out, and so are embeddings, which a chat route's per-request cost says nothing about.
   */
  async liveVolume(window: { since: Date; until: Date }): Promise<WorkloadVolume[]> {
    return this.db
      .select({
        workload: spans.workload,
        requests: sql<number>`count(*)::int`,
        firstAt: sql<Date>`min(${spans.startedAt})`.mapWith(spans.startedAt),
        lastAt: sql<Date>`max(${spans.startedAt})`.mapWith(spans.startedAt),
      })
      .from(spans)
      .where(
        and(
          eq(spans.origin, 'live'),
          eq(spans.internal, false),
          eq(spans.operation, 'chat'),
          gte(spans.startedAt, window.since),
          lt(spans.startedAt, window.until),
        ),
      )
      .groupBy(spans.workload)
      .orderBy(asc(spans.workload));
  }

  /**
   * Admin search, newest first by (started_at, span_id); the started_at index (or the tenant's,
   * or the workload × model one) serves it. The score columns read each hit's scores through the
   * scores' span-id key.
   */
  async search(tenantId: TenantScope, q: SpanSearch): Promise<SpanSearchRow[]> {
    const conditions: SQL[] = [];
    const scope = inScope(tenantId);
    if (scope) conditions.push(scope);
    if (q.workload !== undefined) conditions.push(eq(spans.workload, q.workload));
    if (q.model !== undefined) conditions.push(eq(spans.model, q.model));
    if (q.status !== undefined) conditions.push(eq(spans.status, q.status));
    if (q.origin !== undefined) conditions.push(eq(spans.origin, q.origin));
    if (q.from !== undefined) conditions.push(gte(spans.startedAt, q.from));
    if (q.to !== undefined) conditions.push(lt(spans.startedAt, q.to));
    if (q.before !== undefined) conditions.push(sql`(${spans.startedAt}, ${spans.spanId}) < (${q.before.startedAt.toISOString()}::timestamptz, ${q.before.spanId})`);
    if (q.minScore !== undefined || q.maxScore !== undefined) {
      conditions.push(
        sql`exists (select 1 from scores x where x.span_id = ${spanIdColumn} and x.status = 'ok' and x.score >= ${q.minScore ?? 0} and x.score <= ${q.maxScore ?? 1})`,
      );
    }
    return this.db
      .select({
        spanId: spans.spanId,
        startedAt: spans.startedAt,
        workload: spans.workload,
        model: spans.model,
        provider: spans.provider,
        status: spans.status,
        httpStatus: spans.httpStatus,
        latencyMs: spans.latencyMs,
        costUsd: spans.costUsd,
        inputTokens: spans.inputTokens,
        outputTokens: spans.outputTokens,
        origin: spans.origin,
        rule: spans.rule,
        strategy: spans.strategy,
        scoreCount: sql<number>`(select count(*)::int from scores x where x.span_id = ${spanIdColumn} and x.status = 'ok')`,
        scoreMean: sql<number | null>`(select avg(x.score)::float8 from scores x where x.span_id = ${spanIdColumn} and x.status = 'ok')`,
      })
      .from(spans)
      .where(and(...conditions))
      .orderBy(desc(spans.startedAt), desc(spans.spanId))
      .limit(q.limit);
  }

  /**
   * Client calls (origin `live`) in [from, to) per bucket × workload × served model, buckets of
   * `bucketMs` aligned to `from`; a tenant sees its own keys' calls. Ordered by bucket, workload, model.
   */
  async usage(tenantId: TenantScope, window: { from: Date; to: Date; bucketMs: number }): Promise<UsageBucketRow[]> {
    const bucket = sql<Date>`date_bin(${`${window.bucketMs} milliseconds`}::interval, ${spans.startedAt}, ${window.from.toISOString()}::timestamptz)`;
    const rows = await this.db
      .select({
        bucket: bucket.mapWith(spans.startedAt),
        workload: spans.workload,
        model: spans.model,
        requests: sql<number>`count(*)::int`,
        errors: sql<number>`(count(*) filter (where ${spans.status} = 'error'))::int`,
        costUsd: sql<number | null>`sum(${spans.costUsd})::float8`,
        latencyP95Ms: sql<number | null>`percentile_cont(0.95) within group (order by ${spans.latencyMs})`,
      })
      .from(spans)
      .where(and(eq(spans.origin, 'live'), gte(spans.startedAt, window.from), lt(spans.startedAt, window.to), inScope(tenantId)))
      .groupBy(sql`1`, spans.workload, spans.model)
      .orderBy(sql`1`, asc(spans.workload), asc(spans.model));
    return rows;
  }

  /**
   * The gateway's own calls (judge, golden, shadow) in [from, to), per origin. They carry no
   * tenant: a tenant's are those on the workloads it owns.
   */
  async internalUsage(tenantId: TenantScope, window: { from: Date; to: Date }): Promise<InternalUsageRow[]> {
    const rows = await this.db
      .select({ origin: spans.origin, requests: sql<number>`count(*)::int`, costUsd: sql<number>`coalesce(sum(${spans.costUsd}), 0)::float8` })
      .from(spans)
      .where(
        and(
          ne(spans.origin, 'live'),
          gte(spans.startedAt, window.from),
          lt(spans.startedAt, window.to),
          tenantId === null ? undefined : sql`${spans.workload} in ${ownedWorkloads(tenantId)}`,
        ),
      )
      .groupBy(spans.origin)
      .orderBy(asc(spans.origin));
    return rows.flatMap((r) => (r.origin === 'live' ? [] : [{ origin: r.origin, requests: r.requests, costUsd: r.costUsd }]));
  }

  /** Readiness probe: resolves after one round trip to Postgres, rejects when it is unreachable. */
  async ping(): Promise<void> {
    await this.db.execute(sql`select 1`);
  }
}
