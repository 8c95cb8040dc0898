import type { ShadowJob } from '@switchyard/contracts';
import type { JobsOptions, Queue } from 'bullmq';
import { QueueName } from './queue.names.js';

/** The shadow-probe queue: name, job id and default options, in one place (the judge produces, the shadow processor consumes). */
export const ShadowQueue = Object.freeze({
  name: QueueName.Shadow,
  /**
   * One probe per live span and target model: a retried judge job never pays for a second replay.
   * BullMQ refuses `:` in custom ids, and model ids may hold one (`llama3:8b`), hence the encoding.
   */
  jobId: (sourceSpanId: string, model: string): string => `shadow-${sourceSpanId}-${encodeURIComponent(model)}`,
  defaults: (attempts: number, backoffMs: number): JobsOptions => ({
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: { age: 3_600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3_600 },
  }),
});

/** Enqueues shadow probes. An interface, so the judge's tests can see what it asked for without Redis. */
export interface ShadowProducer {
  /** One job per model; returns how many were handed to Redis (ids already queued are no-ops there). */
  enqueue(sourceSpanId: string, rubric: string, models: readonly string[]): Promise<number>;
}

export class ShadowQueueProducer implements ShadowProducer {
  constructor(
    private readonly queue: Queue<ShadowJob>,
    private readonly options: { attempts: number; backoffMs: number },
  ) {}

  async enqueue(sourceSpanId: string, rubric: string, models: readonly string[]): Promise<number> {
    if (models.length === 0) return 0;
    const defaults = ShadowQueue.defaults(this.options.attempts, this.options.backoffMs);
    const jobs = await this.queue.addBulk(
      models.map((model) => ({ name: 'shadow', data: { sourceSpanId, model, rubric }, opts: { ...defaults, jobId: ShadowQueue.jobId(sourceSpanId, model) } })),
    );
    return jobs.length;
  }
}
