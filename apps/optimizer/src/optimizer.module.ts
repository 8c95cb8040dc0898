import { type DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type AppConfig, ConfigModule } from '@switchyard/config';
import { type DatabaseHandle, ScoredSpanRepository } from '@switchyard/db';
import { Redis } from 'ioredis';
import { ModelFitProcessor } from './models/model-fit.processor.js';
import { ModelFitScheduler } from './models/model-fit.scheduler.js';
import { DEFAULT_MODEL_FIT_OPTIONS, ModelFitService } from './models/model-fit.service.js';

export interface OptimizerInfra {
  database: DatabaseHandle;
  redisUrl: string;
}

const OPTIMIZER_REDIS = Symbol('OPTIMIZER_REDIS');

/** Hosts model fitting (and, as the optimizer issue adds them, policy-diff proposals). */
@Module({})
export class OptimizerModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly scheduler: ModelFitScheduler,
    @Inject(OPTIMIZER_REDIS) private readonly redis: Redis,
  ) {}

  static forRoot(config: AppConfig, infra: OptimizerInfra): DynamicModule {
    // BullMQ workers block on Redis: unlimited retries per request on their connection.
    const redis = new Redis(infra.redisUrl, { maxRetriesPerRequest: null });
    const o = config.optimizer;
    return {
      module: OptimizerModule,
      imports: [ConfigModule.forRoot(config)],
      providers: [
        { provide: OPTIMIZER_REDIS, useValue: redis },
        { provide: ScoredSpanRepository, useValue: new ScoredSpanRepository(infra.database.db) },
        {
          provide: ModelFitService,
          useFactory: (repo: ScoredSpanRepository) =>
            new ModelFitService(repo, {
              ...DEFAULT_MODEL_FIT_OPTIONS,
              windowMs: o.windowMs,
              quality: { ...DEFAULT_MODEL_FIT_OPTIONS.quality, minSamples: o.minSamples, sourceWeights: o.sourceWeights },
              pricing: new Map(config.models.map((m) => [m.id, m.pricing])),
            }),
          inject: [ScoredSpanRepository],
        },
        { provide: ModelFitProcessor, useFactory: (service: ModelFitService) => new ModelFitProcessor(service), inject: [ModelFitService] },
        { provide: ModelFitScheduler, useFactory: (processor: ModelFitProcessor) => new ModelFitScheduler(redis, config.redisPrefix, processor, o.refitEveryMs), inject: [ModelFitProcessor] },
      ],
      exports: [ModelFitService, ModelFitScheduler],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.scheduler.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.scheduler.close();
    this.redis.disconnect();
  }
}
