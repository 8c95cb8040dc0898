import { z } from 'zod';

/** Wire protocols Switchyard can speak to an upstream. A new one is a new adapter plus one entry here. */
export const providerProtocolSchema = z.enum(['openai', 'anthropic', 'replay']);
export type ProviderProtocol = z.infer<typeof providerProtocolSchema>;

const durationMs = z.number().int().positive();

export const providerConfigSchema = z
  .object({
    name: z.string().min(1).regex(/^[a-zA-Z0-9._-]+$/, 'use letters, digits, dot, dash or underscore'),
    protocol: providerProtocolSchema,
    /** Base URL including the version segment, e.g. https://api.openai.com/v1 */
    baseUrl: z.url().optional(),
    /** Name of the env var holding the API key; the key itself never lives in the file. */
    apiKeyEnv: z.string().min(1).optional(),
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
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.protocol !== 'replay' && !p.baseUrl) {
      ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: `required for protocol "${p.protocol}"` });
    }
    if (p.protocol === 'replay' && !p.fleetFile) {
      ctx.addIssue({ code: 'custom', path: ['fleetFile'], message: 'required for protocol "replay"' });
    }
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
  })
  .strict();

/** A model id, or an ordered fallback list of model ids. */
const routeTargetSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const initialPolicySchema = z
  .object({
    defaultWorkload: z.string().default('default'),
    defaultModel: routeTargetSchema,
    embeddingModel: routeTargetSchema.optional(),
    workloads: z.record(z.string(), routeTargetSchema).default({}),
  })
  .strict();

export const redactionModeSchema = z.enum(['full', 'metadata-only', 'hashed']);
export type RedactionMode = z.infer<typeof redactionModeSchema>;

export const fileConfigSchema = z
  .object({
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
    routing: initialPolicySchema,
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
    const workloads = new Set(cfg.workloads.map((w) => w.name));
    const checkTarget = (target: string | string[], path: (string | number)[]): void => {
      (Array.isArray(target) ? target : [target]).forEach((id, i) => {
        if (!models.has(id)) ctx.addIssue({ code: 'custom', path: Array.isArray(target) ? [...path, i] : path, message: `unknown model "${id}"` });
      });
    };
    checkTarget(cfg.routing.defaultModel, ['routing', 'defaultModel']);
    if (cfg.routing.embeddingModel) checkTarget(cfg.routing.embeddingModel, ['routing', 'embeddingModel']);
    for (const [name, target] of Object.entries(cfg.routing.workloads)) {
      if (!workloads.has(name)) ctx.addIssue({ code: 'custom', path: ['routing', 'workloads', name], message: `workload "${name}" is not declared under workloads` });
      checkTarget(target, ['routing', 'workloads', name]);
    }
    if (cfg.routing.defaultWorkload !== 'default' && !workloads.has(cfg.routing.defaultWorkload)) {
      ctx.addIssue({ code: 'custom', path: ['routing', 'defaultWorkload'], message: `workload "${cfg.routing.defaultWorkload}" is not declared under workloads` });
    }
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
});
