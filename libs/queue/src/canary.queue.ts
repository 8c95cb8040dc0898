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

/** The diff's rollout is being started right now; its schedule can no longer be changed. */
export class CanaryStartRunningError extends Error {
  constructor(readonly diffId: string) {
    super(`The rollout of ${diffId} is starting right now.`);
  }
}

/**
 * Schedules an approved diff's rollout to start at `at` (now by default); one start per diff. A
 * start still waiting is replaced, new time and schedule: BullMQ would otherwise keep the first job
 * under the same id and silently drop the second. Says which it did.
 */
export async function scheduleCanaryStart(queue: Queue<CanaryJob | CanaryStartJob>, job: CanaryStartJob, at: number = Date.now()): Promise<'scheduled' | 'rescheduled'> {
  const jobId = `canary-start-${job.diffId}`;
  const existing = await queue.getJob(jobId);
  let replaced = false;
  if (existing) {
    const state = await existing.getState();
    if (state === 'active') throw new CanaryStartRunningError(job.diffId);
    // Waiting: replaced. Completed or failed: an earlier attempt that did not start the rollout (the diff is still approved).
    try {
      await existing.remove();
    } catch {
      // A locked job is being processed: it went active in between.
      throw new CanaryStartRunningError(job.diffId);
    }
    replaced = state === 'delayed' || state === 'waiting' || state === 'prioritized';
  }
  await queue.add('canary-start', job, { ...CanaryQueue.defaults(), jobId, delay: Math.max(0, at - Date.now()) });
  return replaced ? 'rescheduled' : 'scheduled';
}
