import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadTestEnv } from '@switchyard/config';
import { QueueName } from '@switchyard/queue';
import { createTestDatabase } from '@switchyard/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ModelFitScheduler } from '../../apps/optimizer/src/models/model-fit.scheduler.js';
import { OptimizerModule } from '../../apps/optimizer/src/optimizer.module.js';
import type { GatewayHarness } from './gateway.harness.js';

/** The scheduler's id for an on-demand refit (one waits at a time). */
const ON_DEMAND_JOB_ID = 'model-refit-on-demand';

export interface OptimizerHarness {
  optimizer: INestApplicationContext;
  /** Asks for a refit on the optimizer's queue, as operators can, and resolves once it (and the proposals after it) ran. */
  refit(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** The real optimizer in-process, with the harness gateway's config, on the test Redis and its own database pool. */
export async function startOptimizerFor(h: GatewayHarness): Promise<OptimizerHarness> {
  const database = createTestDatabase();
  const redisUrl = loadTestEnv().TEST_REDIS_URL;
  const optimizer = await NestFactory.createApplicationContext(OptimizerModule.forRoot(h.config, { database, redisUrl }), { logger: false });
  await optimizer.init();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QueueName.Optimizer, { connection: redis, prefix: h.config.redisPrefix });
  return {
    optimizer,
    async refit(timeoutMs = 60_000) {
      await optimizer.get(ModelFitScheduler).requestRefit(true);
      // The on-demand job is removed once it completes; a failed one stays, and is an error here.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const state = await queue.getJobState(ON_DEMAND_JOB_ID);
        if (state === 'unknown' || state === 'completed') return;
        if (state === 'failed') throw new Error(`the requested refit failed: ${(await queue.getJob(ON_DEMAND_JOB_ID))?.failedReason ?? '?'}`);
        if (Date.now() > deadline) throw new Error(`the requested refit did not finish within ${timeoutMs} ms (state ${state})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      await queue.close();
      redis.disconnect();
      await optimizer.close();
      await database.close();
    },
  };
}
