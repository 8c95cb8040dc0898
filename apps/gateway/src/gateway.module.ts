import { randomUUID } from 'node:crypto';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { APP_CONFIG, type AppConfig, ConfigModule, modelCatalogOf } from '@switchyard/config';
import { CanaryMeasurementRepository, DatasetRepository, type DatabaseHandle, PolicyDiffRepository, PolicyVersionRepository, ScoreRepository, SpanRepository, SpendRepository, TenantRepository, VirtualKeyRepository } from '@switchyard/db';
import type { Redis } from 'ioredis';
import { AdminKeyGuard } from './admin/admin-key.guard.js';
import { AdminAuthModule } from './admin/auth/admin-auth.module.js';
import { AdminAuditRepository, AdminKeyRepository } from '@switchyard/db';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { CredentialChanges } from './auth/credential-changes.channel.js';
import { CredentialCache } from './auth/credential.cache.js';
import { BudgetAlerts } from './governance/budgets/budget-alerts.service.js';
import { BudgetLedger } from './governance/budgets/budget-ledger.js';
import { CallAdmission, type GovernanceStores } from './governance/call-admission.service.js';
import { GOVERNANCE_STORES } from './governance/governance.tokens.js';
import { SlidingWindowLimiter } from './governance/rate-limits/sliding-window.limiter.js';
import { DatasetsAdminModule } from './admin/datasets/datasets-admin.module.js';
import { DATASET_LIMITS } from './admin/datasets/datasets-admin.tokens.js';
import { DeploymentsAdminController } from './admin/deployments-admin.controller.js';
import { GoldenRunsAdminModule } from './admin/golden-runs/golden-runs-admin.module.js';
import { KeysAdminModule } from './admin/keys/keys-admin.module.js';
import { OptimizerAdminController } from './admin/optimizer-admin.controller.js';
import { OverviewAdminModule } from './admin/overview/overview-admin.module.js';
import { AdminSessionModule } from './admin/session/admin-session.module.js';
import { QueuesAdminController } from './admin/queues-admin.controller.js';
import { SpansAdminController } from './admin/spans-admin.controller.js';
import { PolicyAdminModule } from './admin/policy-admin.module.js';
import { PolicyDiffsAdminModule } from './admin/policy-diffs/policy-diffs-admin.module.js';
import { POLICY_DIFF_AUTO_APPROVE } from './admin/policy-diffs/policy-diffs-admin.tokens.js';
import { ADMIN_KEY, POLICY_CATALOG, POLICY_ENVIRONMENT, POLICY_PUBLISHER } from './admin/policy-admin.tokens.js';
import { RESPONSE_CACHE_STORE, ResponseCacheRepository } from './cache/response-cache.repository.js';
import { ResponseCache } from './cache/response-cache.service.js';
import { ChatCompletionsController } from './chat-completions/chat-completions.controller.js';
import { ChatCompletionsService } from './chat-completions/chat-completions.service.js';
import { DEPLOYMENT_HEALTH } from './dispatch/deployment-health.port.js';
import { UpstreamDispatcher } from './dispatch/upstream-dispatcher.service.js';
import { EmbeddingsController } from './embeddings/embeddings.controller.js';
import { EmbeddingsService } from './embeddings/embeddings.service.js';
import { OpenAiErrorFilter } from './errors/openai-error.filter.js';
import { HealthController } from './health/health.controller.js';
import { DATABASE, REDIS_CLIENT } from './infra/infra.tokens.js';
import { JudgeSampler } from './evaluation/judge-sampler.service.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { metricsProviders } from './metrics/metrics.providers.js';
import { FeedbackController } from './feedback/feedback.controller.js';
import { FeedbackService } from './feedback/feedback.service.js';
import { ModelsController } from './models/models.controller.js';
import { outboundKeyPoolProvider } from './providers/outbound/outbound-key-pool.providers.js';
import { ProvidersModule } from './providers/providers.module.js';
import { ActivePolicy } from './routing/active-policy.service.js';
import { healthProbeOptions } from './routing/health-probe.targets.js';
import { DeploymentStateService, LIVE_STATE_OPTIONS, type LiveStateOptions } from './routing/live/deployment-state.service.js';
import { HEALTH_PROBE_OPTIONS, HealthProbeService } from './routing/live/health-probe.service.js';
import { LIVE_STATE_SYNC_OPTIONS, LiveStateSync } from './routing/live/live-state.sync.service.js';
import { ProviderRegistry } from './providers/provider.registry.js';
import { RedisPolicyPublisher } from '@switchyard/queue';
import { PolicySync } from './routing/policy-sync.service.js';
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
    // One instance: the admin module announces key changes that the request path's cache hears.
    const credentialChanges = new CredentialChanges(infra.redis, `${config.redisPrefix}:credential-changes`);
    return {
      module: GatewayModule,
      imports: [
        ConfigModule.forRoot(config),
        ProvidersModule,
        // Global: every admin module's guard shares its tenant admin key cache and audit log.
        AdminAuthModule.forRoot([
          { provide: ADMIN_KEY, useValue: config.admin.key },
          { provide: AdminKeyRepository, useValue: new AdminKeyRepository(infra.database.db) },
          { provide: AdminAuditRepository, useValue: new AdminAuditRepository(infra.database.db) },
          { provide: TenantRepository, useValue: new TenantRepository(infra.database.db) },
          { provide: CredentialChanges, useValue: credentialChanges },
        ]),
        GoldenRunsAdminModule.register(config, infra),
        AdminSessionModule.register(config.admin.key),
        OverviewAdminModule.register(config, infra),
        PolicyAdminModule.register({
          providers: [
            { provide: ADMIN_KEY, useValue: config.admin.key },
            { provide: POLICY_CATALOG, useValue: modelCatalogOf(config) },
            { provide: POLICY_ENVIRONMENT, useValue: config.environment },
            { provide: POLICY_PUBLISHER, useValue: new RedisPolicyPublisher(infra.redis, config.redisPrefix) },
            { provide: PolicyVersionRepository, useValue: new PolicyVersionRepository(infra.database.db) },
          ],
        }),
        PolicyDiffsAdminModule.register({
          providers: [
            { provide: ADMIN_KEY, useValue: config.admin.key },
            { provide: POLICY_CATALOG, useValue: modelCatalogOf(config) },
            { provide: POLICY_ENVIRONMENT, useValue: config.environment },
            { provide: POLICY_DIFF_AUTO_APPROVE, useValue: config.optimizer.autoApprove },
            { provide: REDIS_CLIENT, useValue: infra.redis },
            { provide: PolicyDiffRepository, useValue: new PolicyDiffRepository(infra.database.db) },
            { provide: PolicyVersionRepository, useValue: new PolicyVersionRepository(infra.database.db) },
            { provide: CanaryMeasurementRepository, useValue: new CanaryMeasurementRepository(infra.database.db) },
          ],
        }),
        KeysAdminModule.register([
          { provide: ADMIN_KEY, useValue: config.admin.key },
          { provide: CredentialChanges, useValue: credentialChanges },
          { provide: TenantRepository, useValue: new TenantRepository(infra.database.db) },
          { provide: VirtualKeyRepository, useValue: new VirtualKeyRepository(infra.database.db) },
        ]),
        DatasetsAdminModule.register({
          providers: [
            { provide: ADMIN_KEY, useValue: config.admin.key },
            { provide: DatasetRepository, useValue: new DatasetRepository(infra.database.db) },
            { provide: DATASET_LIMITS, useValue: config.evaluation.datasets },
            { provide: SpanRepository, useValue: new SpanRepository(infra.database.db) },
          ],
        }),
      ],
      controllers: [EmbeddingsController, ModelsController, HealthController, DeploymentsAdminController, SpansAdminController, QueuesAdminController, OptimizerAdminController, FeedbackController, MetricsController],
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
        { provide: PolicyVersionRepository, useFactory: (d: DatabaseHandle) => new PolicyVersionRepository(d.db), inject: [DATABASE] },
        { provide: LIVE_STATE_OPTIONS, useValue: liveStateOptions(config) },
        DeploymentStateService,
        { provide: DEPLOYMENT_HEALTH, useExisting: DeploymentStateService },
        // Unique per process, so an instance ignores its own announcements.
        { provide: LIVE_STATE_SYNC_OPTIONS, useValue: { channel: `${config.redisPrefix}:live-state:${config.environment}`, instanceId: randomUUID() } },
        LiveStateSync,
        { provide: HEALTH_PROBE_OPTIONS, useFactory: (registry: ProviderRegistry) => healthProbeOptions(config, registry), inject: [ProviderRegistry] },
        HealthProbeService,
        ActivePolicy,
        PolicySync,
        { provide: ADMIN_KEY, useValue: config.admin.key },
        AdminKeyGuard,
        { provide: VirtualKeyRepository, useFactory: (d: DatabaseHandle) => new VirtualKeyRepository(d.db), inject: [DATABASE] },
        { provide: CredentialChanges, useValue: credentialChanges },
        CredentialCache,
        ApiKeyGuard,
        RouteResolver,
        outboundKeyPoolProvider,
        UpstreamDispatcher,
        { provide: ScoreRepository, useFactory: (d: DatabaseHandle) => new ScoreRepository(d.db), inject: [DATABASE] },
        FeedbackService,
        JudgeSampler,
        ...metricsProviders,
        CallTracer,
        { provide: RESPONSE_CACHE_STORE, useFactory: (redis: Redis, cfg: AppConfig) => new ResponseCacheRepository(redis, `${cfg.redisPrefix}:cache:`), inject: [REDIS_CLIENT, APP_CONFIG] },
        ResponseCache,
        {
          provide: GOVERNANCE_STORES,
          useFactory: (d: DatabaseHandle): GovernanceStores => ({
            ledger: new BudgetLedger(infra.redis, config.redisPrefix, new SpendRepository(d.db)),
            limiter: new SlidingWindowLimiter(infra.redis),
          }),
          inject: [DATABASE],
        },
        BudgetAlerts,
        CallAdmission,
        ChatCompletionsService,
        // A plain Fastify route, registered at bootstrap (see its class).
        ChatCompletionsController,
        EmbeddingsService,
        { provide: APP_FILTER, useClass: OpenAiErrorFilter },
      ],
    };
  }
}

const liveStateOptions = (config: AppConfig): LiveStateOptions => ({
  windowMs: config.liveState.windowMs,
  ...config.liveState.breaker,
  rateLimitCooldownMs: config.liveState.rateLimitCooldownMs,
  maxCooldownMs: config.liveState.maxCooldownMs,
});
