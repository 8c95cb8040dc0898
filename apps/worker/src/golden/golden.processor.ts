import { Logger } from '@nestjs/common';
import { goldenJobSchema } from '@switchyard/contracts';
import { type Job, UnrecoverableError, type Worker } from 'bullmq';
import type { JobProcessor } from '../queues/job-processor.js';
import type { GoldenItemService, GoldenOutcome } from './golden-item.service.js';

/** Thin: parse the payload (bad → unrecoverable), delegate, let transient errors throw for a retry. */
export class GoldenProcessor implements JobProcessor<GoldenOutcome> {
  private readonly logger = new Logger(GoldenProcessor.name);

  constructor(private readonly service: GoldenItemService) {}

  process(job: Job): Promise<GoldenOutcome> {
    const payload = goldenJobSchema.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`bad golden job payload: ${payload.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    // BullMQ retries while attemptsMade + 1 < attempts; this attempt is the last one otherwise.
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.service.execute(payload.data, { final });
  }

  /**
   * Counts jobs that failed for good without storing their result, so their run still completes:
   * BullMQ emits `failed` after every failed attempt, and sets `finishedOn` only when no retry follows.
   */
  watch(worker: Worker): void {
    worker.on('failed', (job: Job | undefined, err: Error) => {
      if (!job?.finishedOn) return;
      const payload = goldenJobSchema.safeParse(job.data);
      if (!payload.success) return;
      this.service.recordAbandoned(payload.data, err.message).then(
        (outcome) => {
          if (outcome === 'failed') this.logger.warn(`golden job ${job.id} failed for good; counted as failed: ${err.message}`);
        },
        (e: unknown) => this.logger.error(`golden job ${job.id} failed for good and could not be counted: ${(e as Error).message}`),
      );
    });
  }
}
