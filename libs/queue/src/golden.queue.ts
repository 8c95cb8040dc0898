import type { JobsOptions } from 'bullmq';
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
