import type { CanaryJob, CanaryStartJob } from '@switchyard/contracts';
import type { JobsOptions, Queue } from 'bullmq';
import { QueueName } from './queue.names.js';

/** Canary step checks: delayed jobs, one chain per rolling-out diff. */
export const CanaryQueue = Object.freeze({
  name: QueueName.Canary,
  /** One check per diff, step and attempt time: a re-enqueued check of the same moment is the same job. */
  jobId: (diffId: string, step: number, at: number): string => `canary-${diffId}-${step}-${at}`,
  defaults: (): JobsOptions => ({
    attempts: 5,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { age: 7 * 24 * 3_600 },
    removeOnFail: { age: 30 * 24 * 3_600 },
  }),
});

/** Schedules the next check of a canary step. */
export async function scheduleCanaryCheck(queue: Queue<CanaryJob | CanaryStartJob>, job: CanaryJob, at: number): Promise<void> {
  await queue.add('canary-step', job, { ...CanaryQueue.defaults(), jobId: CanaryQueue.jobId(job.diffId, job.step, at), delay: Math.max(0, at - Date.now()) });
}

/** Schedules an approved diff's rollout to start at `at` (now by default); one start per diff. */
export async function scheduleCanaryStart(queue: Queue<CanaryJob | CanaryStartJob>, job: CanaryStartJob, at: number = Date.now()): Promise<void> {
  await queue.add('canary-start', job, { ...CanaryQueue.defaults(), jobId: `canary-start-${job.diffId}`, delay: Math.max(0, at - Date.now()) });
}
