import type { JobsOptions } from 'bullmq';
import { QueueName } from './queue.names.js';

/** The judge queue: name, job id and default options, in one place (as the producer and the worker both need them). */
export const JudgeQueue = Object.freeze({
  name: QueueName.Judge,
  /** One job per span and rubric: a re-enqueue or a retried producer never judges the same answer twice. */
  jobId: (spanId: string, rubric: string): string => `judge-${spanId}-${rubric}`,
  defaults: (attempts: number, backoffMs: number): JobsOptions => ({
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    // Completed jobs are evidence only briefly (their scores live in Postgres); failed ones stay for inspection.
    removeOnComplete: { age: 3_600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3_600 },
  }),
});
