import { and, eq, gte, isNotNull, sql } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { spans } from './tables/index.js';

/** Whose spend: a virtual key's, a tenant's, or a workload's live traffic. */
export type SpendScope = { kind: 'key'; id: string } | { kind: 'tenant'; id: string } | { kind: 'workload'; id: string };

/** Spend in one UTC hour (`hour` = ms since epoch / 3.6e6). */
export interface HourlySpend {
  hour: number;
  usd: number;
}

/**
 * Spend recorded on spans, the durable copy of what budgets count in Redis: a budget window that
 * Redis lost (a restart, an eviction) is rebuilt from here.
 */
export class SpendRepository {
  constructor(private readonly db: Database) {}

  /** Spend since `from`, per UTC hour, oldest first. */
  async hourlySince(scope: SpendScope, from: Date): Promise<HourlySpend[]> {
    const hour = sql<number>`floor(extract(epoch from ${spans.startedAt}) / 3600)::bigint`;
    const rows = await this.db
      .select({ hour: sql<string>`${hour}`, usd: sql<string>`sum(${spans.costUsd})` })
      .from(spans)
      .where(and(scopeFilter(scope), gte(spans.startedAt, from), isNotNull(spans.costUsd)))
      .groupBy(hour)
      .orderBy(hour);
    return rows.map((r) => ({ hour: Number(r.hour), usd: Number(r.usd) }));
  }
}

const scopeFilter = (scope: SpendScope) => {
  switch (scope.kind) {
    case 'key':
      return eq(spans.virtualKeyId, scope.id);
    case 'tenant':
      return eq(spans.tenant, scope.id);
    case 'workload':
      // Workload budgets cap client traffic; the gateway's own judge and probe calls have theirs.
      return and(eq(spans.workload, scope.id), eq(spans.origin, 'live'));
  }
};
