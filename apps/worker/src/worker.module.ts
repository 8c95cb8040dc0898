import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, ConfigModule } from '@switchyard/config';
import { type DatabaseHandle, ScoreRepository, SpanRepository } from '@switchyard/db';
import { JudgeQueue } from '@switchyard/queue';
import { Redis } from 'ioredis';
import { GatewayJudgeLlm, JUDGE_LLM, type JudgeLlm } from './judge/judge-llm.client.js';
import { JudgeSpanService } from './judge/judge-span.service.js';
import { JudgeProcessor } from './judge/judge.processor.js';
import { LlmJudge } from './judge/llm-judge.service.js';
import { RubricRepository } from './judge/rubric.repository.js';
import { ProcessorRegistry } from './queues/processor.registry.js';

export interface WorkerInfra {
  database: DatabaseHandle;
  redisUrl: string;
  /** Tests give the judge a client of their own; by default it calls the gateway. */
  judgeLlm?: JudgeLlm;
}

const WORKER_REDIS = Symbol('WORKER_REDIS');

/** Hosts the BullMQ processors: the one place that registers them, with concurrency from config. */
@Module({})
export class WorkerModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ProcessorRegistry,
    private readonly judge: JudgeProcessor,
    @Inject(WORKER_REDIS) private readonly redis: Redis,
  ) {}

  static forRoot(config: AppConfig, infra: WorkerInfra): DynamicModule {
    // Workers block on Redis: BullMQ wants unlimited retries per request on their connection.
    const redis = new Redis(infra.redisUrl, { maxRetriesPerRequest: null });
    const db = infra.database.db;
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), BullModule.forRoot({ connection: redis, prefix: config.redisPrefix })],
      providers: [
        { provide: WORKER_REDIS, useValue: redis },
        { provide: SpanRepository, useValue: new SpanRepository(db) },
        { provide: ScoreRepository, useValue: new ScoreRepository(db) },
        { provide: RubricRepository, useFactory: () => new RubricRepository(config.evaluation.judge.rubricsDir) },
        { provide: JUDGE_LLM, useValue: infra.judgeLlm ?? new GatewayJudgeLlm(config.evaluation.gatewayUrl, config.admin.key, config.evaluation.judge.model) },
        { provide: LlmJudge, useFactory: (llm: JudgeLlm) => new LlmJudge(llm, config.evaluation.judge.parseRetries), inject: [JUDGE_LLM] },
        {
          provide: JudgeSpanService,
          useFactory: (spans: SpanRepository, scores: ScoreRepository, rubrics: RubricRepository, judge: LlmJudge) => new JudgeSpanService(spans, scores, rubrics, judge),
          inject: [SpanRepository, ScoreRepository, RubricRepository, LlmJudge],
        },
        { provide: JudgeProcessor, useFactory: (service: JudgeSpanService) => new JudgeProcessor(service), inject: [JudgeSpanService] },
        { provide: ProcessorRegistry, useFactory: () => new ProcessorRegistry(redis, config.redisPrefix) },
      ],
    };
  }

  onApplicationBootstrap(): void {
    this.registry.register(JudgeQueue.name, this.judge, this.config.evaluation.queues.judge);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.registry.close();
    this.redis.disconnect();
  }
}
