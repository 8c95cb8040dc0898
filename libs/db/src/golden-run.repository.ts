import type { DatasetScorer } from '@switchyard/contracts';
import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { newRowId } from './row-id.factory.js';
import { type GoldenRunRow, goldenRuns, type GoldenRunStatus } from './tables/index.js';

export interface NewGoldenRun {
  datasetVersionId: string;
  models: string[];
  scorer: DatasetScorer;
  /** Calls to make: items × models. */
  total: number;
  createdBy: string;
}

/** Statuses a run can still move from. */
const ACTIVE: GoldenRunStatus[] = ['queued', 'running'];

/** Runs move queued → running → completed, or to cancelled / failed; counters only ever grow. */
export class GoldenRunRepository {
  constructor(private readonly db: Database) {}

  async create(input: NewGoldenRun): Promise<GoldenRunRow> {
    const [row] = await this.db
      .insert(goldenRuns)
      .values({ id: newRowId('gr'), ...input })
      .returning();
    if (!row) throw new Error('insert into golden_runs returned no row');
    return row;
  }

  async get(id: string): Promise<GoldenRunRow | undefined> {
    const [row] = await this.db.select().from(goldenRuns).where(eq(goldenRuns.id, id));
    return row;
  }

  /** Newest first. */
  async list(options: { datasetVersionId?: string; status?: GoldenRunStatus; limit: number }): Promise<GoldenRunRow[]> {
    const conditions: SQL[] = [];
    if (options.datasetVersionId !== undefined) conditions.push(eq(goldenRuns.datasetVersionId, options.datasetVersionId));
    if (options.status !== undefined) conditions.push(eq(goldenRuns.status, options.status));
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
    const finished = sql`${goldenRuns.done} + ${by.done} + ${goldenRuns.failed} + ${by.failed} >= ${goldenRuns.total} and ${goldenRuns.status} in ('queued', 'running')`;
    const [row] = await this.db
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
