import { Module } from '@nestjs/common';
import { AnthropicAdapter } from './anthropic/anthropic.adapter.js';
import { OpenAiCompatibleAdapter } from './openai-compatible/openai-compatible.adapter.js';
import { PROVIDER_ADAPTERS, type ProviderAdapter } from './provider.adapter.js';
import { ProviderRegistry } from './provider.registry.js';
import { ReplayAdapter } from './replay/replay.adapter.js';

/** A new wire protocol is one adapter class plus one entry in this list. */
const ADAPTERS = [OpenAiCompatibleAdapter, AnthropicAdapter, ReplayAdapter];

@Module({
  providers: [
    ...ADAPTERS.map((adapter) => ({ provide: adapter, useFactory: () => new adapter() })),
    { provide: PROVIDER_ADAPTERS, useFactory: (...adapters: ProviderAdapter[]) => adapters, inject: ADAPTERS },
    ProviderRegistry,
  ],
  exports: [ProviderRegistry],
})
export class ProvidersModule {}
