import { Logger } from '@nestjs/common';
import { OptimizerQueue, requestRefit } from '@switchyard/queue';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ModelFitProcessor } from './model-fit.processor.js';

const SCHEDULER_ID = 'model-refit';

/** Runs refits on the optimizer queue: a repeatable job every `everyMs`, and on demand. One at a time. */
export class ModelFitScheduler {
  private readonly logger = new Logger(ModelFitScheduler.name);
  private readonly queue: Queue;
  private worker: Worker | undefined;

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly processor: ModelFitProcessor,
    private readonly everyMs: number,
  ) {
    this.queue = new Queue(OptimizerQueue.name, { connection, prefix });
  }

  async start(): Promise<void> {
    this.worker = new Worker(OptimizerQueue.name, (job) => this.processor.process(job), { connection: this.connection, prefix: this.prefix, concurrency: 1 });
    this.worker.on('error', (e: Error) => this.logger.warn(`optimizer worker: ${e.message}`));
    this.worker.on('failed', (job, e: Error) => this.logger.warn(`refit ${job?.id ?? '?'} failed: ${e.message}`));
    await this.queue.upsertJobScheduler(SCHEDULER_ID, { every: this.everyMs, immediately: true }, { name: OptimizerQueue.jobName, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  }

  async requestRefit(force = true): Promise<void> {
    await requestRefit(this.queue, force);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
