import type { AppConfig } from '@switchyard/config';
import type { CallTarget } from '../providers/provider.adapter.js';
import type { ProviderRegistry } from '../providers/provider.registry.js';
import { UpstreamError } from '../providers/upstream.error.js';
import type { HealthProbeOptions, HealthProbeTarget } from './live/health-probe.service.js';

/** The probes the config asks for, and the call each makes: a tiny non-streamed chat through the provider's adapter. */
export function healthProbeOptions(config: AppConfig, registry: ProviderRegistry): HealthProbeOptions {
  const targets = new Map<string, CallTarget & { prompt: string }>();
  const list: HealthProbeTarget[] = [];
  for (const provider of config.providers) {
    const probe = provider.healthProbe;
    if (!probe) continue;
    const model = config.models.find((m) => (probe.model ? m.id === probe.model : m.provider === provider.name && m.kind === 'chat'));
    if (!model) continue;
    targets.set(model.id, { model, provider, prompt: probe.prompt });
    list.push({ provider: provider.name, model: model.id, intervalMs: probe.intervalMs, timeoutMs: probe.timeoutMs });
  }
  return {
    targets: list,
    probe: async (modelId, signal) => {
      const target = targets.get(modelId);
      if (!target) return;
      try {
        const body = { model: modelId, messages: [{ role: 'user', content: target.prompt }], max_tokens: 1 };
        const result = await registry.forTarget(target).chat(target, { body, stream: false, clientWantsUsage: false, signal });
        if (result.kind === 'stream') for await (const chunk of result.chunks) void chunk;
      } catch (err) {
        // The probe service reads the class; anything else (an abort) counts neither way.
        if (err instanceof UpstreamError) throw Object.assign(new Error(err.message), { errorClass: err.errorClass, retryAfterMs: err.retryAfterMs });
        throw err;
      }
    },
  };
}
