import type { GoldenJob } from '@switchyard/contracts';
import type { JobsOptions, Queue } from 'bullmq';
import { QueueName } from './queue.names.js';

/** The golden-run queue: name, job id and default options, in one place (the gateway produces, the worker consumes). */
export const GoldenQueue = Object.freeze({
  name: QueueName.Golden,
  /**
   * One job per run, item and model: starting or cancelling a run can address every job by id.
   * BullMQ refuses `:` in custom ids, and model ids may hold one (`llama3:8b`), hence the encoding.
   */
  jobId: (runId: string, itemId: string, model: string): string => `golden-${runId}-${itemId}-${encodeURIComponent(model)}`,
  defaults: (attempts: number, backoffMs: number): JobsOptions => ({
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    // Results live in Postgres; failed jobs stay a while for inspection (GET /admin/queues/golden/failed).
    removeOnComplete: { age: 3_600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3_600 },
  }),
});

/** Enqueues and withdraws a golden run's jobs. An interface, so the run service's tests need no Redis. */
export interface GoldenProducer {
  /** One job per item × model, item by item so every model's calls progress together; returns how many were handed to Redis. */
  enqueue(runId: string, itemIds: readonly string[], models: readonly string[]): Promise<number>;
  /** Removes the run's jobs that are not running (waiting, delayed for a retry); running ones finish, and later ones see the run cancelled. */
  withdraw(runId: string, itemIds: readonly string[], models: readonly string[]): Promise<void>;
}

/** Jobs per addBulk call, and removals in flight at once. */
const BATCH = 1_000;

export class GoldenQueueProducer implements GoldenProducer {
  constructor(
    private readonly queue: Queue<GoldenJob>,
    private readonly options: { attempts: number; backoffMs: number },
  ) {}

  async enqueue(runId: string, itemIds: readonly string[], models: readonly string[]): Promise<number> {
    const defaults = GoldenQueue.defaults(this.options.attempts, this.options.backoffMs);
    let added = 0;
    for (const batch of batches(jobsOf(runId, itemIds, models))) {
      const jobs = await this.queue.addBulk(batch.map(({ data, jobId }) => ({ name: 'golden', data, opts: { ...defaults, jobId } })));
      added += jobs.length;
    }
    return added;
  }

  async withdraw(runId: string, itemIds: readonly string[], models: readonly string[]): Promise<void> {
    // Removing a running (locked) job is a no-op in BullMQ, which is what we want here.
    for (const batch of batches(jobsOf(runId, itemIds, models))) await Promise.all(batch.map(({ jobId }) => this.queue.remove(jobId)));
  }
}

function* jobsOf(runId: string, itemIds: readonly string[], models: readonly string[]): Generator<{ data: GoldenJob; jobId: string }> {
  for (const itemId of itemIds) for (const model of models) yield { data: { runId, itemId, model }, jobId: GoldenQueue.jobId(runId, itemId, model) };
}

function* batches<T>(items: Iterable<T>): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
