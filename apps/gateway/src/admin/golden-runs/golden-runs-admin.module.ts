import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '@switchyard/config';
import type { GoldenJob } from '@switchyard/contracts';
import { type DatabaseHandle, DatasetRepository, GoldenRunRepository, ScoreRepository, SpanRepository } from '@switchyard/db';
import { GoldenQueue, GoldenQueueProducer } from '@switchyard/queue';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AdminKeyGuard } from '../admin-key.guard.js';
import { ADMIN_KEY } from '../policy-admin.tokens.js';
import { GoldenRunService } from './golden-run.service.js';
import { GoldenRunsAdminController } from './golden-runs-admin.controller.js';
import { GOLDEN_CHAT_MODELS, GOLDEN_PRODUCER, GOLDEN_QUEUE } from './golden-runs-admin.tokens.js';

/** `/admin/golden-runs`: start, watch and cancel golden runs, behind the admin key. The worker runs their jobs. */
@Module({})
export class GoldenRunsAdminModule implements OnApplicationShutdown {
  constructor(@Inject(GOLDEN_QUEUE) private readonly queue: Queue<GoldenJob>) {}

  static register(config: AppConfig, infra: { database: DatabaseHandle; redis: Redis }): DynamicModule {
    const db = infra.database.db;
    const queue = new Queue<GoldenJob>(GoldenQueue.name, { connection: infra.redis, prefix: config.redisPrefix });
    const { attempts, backoffMs } = config.evaluation.queues.golden;
    return {
      module: GoldenRunsAdminModule,
      controllers: [GoldenRunsAdminController],
      providers: [
        { provide: ADMIN_KEY, useValue: config.admin.key },
        { provide: GOLDEN_QUEUE, useValue: queue },
        { provide: GOLDEN_PRODUCER, useValue: new GoldenQueueProducer(queue, { attempts, backoffMs }) },
        { provide: GOLDEN_CHAT_MODELS, useValue: new Set(config.models.filter((m) => m.kind === 'chat').map((m) => m.id)) },
        { provide: GoldenRunRepository, useValue: new GoldenRunRepository(db) },
        { provide: DatasetRepository, useValue: new DatasetRepository(db) },
        { provide: ScoreRepository, useValue: new ScoreRepository(db) },
        { provide: SpanRepository, useValue: new SpanRepository(db) },
        AdminKeyGuard,
        GoldenRunService,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
