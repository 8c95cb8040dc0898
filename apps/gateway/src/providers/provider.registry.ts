import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { ProviderProtocol } from '@switchyard/config';
import { type CallTarget, PROVIDER_ADAPTERS, type ProviderAdapter } from './provider.adapter.js';

/** Looks adapters up by wire protocol; adding a protocol is one adapter class plus one registration. */
@Injectable()
export class ProviderRegistry implements OnApplicationShutdown {
  private readonly byProtocol = new Map<ProviderProtocol, ProviderAdapter>();

  constructor(@Inject(PROVIDER_ADAPTERS) adapters: ProviderAdapter[]) {
    for (const adapter of adapters) this.byProtocol.set(adapter.protocol, adapter);
  }

  forTarget(target: CallTarget): ProviderAdapter {
    const adapter = this.byProtocol.get(target.provider.protocol);
    if (!adapter) throw new Error(`no adapter registered for protocol ${target.provider.protocol}`);
    return adapter;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.byProtocol.values()].map((a) => a.close()));
  }
}
