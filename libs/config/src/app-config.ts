import type { z } from 'zod';
import type { FileConfig, ProviderConfigInput, RedactionMode, modelConfigSchema, providerConfigSchema, workloadConfigSchema } from './config.schema.js';

/** One key of a provider, resolved at boot; the secret is never logged, never sent to clients, never part of a Redis key. */
export interface ProviderKey {
  /** Position in the provider's key list: what logs, spans and Redis keys name it by. */
  index: number;
  /** The env var it came from. */
  env: string;
  /** Unset when the env var is (outside production). */
  secret?: string;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

export type ProviderConfig = z.infer<typeof providerConfigSchema> & {
  /** The first key (from `apiKeyEnv` or `apiKeys`), for calls that do not go through the key pool. */
  apiKey?: string;
  /** Every key, from `apiKeys`, or the one of `apiKeyEnv`; empty for a keyless provider. Unset in hand-built configs: `apiKey` alone. */
  keys?: readonly ProviderKey[];
  /** Absolute path of `fleetFile`, resolved against the config file's folder. */
  fleetPath?: string;
};
export type ModelConfig = z.infer<typeof modelConfigSchema> & { upstreamModel: string };
export type WorkloadConfig = z.infer<typeof workloadConfigSchema>;
export type { ProviderConfigInput, RedactionMode };

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  bodyLimitBytes: number;
  configPath: string;
  dataDir: string;
  /** Unset means: run the embedded Postgres under dataDir. */
  databaseUrl?: string;
  redisUrl: string;
  redisPrefix: string;
  otlpEndpoint?: string;
  serviceName?: string;
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  auth: FileConfig['auth'];
  budgets: FileConfig['budgets'];
  spans: FileConfig['spans'];
  providers: ProviderConfig[];
  models: ModelConfig[];
  workloads: WorkloadConfig[];
  liveState: FileConfig['liveState'];
  /** Judge, queues and exploration; `gatewayUrl` and `rubricsDir` resolved. */
  evaluation: Omit<FileConfig['evaluation'], 'gatewayUrl'> & { gatewayUrl: string };
  /** Proposal review: which workloads' diffs may be approved automatically. */
  optimizer: FileConfig['optimizer'];
  /** Exact-match response cache: on/off, TTL, largest stored entry. */
  cache: FileConfig['cache'];
  /** The review console's build: an absolute folder, resolved at boot (it may not exist yet). */
  console: { dir: string };
  /** The config file's policy: seeds the first policy version of this environment. */
  routing: FileConfig['routing'];
  /** Which active-policy pointer this deployment follows. */
  environment: string;
  admin: {
    key: string;
    /** True when no SWITCHYARD_ADMIN_KEY was set and a key was made up for this process (development only). */
    generated: boolean;
  };
}
