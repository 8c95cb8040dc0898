import { resolve } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type AppConfig, loadTestEnv } from '@switchyard/config';
import type { DatabaseHandle } from '@switchyard/db';
import { createTestDatabase } from '@switchyard/testing';
import { WorkerModule } from '../../apps/worker/src/worker.module.js';
import type { GatewayHarness } from './gateway.harness.js';

export interface WorkerHarness {
  worker: INestApplicationContext;
  /** The worker's config: the gateway's, calling that gateway for its judge, golden and shadow calls. */
  config: AppConfig;
  database: DatabaseHandle;
  close(): Promise<void>;
}

/** The real worker in-process, beside a harness gateway, on the test Redis and its own database pool. */
export async function startWorkerFor(h: GatewayHarness): Promise<WorkerHarness> {
  const config: AppConfig = {
    ...h.config,
    evaluation: { ...h.config.evaluation, gatewayUrl: h.baseUrl, judge: { ...h.config.evaluation.judge, rubricsDir: resolve('evals/rubrics') } },
  };
  const database = createTestDatabase();
  const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, { database, redisUrl: loadTestEnv().TEST_REDIS_URL }), { logger: false });
  await worker.init();
  return {
    worker,
    config,
    database,
    async close() {
      await worker.close();
      await database.close();
    },
  };
}
