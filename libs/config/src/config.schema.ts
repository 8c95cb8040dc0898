import { budgetSchema, policyDocumentSchema, WORKLOAD_NAME } from '@switchyard/contracts';
import { validatePolicy } from '@switchyard/routing';
import { z } from 'zod';
import { modelCatalogOf } from './model-catalog.factory.js';

/** Wire protocols Switchyard can speak to an upstream. A new one is a new adapter plus one entry here. */
export const providerProtocolSchema = z.enum(['openai', 'anthropic', 'replay']);
export type ProviderProtocol = z.infer<typeof providerProtocolSchema>;

const durationMs = z.number().int().positive();

/** An upstream account's ceilings, per sliding minute, shared by every gateway instance through Redis. */
const outboundCeilings = {
  requestsPerMinute: z.number().int().positive().optional(),
  /** Prompt plus max output tokens, reserved before the call and corrected to the reported usage after it. */
  tokensPerMinute: z.number().int().positive().optional(),
};
export const providerRateLimitsSchema = z.object(outboundCeilings).strict();

/** One of a provider's keys: the env var that holds it, and that key's own ceilings. */
export const providerKeySchema = z.object({ env: z.string().min(1), ...outboundCeilings }).strict();

/** Replay provider: a lognormal latency, given by its median and 95th percentile (the whole call, in ms). */
export const replayLatencySchema = z
  .object({ medianMs: z.number().positive(), p95Ms: z.number().positive() })
  .strict()
  .refine((l) => l.p95Ms >= l.medianMs, { path: ['p95Ms'], message: 'must be at least medianMs' });

/** Replay provider: a share of calls answered with an HTTP error instead of the recording. */
const replayFaultFields = {
  errorRate: z.number().min(0).max(1),
  /** 4xx or 5xx, e.g. 503 (overloaded) or 429 (rate limited). */
  status: z.number().int().min(400).max(599).default(503),
  /** Sent as the error's retry-after (kept for 429 and 5xx, as a real upstream's header is). */
  retryAfterMs: z.number().int().nonnegative().optional(),
};
export const replayFaultSchema = z.object(replayFaultFields).strict();

/** Replay provider options for benchmarks, fault tests and the no-key demo; see README, "Replay fleets". */
const replayOptions = {
  /** Per model id, else `default`; a model with neither answers at once. */
  latency: z.object({ default: replayLatencySchema.optional(), models: z.record(z.string(), replayLatencySchema).default({}) }).strict().optional(),
  /** Per model id (that model's whole fault setting), else the top-level rate and status. */
  faults: z
    .object({ ...replayFaultFields, errorRate: replayFaultFields.errorRate.default(0), models: z.record(z.string(), replayFaultSchema).default({}) })
    .strict()
    .optional(),
  /** Seeds the latency and fault draws (one stream per model, so runs repeat whatever the interleaving); default 0. */
  seed: z.number().int().nonnegative().optional(),
  /**
   * These model ids of the provider answer judge prompts as a simulated judge: the recorded
   * correctness of the judged answer, flipped with probability `noiseRate`.
   */
  judge: z
    .object({
      models: z.array(z.string().min(1)).min(1),
      noiseRate: z.number().min(0).max(1).default(0.1),
      /** Keys each judgment's noise draw; default the provider's `seed`. */
      seed: z.number().int().nonnegative().optional(),
    })
    .strict()
    .optional(),
};
const REPLAY_ONLY = ['latency', 'faults', 'seed', 'judge'] as const;

export const providerConfigSchema = z
  .object({
    name: z.string().min(1).regex(/^[a-zA-Z0-9._-]+$/, 'use letters, digits, dot, dash or underscore'),
    protocol: providerProtocolSchema,
    /** Base URL including the version segment, e.g. https://api.openai.com/v1 */
    baseUrl: z.url().optional(),
    /** Name of the env var holding the API key; the key itself never lives in the file. */
    apiKeyEnv: z.string().min(1).optional(),
    /** Several keys of one provider, load-balanced per call; instead of `apiKeyEnv`. */
    apiKeys: z.array(providerKeySchema).min(1).optional(),
    /** Ceilings for the whole provider, whichever key is used (with one key: that key's). */
    rateLimits: providerRateLimitsSchema.optional(),
    headers: z.record(z.string(), z.string()).default({}),
    timeouts: z
      .object({
        connectMs: durationMs.default(5_000),
        /** Until response headers (and, for streams, the first byte). */
        firstByteMs: durationMs.default(60_000),
        /** Whole call, body included. */
        totalMs: durationMs.default(300_000),
      })
      .prefault({}),
    /** Keep-alive connections per upstream origin. */
    maxConnections: z.number().int().positive().default(128),
    /** Replay provider only: recorded fleet file and its models file, relative to the config file. */
    fleetFile: z.string().optional(),
    /**
     * Replay provider only: what a prompt that is not in the recording gets. `error` (default) is a
     * 404-style upstream error; `explain` answers with a message saying so, for the no-key demo.
     */
    unknownPrompt: z.enum(['error', 'explain']).default('error'),
    ...replayOptions,
    /** Active health probe: a tiny chat call on a timer, whose outcome feeds the model's circuit breaker. */
    healthProbe: z
      .object({
        /** Model id to probe; default: the provider's first chat model. */
        model: z.string().min(1).optional(),
        intervalMs: durationMs.default(30_000),
        timeoutMs: durationMs.default(5_000),
        prompt: z.string().min(1).default('ping'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.protocol !== 'replay' && !p.baseUrl) {
      ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: `required for protocol "${p.protocol}"` });
    }
    if (p.protocol === 'replay' && !p.fleetFile) {
      ctx.addIssue({ code: 'custom', path: ['fleetFile'], message: 'required for protocol "replay"' });
    }
    for (const key of REPLAY_ONLY) {
      if (p.protocol !== 'replay' && p[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'only for protocol "replay"' });
    }
    if (p.apiKeyEnv && p.apiKeys) {
      ctx.addIssue({ code: 'custom', path: ['apiKeys'], message: 'use either apiKeyEnv (one key) or apiKeys (several), not both' });
    }
    p.apiKeys?.forEach((k, i) => {
      // The same key listed twice would claim its ceilings twice.
      if (p.apiKeys?.findIndex((other) => other.env === k.env) !== i) ctx.addIssue({ code: 'custom', path: ['apiKeys', i, 'env'], message: `${k.env} is listed twice` });
    });
  });
export type ProviderConfigInput = z.input<typeof providerConfigSchema>;

export const modelConfigSchema = z
  .object({
    id: z.string().min(1),
    provider: z.string().min(1),
    /** Model name sent upstream; defaults to id. */
    upstreamModel: z.string().min(1).optional(),
    kind: z.enum(['chat', 'embedding']).default('chat'),
    pricing: z
      .object({
        inputUsdPerMTok: z.number().nonnegative(),
        outputUsdPerMTok: z.number().nonnegative().default(0),
      })
      .strict(),
    contextWindow: z.number().int().positive().default(8_192),
  })
  .strict();

export const workloadConfigSchema = z
  .object({
    name: z.string().min(1).regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, dot, dash or underscore'),
    description: z.string().optional(),
    /** Spend caps on the workload's client traffic, whichever key or tenant sends it. */
    budgets: z.array(budgetSchema).max(8).default([]),
  })
  .strict();

/** Budget enforcement settings shared by key, tenant and workload budgets. */
export const budgetsConfigSchema = z
  .object({
    /** Where soft alerts are POSTed (JSON), once per budget window; unset: log line and metric only. */
    alertWebhookUrl: z.url().optional(),
    /** Output tokens a request without max_tokens reserves (capped by the model's context window). */
    reserveMaxTokens: z.number().int().positive().default(4_096),
    /**
     * A call that has limits or budgets when Redis cannot be reached: `serve` it unmetered (the
     * default: a Redis outage should not become an API outage) or `refuse` it with a 503.
     */
    whenRedisDown: z.enum(['serve', 'refuse']).default('serve'),
  })
  .strict();

export const breakerConfigSchema = z
  .object({
    /** Failures in a row that open the breaker. */
    consecutiveFailures: z.number().int().positive().default(5),
    /** Failure rate over the window that opens it, once the window holds `minRequests`. */
    failureRate: z.number().gt(0).max(1).default(0.5),
    minRequests: z.number().int().positive().default(20),
    /** Open time before half-open probes. */
    cooldownMs: durationMs.default(30_000),
    /** Concurrent probe requests while half-open. */
    halfOpenProbes: z.number().int().positive().default(1),
  })
  .strict();

export const liveStateConfigSchema = z
  .object({
    /** Rolling window for latency quantiles and error rates. */
    windowMs: durationMs.default(60_000),
    breaker: breakerConfigSchema.prefault({}),
    /** How long a 429 without Retry-After keeps a deployment out of rotation. */
    rateLimitCooldownMs: durationMs.default(5_000),
    /** Upper bound on any cool-down, whatever Retry-After says. */
    maxCooldownMs: durationMs.default(300_000),
  })
  .strict();

const queueConfigSchema = (concurrency: number) =>
  z
    .object({
      /** Jobs one worker process runs at once. */
      concurrency: z.number().int().positive().default(concurrency),
      /** At most this many jobs per second per worker process; unset: no limit. */
      ratePerSecond: z.number().positive().optional(),
      /** Tries per job, with exponential backoff from `backoffMs`. */
      attempts: z.number().int().positive().default(8),
      backoffMs: durationMs.default(500),
    })
    .strict();

export const evaluationConfigSchema = z
  .object({
    /** Where the worker reaches the gateway for judge, golden and shadow calls; default: this host's gateway port. */
    gatewayUrl: z.url().optional(),
    judge: z
      .object({
        /** Model id (or `auto`, or a workload name) the judge calls through the gateway. */
        model: z.string().min(1).default('auto'),
        /** Extra tries when the judge's reply cannot be parsed; then the score is recorded as failed, with the raw reply. */
        parseRetries: z.number().int().min(0).max(5).default(2),
        /** Folder of rubric files, relative to the config file. */
        rubricsDir: z.string().default('evals/rubrics'),
      })
      .strict()
      .prefault({}),
    golden: z
      .object({
        /**
         * Golden calls one worker process has in flight per provider, on top of the queue's
         * concurrency: a run over many models must not spend one provider's whole rate limit.
         */
        perProviderConcurrency: z.number().int().positive().default(4),
      })
      .strict()
      .prefault({}),
    queues: z
      .object({
        judge: queueConfigSchema(4).prefault({}),
        golden: queueConfigSchema(8).prefault({}),
        shadow: queueConfigSchema(2).prefault({}),
      })
      .strict()
      .prefault({}),
    /** Cap on shadow-probe spend per UTC day, in USD. */
    shadowBudgetUsdPerDay: z.number().nonnegative().default(1),
    /** Dataset uploads: largest body and most items one upload may carry. */
    datasets: z
      .object({
        maxBytes: z.number().int().positive().default(50 * 1024 * 1024),
        maxItems: z.number().int().positive().default(100_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** A quality floor: a share of the incumbent's quality, or an absolute score (`optimizer.qualityFloor`). */
export const qualityFloorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('relative'), share: z.number().gt(0).max(1) }).strict(),
  z.object({ kind: z.literal('absolute'), min: z.number().min(0).max(1) }).strict(),
]);
export type QualityFloor = z.infer<typeof qualityFloorSchema>;

/** The floor of a workload the config names none for, not even as `default`. */
export const DEFAULT_QUALITY_FLOOR: QualityFloor = { kind: 'relative', share: 0.98 };

/** `optimizer.qualityFloor` for one workload: its own, else `default`, else 98% of the incumbent. */
export const qualityFloorOf = (floors: Readonly<Record<string, QualityFloor>>, workload: string): QualityFloor => floors[workload] ?? floors['default'] ?? DEFAULT_QUALITY_FLOOR;

/** The optimizer's proposals and what may skip human review. */
export const optimizerConfigSchema = z
  .object({
    /**
     * Per workload, approve a proposed diff without a reviewer when even the pessimistic end of its
     * predicted quality interval loses at most `maxQualityDrop` (0.005 = half a point on the [0, 1] scale).
     * Off for every workload not listed.
     */
    autoApprove: z
      .record(z.string().regex(WORKLOAD_NAME, 'a workload name'), z.object({ maxQualityDrop: z.number().min(0).max(1) }).strict())
      .default({}),
    /** How often the model fit is refreshed (a refit with no new scores is skipped). */
    refitEveryMs: durationMs.default(300_000),
    /** Scores older than this are left out of a fit. */
    windowMs: durationMs.default(30 * 24 * 3_600_000),
    /** Scores a workload × model needs before its fit is acted on; also the cost model's pseudo-count. */
    minSamples: z.number().int().positive().default(30),
    /** How much one score of each source counts in the quality fit, relative to the others. */
    sourceWeights: z
      .object({
        judge: z.number().min(0).default(0.5),
        golden: z.number().min(0).default(1),
        shadow: z.number().min(0).default(0.5),
        feedback: z.number().min(0).default(0.3),
        human: z.number().min(0).default(1),
      })
      .strict()
      .prefault({}),
    /**
     * Drift: a model's scores over the last `recentMs` against its older scores in the window, per
     * source. A drop whose whole 95% interval is beyond `minDrop` (with `minSamples` scores a side)
     * refits that workload × model on its recent scores only, and a relative floor then keeps the
     * incumbent's quality from before the drop, so a fix is proposed even if it costs more.
     */
    drift: z
      .object({
        recentMs: durationMs.default(24 * 3_600_000),
        minSamples: z.number().int().min(2).default(30),
        minDrop: z.number().min(0).max(1).default(0.03),
      })
      .strict()
      .prefault({}),
    /**
     * The quality a proposal must keep, judged on its predicted lower bound: `relative` to the
     * incumbent (0.98 = 98% of its quality; after a drift, of its quality before the drop), or an
     * `absolute` score, which also lets the optimizer propose a fix when the incumbent falls below
     * it. Per workload, else `default`.
     */
    qualityFloor: z
      .record(
        z.union([z.literal('default'), z.string().regex(WORKLOAD_NAME, 'a workload name')]),
        qualityFloorSchema,
      )
      .default({ default: DEFAULT_QUALITY_FLOOR }),
    /** A proposal may route only to models whose measured p95 is at most this; unset: no SLO. */
    latencySloP95Ms: z.number().positive().optional(),
  })
  .strict();

/** Exact-match response cache (README, "Response cache"). */
export const responseCacheConfigSchema = z
  .object({
    /** Off: no lookups and no stores, whatever a request or key asks. */
    enabled: z.boolean().default(true),
    ttlMs: durationMs.default(600_000),
    /** Larger answers are still served, just never stored. */
    maxEntryBytes: z.number().int().positive().default(1024 * 1024),
  })
  .strict();

export const redactionModeSchema = z.enum(['full', 'metadata-only', 'hashed']);
export type RedactionMode = z.infer<typeof redactionModeSchema>;

/**
 * `keys` (the default): every /v1 call needs a virtual key (or the admin key). `open`: anyone may
 * call, as one tenant, for the local demo only; production refuses to start with it.
 */
export const authConfigSchema = z.object({ mode: z.enum(['keys', 'open']).default('keys') }).strict();

export const fileConfigSchema = z
  .object({
    auth: authConfigSchema.prefault({}),
    budgets: budgetsConfigSchema.prefault({}),
    server: z
      .object({
        host: z.string().default('0.0.0.0'),
        bodyLimitBytes: z.number().int().positive().default(10 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    spans: z
      .object({
        redaction: redactionModeSchema.default('full'),
        flushIntervalMs: z.number().int().positive().default(100),
        flushBatchSize: z.number().int().positive().default(500),
        bufferMaxRows: z.number().int().positive().default(50_000),
      })
      .strict()
      .prefault({}),
    providers: z.array(providerConfigSchema).min(1),
    models: z.array(modelConfigSchema).min(1),
    workloads: z.array(workloadConfigSchema).default([]),
    liveState: liveStateConfigSchema.prefault({}),
    evaluation: evaluationConfigSchema.prefault({}),
    optimizer: optimizerConfigSchema.prefault({}),
    cache: responseCacheConfigSchema.prefault({}),
    /** The review console's static build, served at /console. */
    console: z
      .object({
        /** Folder holding the console's index.html and assets/, relative to the config file; default: the repo's dist/console (`npm run build:console`). */
        dir: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    /** The initial routing policy: seeds the first policy version (see README, "Policies"). */
    routing: policyDocumentSchema,
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const providers = new Set<string>();
    cfg.providers.forEach((p, i) => {
      if (providers.has(p.name)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'name'], message: `duplicate provider "${p.name}"` });
      providers.add(p.name);
    });
    const models = new Set<string>();
    cfg.models.forEach((m, i) => {
      if (models.has(m.id)) ctx.addIssue({ code: 'custom', path: ['models', i, 'id'], message: `duplicate model "${m.id}"` });
      models.add(m.id);
      if (!providers.has(m.provider)) {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'provider'], message: `unknown provider "${m.provider}"` });
      }
    });
    cfg.providers.forEach((p, i) => {
      const probed = p.healthProbe?.model;
      if (probed && cfg.models.find((m) => m.id === probed)?.provider !== p.name) {
        ctx.addIssue({ code: 'custom', path: ['providers', i, 'healthProbe', 'model'], message: `"${probed}" is not a model of provider "${p.name}"` });
      }
      // Replay options name the provider's own models; a typo would silently do nothing.
      const named: Array<[string, (string | number)[]]> = [
        ...Object.keys(p.latency?.models ?? {}).map((id): [string, (string | number)[]] => [id, ['latency', 'models', id]]),
        ...Object.keys(p.faults?.models ?? {}).map((id): [string, (string | number)[]] => [id, ['faults', 'models', id]]),
        ...(p.judge?.models ?? []).map((id, j): [string, (string | number)[]] => [id, ['judge', 'models', j]]),
      ];
      for (const [id, path] of named) {
        if (cfg.models.find((m) => m.id === id)?.provider !== p.name) ctx.addIssue({ code: 'custom', path: ['providers', i, ...path], message: `"${id}" is not a model of provider "${p.name}"` });
      }
    });
    const checked = validatePolicy(cfg.routing, modelCatalogOf(cfg));
    if (!checked.ok) for (const issue of checked.issues) ctx.addIssue({ code: 'custom', path: ['routing', ...issue.path.split('.')], message: issue.message });
  });
export type FileConfig = z.infer<typeof fileConfigSchema>;

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  SWITCHYARD_CONFIG: z.string().default('switchyard.yaml'),
  SWITCHYARD_DATA_DIR: z.string().default('./.data'),
  DATABASE_URL: z.string().min(1).optional(),
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
  /** Isolates one deployment's (or one test run's) BullMQ keys on a shared Redis. */
  SWITCHYARD_REDIS_PREFIX: z.string().min(1).default('switchyard'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  /** Bearer key for /admin. Required in production; generated per process in development. */
  SWITCHYARD_ADMIN_KEY: z.string().min(16, 'use at least 16 characters').optional(),
  /** Which active-policy pointer this deployment follows (e.g. staging, production). */
  SWITCHYARD_ENVIRONMENT: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, dot, dash or underscore').default('default'),
});
