import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { APP_CONFIG, type AppConfig, ConfigModule } from '@switchyard/config';
import { type DatabaseHandle, SpanRepository } from '@switchyard/db';
import type { Redis } from 'ioredis';
import { ChatCompletionsController } from './chat-completions/chat-completions.controller.js';
import { ChatCompletionsService } from './chat-completions/chat-completions.service.js';
import { UpstreamDispatcher } from './dispatch/upstream-dispatcher.service.js';
import { EmbeddingsController } from './embeddings/embeddings.controller.js';
import { EmbeddingsService } from './embeddings/embeddings.service.js';
import { OpenAiErrorFilter } from './errors/openai-error.filter.js';
import { HealthController } from './health/health.controller.js';
import { DATABASE, REDIS_CLIENT } from './infra/infra.tokens.js';
import { ModelsController } from './models/models.controller.js';
import { ProvidersModule } from './providers/providers.module.js';
import { RouteResolver } from './routing/route-resolver.service.js';
import { SpanWriter } from './spans/span-writer.service.js';
import { CallTracer } from './tracing/call-tracer.service.js';

/** Connections opened at boot, before Nest; the module borrows them and bootstrap closes them. */
export interface GatewayInfra {
  database: DatabaseHandle;
  redis: Redis;
}

@Module({})
export class GatewayModule {
  static forRoot(config: AppConfig, infra: GatewayInfra): DynamicModule {
    return {
      module: GatewayModule,
      imports: [ConfigModule.forRoot(config), ProvidersModule],
      controllers: [ChatCompletionsController, EmbeddingsController, ModelsController, HealthController],
      providers: [
        { provide: DATABASE, useValue: infra.database },
        { provide: REDIS_CLIENT, useValue: infra.redis },
        { provide: SpanRepository, useFactory: (d: DatabaseHandle) => new SpanRepository(d.db), inject: [DATABASE] },
        {
          provide: SpanWriter,
          useFactory: (repo: SpanRepository, cfg: AppConfig) =>
            new SpanWriter(repo, { flushIntervalMs: cfg.spans.flushIntervalMs, batchSize: cfg.spans.flushBatchSize, maxBufferedRows: cfg.spans.bufferMaxRows }),
          inject: [SpanRepository, APP_CONFIG],
        },
        RouteResolver,
        UpstreamDispatcher,
        CallTracer,
        ChatCompletionsService,
        EmbeddingsService,
        { provide: APP_FILTER, useClass: OpenAiErrorFilter },
      ],
    };
  }
}
