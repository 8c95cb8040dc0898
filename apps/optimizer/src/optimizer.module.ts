import { type DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type AppConfig, ConfigModule, modelCatalogOf } from '@switchyard/config';
import { type DatabaseHandle, PolicyDiffRepository, PolicyVersionRepository, ReplaySampleRepository, ScoredSpanRepository, SpanRepository } from '@switchyard/db';
import { Redis } from 'ioredis';
import { ModelFitProcessor } from './models/model-fit.processor.js';
import { ModelFitScheduler } from './models/model-fit.scheduler.js';
import { DEFAULT_MODEL_FIT_OPTIONS, ModelFitService } from './models/model-fit.service.js';
import { ProposalService, proposalFitOf } from './proposals/proposal.service.js';

/** Recent requests replayed per workload when searching for a route. */
const REPLAY_SAMPLES_PER_WORKLOAD = 1_000;

export interface OptimizerInfra {
  database: DatabaseHandle;
  redisUrl: string;
}

const OPTIMIZER_REDIS = Symbol('OPTIMIZER_REDIS');

/** Hosts model fitting and the policy-diff proposals each fit triggers. */
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
              drift: o.drift,
              quality: { ...DEFAULT_MODEL_FIT_OPTIONS.quality, minSamples: o.minSamples, sourceWeights: o.sourceWeights },
              pricing: new Map(config.models.map((m) => [m.id, m.pricing])),
            }),
          inject: [ScoredSpanRepository],
        },
        {
          provide: ProposalService,
          useFactory: (fits: ModelFitService) => {
            const db = infra.database.db;
            const current = (): ReturnType<typeof proposalFitOf> | undefined => {
              const fit = fits.current();
              return fit && proposalFitOf(fit);
            };
            return new ProposalService(new PolicyVersionRepository(db), new PolicyDiffRepository(db), new ReplaySampleRepository(db), new SpanRepository(db), current, {
              environment: config.environment,
              catalog: modelCatalogOf(config),
              // The judge's own model grades answers; it is not a place to route client traffic.
              models: config.models.filter((m) => m.kind === 'chat' && m.id !== config.evaluation.judge.model).map((m) => m.id),
              minSamples: o.minSamples,
              samplesPerWorkload: REPLAY_SAMPLES_PER_WORKLOAD,
              windowMs: o.windowMs,
              qualityFloor: o.qualityFloor,
              ...(o.latencySloP95Ms !== undefined && { latencySloP95Ms: o.latencySloP95Ms }),
              autoApprove: o.autoApprove,
            });
          },
          inject: [ModelFitService],
        },
        {
          provide: ModelFitProcessor,
          useFactory: (service: ModelFitService, proposals: ProposalService) => new ModelFitProcessor(service, proposals),
          inject: [ModelFitService, ProposalService],
        },
        { provide: ModelFitScheduler, useFactory: (processor: ModelFitProcessor) => new ModelFitScheduler(redis, config.redisPrefix, processor, o.refitEveryMs), inject: [ModelFitProcessor] },
      ],
      exports: [ModelFitService, ModelFitScheduler, ProposalService],
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
