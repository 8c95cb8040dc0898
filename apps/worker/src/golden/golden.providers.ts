import type { Provider } from '@nestjs/common';
import type { AppConfig } from '@switchyard/config';
import { type Database, DatasetRepository, GoldenRunRepository } from '@switchyard/db';
import { ScorerRegistry } from '@switchyard/scoring';
import { GatewayCompletionClient } from '../gateway/gateway-completion.client.js';
import { GOLDEN_GATEWAY, type GoldenGateway, GoldenItemService } from './golden-item.service.js';
import { GoldenProcessor } from './golden.processor.js';
import { ProviderConcurrency } from './provider-concurrency.js';

/** The golden pipeline's providers, so the worker module wires it with one line. `gateway` replaces the real gateway client in tests. */
export function goldenProviders(config: AppConfig, db: Database, gateway?: GoldenGateway): Provider[] {
  return [
    // The SDK does not retry: the job does, with backoff, and every call is a span that is paid for.
    { provide: GOLDEN_GATEWAY, useValue: gateway ?? new GatewayCompletionClient(config.evaluation.gatewayUrl, config.admin.key, { maxRetries: 0, timeoutMs: 300_000 }) },
    {
      provide: GoldenItemService,
      useFactory: (llm: GoldenGateway, scorers: ScorerRegistry) =>
        new GoldenItemService(
          new GoldenRunRepository(db),
          new DatasetRepository(db),
          llm,
          new ProviderConcurrency(new Map(config.models.map((m) => [m.id, m.provider])), config.evaluation.golden.perProviderConcurrency),
          scorers,
        ),
      // The worker's registry: the built-in scorers plus the LLM judge.
      inject: [GOLDEN_GATEWAY, ScorerRegistry],
    },
    { provide: GoldenProcessor, useFactory: (service: GoldenItemService) => new GoldenProcessor(service), inject: [GoldenItemService] },
  ];
}
