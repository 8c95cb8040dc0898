import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type AppConfig, loadConfig, loadTestEnv, type RedactionMode } from '@switchyard/config';
import { createDatabase, type DatabaseHandle, SpanRepository, type SpanRow } from '@switchyard/db';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTelemetry } from '@switchyard/telemetry';
import { createTestDatabase, type FakeUpstream, type FakeUpstreamOptions, startFakeAnthropicUpstream, startFakeOpenAiUpstream } from '@switchyard/testing';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { createGatewayApp } from '../../apps/gateway/src/gateway.bootstrap.js';

/** The admin API key of every harness gateway. */
export const ADMIN_KEY = 'test-admin-key-0123456789';

/** The provider key the fake upstreams receive; the secret-leak assertions look for it. */
export const FAKE_PROVIDER_KEY = 'sk-test-SECRET-provider-key-0123456789';

export interface GatewayHarness {
  baseUrl: string;
  client: OpenAI;
  /** Serves models gpt-a and embed. */
  upstreamA: FakeUpstream;
  /** Serves gpt-b, the fallback. */
  upstreamB: FakeUpstream;
  /** Serves claude (Anthropic Messages API). */
  anthropic: FakeUpstream;
  /** Serves slow-model: a long stream with pauses, for aborts. */
  slow: FakeUpstream;
  /** The `pool` option's models, each with its own fake upstream. */
  pool: ReadonlyMap<string, FakeUpstream>;
  config: AppConfig;
  spans: SpanRepository;
  waitForSpan(spanId: string, timeoutMs?: number): Promise<SpanRow>;
  close(): Promise<void>;
}

let telemetryStarted = false;

const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 1));
    });
  });

export interface HarnessOptions {
  /** The `budgets` config section (alert webhook, reservation size). */
  budgets?: Record<string, unknown>;
  /** `workloads[].budgets` per workload of the harness (with-fallback, dead-first). */
  workloadBudgets?: Record<string, unknown[]>;
  /** OTel span processors, e.g. an in-memory exporter; only the first harness of a test file starts telemetry. */
  spanProcessors?: SpanProcessor[];
  /** `auth.mode`; default `open`, so tests about other things need no key. Governance tests use `keys`. */
  auth?: 'keys' | 'open';
  bodyLimitBytes?: number;
  redaction?: RedactionMode;
  firstByteMs?: number;
  upstream?: FakeUpstreamOptions;
  /** The `liveState` config section (breakers, cool-downs). */
  liveState?: Record<string, unknown>;
  /** The `routing` config section; default: the harness's fallback routes. */
  routing?: Record<string, unknown>;
  /** The active-policy pointer to follow; gateways sharing one see each other's activations. Default: one of its own. */
  environment?: string;
  /** Where the gateway's pool connects, e.g. through a TCP proxy a test can pause. Default: the test database. */
  databaseUrl?: string;
  /** Where the gateway's Redis client connects, e.g. through a TCP proxy a test can pause. Default: the test Redis. */
  redisUrl?: string;
  /** Extra chat model ids, each served by its own fake OpenAI upstream (provider `fake-<id>`), for routes that spread traffic. */
  pool?: string[];
  /** Per `pool` model, what differs from the default: a context window of 8,192 tokens, $1 in and $1 out per million tokens. */
  poolModels?: Record<string, { contextWindow?: number; pricing?: { inputUsdPerMTok: number; outputUsdPerMTok: number } }>;
  /** `providers[].healthProbe` for every `pool` provider. */
  healthProbe?: { intervalMs: number; timeoutMs: number; prompt?: string };
  /** The `evaluation` config section (judge, queues, exploration budget). */
  evaluation?: Record<string, unknown>;
  /** The `optimizer` config section (e.g. `autoApprove` per workload). */
  optimizer?: Record<string, unknown>;
  /** The `console` config section (where the console's static build is). */
  console?: Record<string, unknown>;
  /** A `replay` provider answering from a recorded fleet file, with these of its models (id = the fleet's model name) at these prices. */
  replay?: {
    fleetFile: string;
    models: Record<string, { inputUsdPerMTok: number; outputUsdPerMTok: number }>;
    /** More of the replay provider's options: `latency`, `faults`, `seed`, `judge`, `unknownPrompt`. */
    options?: Record<string, unknown>;
  };
  /** Per provider name (`fake-a`, …): several keys with their ceilings instead of FAKE_PROVIDER_KEY, and/or provider-wide `rateLimits`. */
  outbound?: Record<string, HarnessOutbound>;
}

type Ceilings = { requestsPerMinute?: number; tokensPerMinute?: number };

/** A provider's outbound keys and limits; each secret is handed to the gateway through an env var of its own. */
export interface HarnessOutbound {
  keys?: Array<{ secret: string } & Ceilings>;
  rateLimits?: Ceilings;
}

/** The real gateway app, in-process on a loopback port, against real fake upstreams, Postgres and Redis. */
export async function startGatewayHarness(options: HarnessOptions = {}): Promise<GatewayHarness> {
  const [upstreamA, upstreamB, anthropic, slow] = await Promise.all([
    startFakeOpenAiUpstream(options.upstream),
    startFakeOpenAiUpstream(options.upstream),
    startFakeAnthropicUpstream(options.upstream),
    startFakeOpenAiUpstream({ chunkDelayMs: 40, text: Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ') }),
  ]);
  const pool = new Map<string, FakeUpstream>();
  for (const id of options.pool ?? []) pool.set(id, await startFakeOpenAiUpstream(options.upstream));
  const timeouts = { connectMs: 1_000, firstByteMs: options.firstByteMs ?? 1_500, totalMs: 20_000 };
  const file = {
    auth: { mode: options.auth ?? 'open' },
    server: { host: '127.0.0.1', bodyLimitBytes: options.bodyLimitBytes ?? 256 * 1024 },
    spans: { redaction: options.redaction ?? 'full', flushIntervalMs: 50 },
    providers: [
      { name: 'fake-a', protocol: 'openai', baseUrl: upstreamA.url, apiKeyEnv: 'FAKE_PROVIDER_KEY', timeouts },
      { name: 'fake-b', protocol: 'openai', baseUrl: upstreamB.url, apiKeyEnv: 'FAKE_PROVIDER_KEY', timeouts },
      { name: 'fake-anthropic', protocol: 'anthropic', baseUrl: anthropic.url, apiKeyEnv: 'FAKE_PROVIDER_KEY', timeouts },
      { name: 'fake-slow', protocol: 'openai', baseUrl: slow.url, apiKeyEnv: 'FAKE_PROVIDER_KEY', timeouts },
      { name: 'nowhere', protocol: 'openai', baseUrl: `http://127.0.0.1:${await closedPort()}/v1`, apiKeyEnv: 'FAKE_PROVIDER_KEY', timeouts },
      ...[...pool].map(([id, upstream]) => ({
        name: `fake-${id}`,
        protocol: 'openai',
        baseUrl: upstream.url,
        apiKeyEnv: 'FAKE_PROVIDER_KEY',
        timeouts,
        ...(options.healthProbe && { healthProbe: options.healthProbe }),
      })),
      ...(options.replay ? [{ name: 'replay', protocol: 'replay', fleetFile: options.replay.fleetFile, ...options.replay.options }] : []),
    ],
    models: [
      { id: 'gpt-a', provider: 'fake-a', upstreamModel: 'upstream-gpt-a', pricing: { inputUsdPerMTok: 2, outputUsdPerMTok: 8 } },
      { id: 'gpt-b', provider: 'fake-b', pricing: { inputUsdPerMTok: 1, outputUsdPerMTok: 2 } },
      { id: 'claude', provider: 'fake-anthropic', upstreamModel: 'claude-test', pricing: { inputUsdPerMTok: 3, outputUsdPerMTok: 15 } },
      { id: 'slow-model', provider: 'fake-slow', pricing: { inputUsdPerMTok: 1, outputUsdPerMTok: 1 } },
      { id: 'dead-model', provider: 'nowhere', pricing: { inputUsdPerMTok: 1, outputUsdPerMTok: 1 } },
      { id: 'embed', provider: 'fake-a', kind: 'embedding', pricing: { inputUsdPerMTok: 0.02 } },
      ...[...pool.keys()].map((id) => ({ id, provider: `fake-${id}`, pricing: { inputUsdPerMTok: 1, outputUsdPerMTok: 1 }, ...options.poolModels?.[id] })),
      ...Object.entries(options.replay?.models ?? {}).map(([id, pricing]) => ({ id, provider: 'replay', pricing, contextWindow: 128_000 })),
    ],
    workloads: ['with-fallback', 'dead-first'].map((name) => ({ name, ...(options.workloadBudgets?.[name] && { budgets: options.workloadBudgets[name] }) })),
    ...(options.budgets ? { budgets: options.budgets } : {}),
    ...(options.liveState ? { liveState: options.liveState } : {}),
    ...(options.evaluation ? { evaluation: options.evaluation } : {}),
    ...(options.optimizer ? { optimizer: options.optimizer } : {}),
    ...(options.console ? { console: options.console } : {}),
    routing: options.routing ?? {
      defaultRoute: 'gpt-a',
      embeddingRoute: 'embed',
      routes: { 'with-fallback': ['gpt-a', 'gpt-b'], 'dead-first': ['dead-model', 'gpt-b'] },
    },
  };
  const outboundEnv = applyOutbound(file.providers, options.outbound);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-e2e-'));
  const configPath = join(dir, 'switchyard.yaml');
  writeFileSync(configPath, stringify(file));
  const testEnv = loadTestEnv();
  // Each harness follows its own active-policy pointer, so parallel test files never steer each other.
  const environment = options.environment ?? `e2e-${randomBytes(6).toString('hex')}`;
  const config = loadConfig({
    SWITCHYARD_CONFIG: configPath,
    NODE_ENV: 'test',
    FAKE_PROVIDER_KEY,
    ...outboundEnv,
    DATABASE_URL: testEnv.TEST_DATABASE_URL,
    REDIS_URL: options.redisUrl ?? testEnv.TEST_REDIS_URL,
    SWITCHYARD_ENVIRONMENT: environment,
    // Queues and channels per environment too: a test's worker only ever sees its own gateways' jobs.
    SWITCHYARD_REDIS_PREFIX: `switchyard-test-${environment}`,
    SWITCHYARD_ADMIN_KEY: ADMIN_KEY,
  });

  if (!telemetryStarted) {
    startTelemetry({ serviceName: 'switchyard-e2e', spanProcessors: options.spanProcessors });
    telemetryStarted = true;
  }
  const database: DatabaseHandle = options.databaseUrl ? createDatabase(options.databaseUrl, { connectionTimeoutMillis: 500 }) : createTestDatabase();
  const redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const app: NestFastifyApplication = await createGatewayApp(config, { database, redis });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const spans = new SpanRepository(database.db);

  return {
    baseUrl,
    client: new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'client-key', maxRetries: 0 }),
    upstreamA,
    upstreamB,
    anthropic,
    slow,
    pool,
    config,
    spans,
    async waitForSpan(spanId, timeoutMs = 1_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const row = await spans.findById(spanId);
        if (row) return row;
        if (Date.now() > deadline) throw new Error(`span ${spanId} not in Postgres after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await app.close();
      redis.disconnect();
      await database.close();
      await Promise.all([upstreamA.close(), upstreamB.close(), anthropic.close(), slow.close(), ...[...pool.values()].map((u) => u.close())]);
    },
  };
}

/** Writes the `outbound` option into the providers' config entries; returns the env vars holding the keys. */
function applyOutbound(providers: Array<Record<string, unknown>>, outbound: Record<string, HarnessOutbound> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const provider of providers) {
    const name = String(provider.name);
    const wanted = outbound?.[name];
    if (!wanted) continue;
    if (wanted.keys) {
      delete provider.apiKeyEnv;
      provider.apiKeys = wanted.keys.map(({ secret, ...ceilings }, i) => {
        const variable = `FAKE_KEY_${name.replace(/[^a-zA-Z0-9]/g, '_').toUpperCase()}_${i}`;
        env[variable] = secret;
        return { env: variable, ...ceilings };
      });
    }
    if (wanted.rateLimits) provider.rateLimits = wanted.rateLimits;
  }
  return env;
}

/** Polls until `check` passes or the deadline ends; for effects that land asynchronously. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
