import type { Provider } from '@nestjs/common';
import type { AppConfig } from '@switchyard/config';
import type { CanaryJob, CanaryStartJob } from '@switchyard/contracts';
import { CanaryMeasurementRepository, type Database, PolicyDiffRepository, PolicyVersionRepository } from '@switchyard/db';
import { CanaryQueue, RedisPolicyPublisher, scheduleCanaryCheck } from '@switchyard/queue';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { CanaryRolloutService } from './canary-rollout.service.js';
import { CanaryProcessor } from './canary.processor.js';

export const CANARY_QUEUE = Symbol('CANARY_QUEUE');

/** The canary pipeline's providers, so the worker module wires it with one line. */
export function canaryProviders(config: AppConfig, db: Database, redis: Redis): Provider[] {
  return [
    { provide: CANARY_QUEUE, useValue: new Queue<CanaryJob | CanaryStartJob>(CanaryQueue.name, { connection: redis, prefix: config.redisPrefix }) },
    {
      provide: CanaryRolloutService,
      useFactory: (queue: Queue<CanaryJob | CanaryStartJob>) =>
        new CanaryRolloutService(
          new PolicyDiffRepository(db),
          new PolicyVersionRepository(db),
          new CanaryMeasurementRepository(db),
          new RedisPolicyPublisher(redis, config.redisPrefix),
          (job, at) => scheduleCanaryCheck(queue, job, at),
        ),
      inject: [CANARY_QUEUE],
    },
    { provide: CanaryProcessor, useFactory: (rollout: CanaryRolloutService) => new CanaryProcessor(rollout), inject: [CanaryRolloutService] },
  ];
}
