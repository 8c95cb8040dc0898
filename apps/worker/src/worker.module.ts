import { builtInScorerFactories, ScorerRegistry } from '@switchyard/scoring';
import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, ConfigModule } from '@switchyard/config';
import { type DatabaseHandle, ScoreRepository, SpanRepository } from '@switchyard/db';
import type { ShadowJob } from '@switchyard/contracts';
import { CanaryQueue, GoldenQueue, JudgeQueue, ShadowQueue, ShadowQueueProducer } from '@switchyard/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { GatewayJudgeLlm, JUDGE_LLM, type JudgeLlm } from './judge/judge-llm.client.js';
import { JudgeSpanService } from './judge/judge-span.service.js';
import { JudgeProcessor } from './judge/judge.processor.js';
import { LlmJudge } from './judge/llm-judge.service.js';
import { RubricRepository } from './judge/rubric.repository.js';
import { judgeScorerFactory } from './judge/judge.scorer.js';
import { CANARY_QUEUE, canaryProviders } from './canary/canary.providers.js';
import { CanaryProcessor } from './canary/canary.processor.js';
import { GoldenProcessor } from './golden/golden.processor.js';
import { goldenProviders } from './golden/golden.providers.js';
import { ProcessorRegistry } from './queues/processor.registry.js';
import { ExplorationBudgetRepository } from './shadow/exploration-budget.repository.js';
import { GatewayShadowClient, SHADOW_GATEWAY, type ShadowGateway } from './shadow/shadow-gateway.client.js';
import { ShadowProbeService } from './shadow/shadow-probe.service.js';
import { ShadowProcessor } from './shadow/shadow.processor.js';
import { ShadowTargetSelector } from './shadow/shadow-target.selector.js';

export interface WorkerInfra {
  database: DatabaseHandle;
  redisUrl: string;
  /** Tests give the judge a client of their own; by default it calls the gateway. */
  judgeLlm?: JudgeLlm;
}

const WORKER_REDIS = Symbol('WORKER_REDIS');
const SHADOW_QUEUE = Symbol('SHADOW_QUEUE');

/** Hosts the BullMQ processors: the one place that registers them, with concurrency from config. */
@Module({})
export class WorkerModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ProcessorRegistry,
    private readonly judge: JudgeProcessor,
    private readonly golden: GoldenProcessor,
    private readonly shadow: ShadowProcessor,
    private readonly canary: CanaryProcessor,
    @Inject(WORKER_REDIS) private readonly redis: Redis,
    @Inject(SHADOW_QUEUE) private readonly shadowQueue: Queue<ShadowJob>,
    @Inject(CANARY_QUEUE) private readonly canaryQueue: Queue,
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
        { provide: SHADOW_QUEUE, useValue: new Queue<ShadowJob>(ShadowQueue.name, { connection: redis, prefix: config.redisPrefix }) },
        { provide: ShadowQueueProducer, useFactory: (queue: Queue<ShadowJob>) => new ShadowQueueProducer(queue, config.evaluation.queues.shadow), inject: [SHADOW_QUEUE] },
        { provide: SpanRepository, useValue: new SpanRepository(db) },
        { provide: ScoreRepository, useValue: new ScoreRepository(db) },
        { provide: RubricRepository, useFactory: () => new RubricRepository(config.evaluation.judge.rubricsDir) },
        { provide: JUDGE_LLM, useValue: infra.judgeLlm ?? new GatewayJudgeLlm(config.evaluation.gatewayUrl, config.admin.key, config.evaluation.judge.model) },
        { provide: LlmJudge, useFactory: (llm: JudgeLlm) => new LlmJudge(llm, config.evaluation.judge.parseRetries), inject: [JUDGE_LLM] },
        {
          provide: JudgeSpanService,
          useFactory: (spans: SpanRepository, scores: ScoreRepository, rubrics: RubricRepository, judge: LlmJudge, shadows: ShadowQueueProducer, targets: ShadowTargetSelector) =>
            new JudgeSpanService(spans, scores, rubrics, judge, shadows, targets),
          inject: [SpanRepository, ScoreRepository, RubricRepository, LlmJudge, ShadowQueueProducer, ShadowTargetSelector],
        },
        {
          provide: ShadowTargetSelector,
          useFactory: (scores: ScoreRepository) =>
            new ShadowTargetSelector(scores, {
              qualityFloor: config.optimizer.qualityFloor,
              minSamples: config.optimizer.minSamples,
              windowMs: config.optimizer.windowMs,
            }),
          inject: [ScoreRepository],
        },
        { provide: JudgeProcessor, useFactory: (service: JudgeSpanService) => new JudgeProcessor(service), inject: [JudgeSpanService] },
        { provide: ExplorationBudgetRepository, useValue: new ExplorationBudgetRepository(redis, config.redisPrefix) },
        { provide: SHADOW_GATEWAY, useValue: new GatewayShadowClient(config.evaluation.gatewayUrl, config.admin.key) },
        {
          provide: ShadowProbeService,
          useFactory: (spans: SpanRepository, scores: ScoreRepository, rubrics: RubricRepository, judge: LlmJudge, budget: ExplorationBudgetRepository, gateway: ShadowGateway) =>
            new ShadowProbeService(spans, scores, rubrics, judge, budget, gateway, {
              budgetUsdPerDay: config.evaluation.shadowBudgetUsdPerDay,
              pricing: new Map(config.models.map((m) => [m.id, m.pricing])),
            }),
          inject: [SpanRepository, ScoreRepository, RubricRepository, LlmJudge, ExplorationBudgetRepository, SHADOW_GATEWAY],
        },
        { provide: ShadowProcessor, useFactory: (service: ShadowProbeService) => new ShadowProcessor(service), inject: [ShadowProbeService] },
        {
          provide: ScorerRegistry,
          useFactory: (judge: LlmJudge, rubrics: RubricRepository) => new ScorerRegistry([...builtInScorerFactories, judgeScorerFactory(judge, rubrics)]),
          inject: [LlmJudge, RubricRepository],
        },
        ...goldenProviders(config, db),
        ...canaryProviders(config, db, redis),
        { provide: ProcessorRegistry, useFactory: () => new ProcessorRegistry(redis, config.redisPrefix) },
      ],
    };
  }

  onApplicationBootstrap(): void {
    this.registry.register(JudgeQueue.name, this.judge, this.config.evaluation.queues.judge);
    this.golden.watch(this.registry.register(GoldenQueue.name, this.golden, this.config.evaluation.queues.golden));
    this.registry.register(ShadowQueue.name, this.shadow, this.config.evaluation.queues.shadow);
    // Steps are rare and must not race each other: one at a time.
    this.registry.register(CanaryQueue.name, this.canary, { concurrency: 1 });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.registry.close();
    // After the workers: a judge job finishing during shutdown may still enqueue its probes.
    await this.shadowQueue.close();
    await this.canaryQueue.close();
    this.redis.disconnect();
  }
}
