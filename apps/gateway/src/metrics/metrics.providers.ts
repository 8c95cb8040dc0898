import type { Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import { JudgeSampler } from '../evaluation/judge-sampler.service.js';
import { ActivePolicy } from '../routing/active-policy.service.js';
import { DeploymentStateService } from '../routing/live/deployment-state.service.js';
import { SpanWriter } from '../spans/span-writer.service.js';
import { GatewayMetrics } from './gateway-metrics.service.js';
import { QueueDepthService } from './queue-depth.service.js';

/** GatewayMetrics and what it reads at scrape time; spread into the gateway module's providers. */
export const metricsProviders: Provider[] = [
  QueueDepthService,
  {
    provide: GatewayMetrics,
    useFactory: (config: AppConfig, breakers: DeploymentStateService, spans: SpanWriter, judgeEnqueues: JudgeSampler, queues: QueueDepthService, policy: ActivePolicy) =>
      new GatewayMetrics({
        models: config.models.map((m) => m.id),
        breakers,
        spans,
        judgeEnqueues,
        queues,
        knownWorkload: (name) => policy.version !== undefined && policy.current.workloads.has(name),
      }),
    inject: [APP_CONFIG, DeploymentStateService, SpanWriter, JudgeSampler, QueueDepthService, ActivePolicy],
  },
];
