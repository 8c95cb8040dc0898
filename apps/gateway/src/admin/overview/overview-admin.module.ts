import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '@switchyard/config';
import { type DatabaseHandle, ScoreRepository, SpanRepository } from '@switchyard/db';
import type { Redis } from 'ioredis';
import { AdminKeyGuard } from '../admin-key.guard.js';
import { ADMIN_KEY } from '../policy-admin.tokens.js';
import { ExplorationSpendRepository } from './exploration-spend.repository.js';
import { OverviewAdminController } from './overview-admin.controller.js';
import { OverviewAdminService } from './overview-admin.service.js';

/** `/admin/overview`: usage, quality and exploration spend, behind the admin keys. */
@Module({})
export class OverviewAdminModule {
  static register(config: AppConfig, infra: { database: DatabaseHandle; redis: Redis }): DynamicModule {
    const db = infra.database.db;
    return {
      module: OverviewAdminModule,
      controllers: [OverviewAdminController],
      providers: [
        { provide: ADMIN_KEY, useValue: config.admin.key },
        { provide: SpanRepository, useValue: new SpanRepository(db) },
        { provide: ScoreRepository, useValue: new ScoreRepository(db) },
        { provide: ExplorationSpendRepository, useValue: new ExplorationSpendRepository(infra.redis, config.redisPrefix) },
        AdminKeyGuard,
        OverviewAdminService,
      ],
    };
  }
}
