import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadTestEnv } from '@switchyard/config';
import { createTestDatabase } from '@switchyard/testing';
import { ModelFitScheduler } from '../../apps/optimizer/src/models/model-fit.scheduler.js';
import { OptimizerModule } from '../../apps/optimizer/src/optimizer.module.js';
import type { GatewayHarness } from './gateway.harness.js';

export interface OptimizerHarness {
  optimizer: INestApplicationContext;
  /** Asks for a refit on the optimizer's queue, as `switchyard` operators can; proposals follow a fit. */
  requestRefit(): Promise<void>;
  close(): Promise<void>;
}

/** The real optimizer in-process, with the harness gateway's config, on the test Redis and its own database pool. */
export async function startOptimizerFor(h: GatewayHarness): Promise<OptimizerHarness> {
  const database = createTestDatabase();
  const optimizer = await NestFactory.createApplicationContext(OptimizerModule.forRoot(h.config, { database, redisUrl: loadTestEnv().TEST_REDIS_URL }), { logger: false });
  await optimizer.init();
  return {
    optimizer,
    requestRefit: () => optimizer.get(ModelFitScheduler).requestRefit(true),
    async close() {
      await optimizer.close();
      await database.close();
    },
  };
}
