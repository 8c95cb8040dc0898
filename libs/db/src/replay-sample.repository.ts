import { and, desc, eq, gte, isNotNull, lte, sql } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { spans } from './tables/index.js';

/** A recent client request with its stored body, for the optimizer to replay against candidate routes. */
export interface ReplaySampleRow {
  spanId: string;
  workload: string;
  requestBody: unknown;
}

export interface RecentReplaySamplesQuery {
  since: Date;
  /** Most recent requests kept per workload. */
  perWorkload: number;
}

/** Reads replayable requests: live, client-made, successful chat spans whose body was stored (redaction `full`). */
export class ReplaySampleRepository {
  constructor(private readonly db: Database) {}

  /** Per workload, its `perWorkload` newest replayable requests since `since`, newest first within a workload. */
  async recent(query: RecentReplaySamplesQuery): Promise<ReplaySampleRow[]> {
    const ranked = this.db
      .select({
        spanId: spans.spanId,
        workload: spans.workload,
        requestBody: spans.requestBody,
        startedAt: spans.startedAt,
        rank: sql<number>`row_number() over (partition by ${spans.workload} order by ${spans.startedAt} desc, ${spans.spanId} desc)`.as('rank'),
      })
      .from(spans)
      .where(
        and(
          gte(spans.startedAt, query.since),
          eq(spans.origin, 'live'),
          eq(spans.internal, false),
          eq(spans.status, 'ok'),
          eq(spans.operation, 'chat'),
          isNotNull(spans.requestBody),
          sql`jsonb_typeof(${spans.requestBody}) <> 'null'`,
        ),
      )
      .as('ranked');
    return this.db
      .select({ spanId: ranked.spanId, workload: ranked.workload, requestBody: ranked.requestBody })
      .from(ranked)
      .where(lte(ranked.rank, query.perWorkload))
      .orderBy(ranked.workload, desc(ranked.startedAt), desc(ranked.spanId));
  }
}
