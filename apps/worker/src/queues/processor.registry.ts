import { Logger } from '@nestjs/common';
import { DelayedError, type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobProcessor } from './job-processor.js';

export interface QueueSettings {
  concurrency: number;
  ratePerSecond?: number;
}

/** BullMQ limits jobs per window; a rate under one a second becomes one job per longer window. */
const limiterFor = (ratePerSecond: number): { max: number; duration: number } =>
  ratePerSecond >= 1 ? { max: Math.round(ratePerSecond), duration: 1_000 } : { max: 1, duration: Math.round(1_000 / ratePerSecond) };

/**
 * The one place that turns processors into BullMQ workers, with concurrency and rate limits from
 * config, and that logs every job's wait and run time.
 */
export class ProcessorRegistry {
  private readonly logger = new Logger(ProcessorRegistry.name);
  private readonly workers: Worker[] = [];

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {}

  register(queue: string, processor: JobProcessor, settings: QueueSettings): Worker {
    const worker = new Worker(
      queue,
      async (job: Job, token?: string) => {
        const started = Date.now();
        const waitedMs = started - job.timestamp;
        try {
          const result = await processor.process(job, token);
          this.logger.debug(`${queue} ${job.id}: ${String(result)} (waited ${waitedMs} ms, ran ${Date.now() - started} ms, attempt ${job.attemptsMade + 1})`);
          return result;
        } catch (err) {
          if (err instanceof DelayedError) throw err;
          this.logger.warn(`${queue} ${job.id} attempt ${job.attemptsMade + 1} failed after ${Date.now() - started} ms: ${(err as Error).message}`);
          throw err;
        }
      },
      {
        connection: this.connection,
        prefix: this.prefix,
        concurrency: settings.concurrency,
        ...(settings.ratePerSecond && { limiter: limiterFor(settings.ratePerSecond) }),
      },
    );
    worker.on('error', (e: Error) => this.logger.warn(`${queue} worker: ${e.message}`));
    this.workers.push(worker);
    return worker;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
