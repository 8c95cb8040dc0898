import type { DatasetScorer } from '@switchyard/contracts';
import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { newRowId } from './row-id.factory.js';
import { type NewScore, scoreRowOf } from './score.repository.js';
import { datasets, datasetVersions, type GoldenRunRow, goldenRuns, type GoldenRunStatus, scores } from './tables/index.js';
import type { TenantScope } from './virtual-key.repository.js';

export interface NewGoldenRun {
  datasetVersionId: string;
  models: string[];
  scorer: DatasetScorer;
  /** Per workload, a scorer that replaces `scorer` for that workload's items. */
  workloadScorers?: Record<string, DatasetScorer>;
  /** Calls to make: items × models. */
  total: number;
  createdBy: string;
}

/** The database, or a transaction on it. */
type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

/** Statuses a run can still move from. */
const ACTIVE: GoldenRunStatus[] = ['queued', 'running'];

/** Runs move queued → running → completed, or to cancelled / failed; counters only ever grow. */
export class GoldenRunRepository {
  constructor(private readonly db: Database) {}

  async create(input: NewGoldenRun): Promise<GoldenRunRow> {
    const [row] = await this.db
      .insert(goldenRuns)
      .values({ id: newRowId('gr'), ...input, workloadScorers: input.workloadScorers ?? {} })
      .returning();
    if (!row) throw new Error('insert into golden_runs returned no row');
    return row;
  }

  async get(id: string): Promise<GoldenRunRow | undefined> {
    return this.getScoped(null, id);
  }

  /** A run belongs to the owner of its dataset: undefined for a run on a dataset outside the scope. */
  async getScoped(tenantId: TenantScope, id: string): Promise<GoldenRunRow | undefined> {
    const [row] = await this.db
      .select()
      .from(goldenRuns)
      .where(and(eq(goldenRuns.id, id), ofTenant(tenantId)));
    return row;
  }

  /** Newest first; only runs on the scope's datasets (null scope: all). */
  async list(tenantId: TenantScope, options: { datasetVersionId?: string; status?: GoldenRunStatus; limit: number }): Promise<GoldenRunRow[]> {
    const conditions: SQL[] = [];
    if (options.datasetVersionId !== undefined) conditions.push(eq(goldenRuns.datasetVersionId, options.datasetVersionId));
    if (options.status !== undefined) conditions.push(eq(goldenRuns.status, options.status));
    const scoped = ofTenant(tenantId);
    if (scoped) conditions.push(scoped);
    return this.db
      .select()
      .from(goldenRuns)
      .where(and(...conditions))
      .orderBy(desc(goldenRuns.createdAt), desc(goldenRuns.id))
      .limit(options.limit);
  }

  /** Queued → running (completed at once when there is nothing to do). Undefined when the run was not queued. */
  async markStarted(id: string): Promise<GoldenRunRow | undefined> {
    const [row] = await this.db
      .update(goldenRuns)
      .set({
        status: sql`case when ${goldenRuns.total} = 0 then 'completed' else 'running' end`,
        startedAt: sql`now()`,
        finishedAt: sql`case when ${goldenRuns.total} = 0 then now() end`,
      })
      .where(and(eq(goldenRuns.id, id), eq(goldenRuns.status, 'queued')))
      .returning();
    return row;
  }

  /**
   * Adds to the counters in one statement, so concurrent workers never lose a count, and completes
   * an active run once every call is done or failed. A cancelled run still counts the calls that were in flight.
   */
  async incrementProgress(id: string, by: { done: number; failed: number }): Promise<GoldenRunRow | undefined> {
    return addProgress(this.db, id, by);
  }

  /** Whether the item × model already has its result (a score, or a failed one) in this run. */
  async hasResult(runId: string, datasetItemId: string, model: string): Promise<boolean> {
    const [row] = await this.db
      .select({ one: sql<number>`1` })
      .from(scores)
      .where(and(eq(scores.runId, runId), eq(scores.datasetItemId, datasetItemId), eq(scores.model, model), eq(scores.source, 'golden')))
      .limit(1);
    return row !== undefined;
  }

  /**
   * Stores an item × model result and counts it (as done, or as failed when the score failed) in one
   * transaction, exactly once: the golden key on scores (run, item, model) makes a second result for
   * the same item × model, e.g. from a retried job's new call, a no-op that counts nothing.
   */
  async recordResult(score: NewScore & { runId: string; datasetItemId: string; model: string }): Promise<{ counted: boolean; run: GoldenRunRow | undefined }> {
    if (score.source !== 'golden') throw new Error(`recordResult stores golden scores, got source ${score.source}`);
    return this.db.transaction(async (tx) => {
      const inserted = await tx.insert(scores).values(scoreRowOf(score)).onConflictDoNothing().returning({ id: scores.id });
      if (inserted.length === 0) return { counted: false, run: undefined };
      const by = score.status === 'ok' ? { done: 1, failed: 0 } : { done: 0, failed: 1 };
      const run = await addProgress(tx, score.runId, by);
      return { counted: true, run };
    });
  }

  /** Undefined when the run does not exist or has already ended. */
  async cancel(id: string): Promise<GoldenRunRow | undefined> {
    const [row] = await this.db
      .update(goldenRuns)
      .set({ status: 'cancelled', cancelledAt: sql`now()`, finishedAt: sql`now()` })
      .where(and(eq(goldenRuns.id, id), inArray(goldenRuns.status, ACTIVE)))
      .returning();
    return row;
  }

  /** The run as a whole could not go on (e.g. its dataset version is gone). Undefined when it had already ended. */
  async markFailed(id: string, error: string): Promise<GoldenRunRow | undefined> {
    const [row] = await this.db
      .update(goldenRuns)
      .set({ status: 'failed', error, finishedAt: sql`now()` })
      .where(and(eq(goldenRuns.id, id), inArray(goldenRuns.status, ACTIVE)))
      .returning();
    return row;
  }
}

/** Runs on datasets the tenant owns; undefined (no condition) for the null scope. */
const ofTenant = (tenantId: TenantScope): SQL | undefined =>
  tenantId === null
    ? undefined
    : sql`exists (select 1 from ${datasetVersions} join ${datasets} on ${datasets.id} = ${datasetVersions.datasetId} where ${datasetVersions.id} = ${goldenRuns.datasetVersionId} and ${datasets.tenantId} = ${tenantId})`;

async function addProgress(db: Executor, id: string, by: { done: number; failed: number }): Promise<GoldenRunRow | undefined> {
  const finished = sql`${goldenRuns.done} + ${by.done} + ${goldenRuns.failed} + ${by.failed} >= ${goldenRuns.total} and ${goldenRuns.status} in ('queued', 'running')`;
  const [row] = await db
    .update(goldenRuns)
    .set({
      done: sql`${goldenRuns.done} + ${by.done}`,
      failed: sql`${goldenRuns.failed} + ${by.failed}`,
      status: sql`case when ${finished} then 'completed' else ${goldenRuns.status} end`,
      finishedAt: sql`case when ${finished} then now() else ${goldenRuns.finishedAt} end`,
    })
    .where(eq(goldenRuns.id, id))
    .returning();
  return row;
}
