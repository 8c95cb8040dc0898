import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { AppConfig, ProviderKey } from './app-config.js';
import { envSchema, fileConfigSchema } from './config.schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const formatIssues = (source: string, error: z.ZodError): string =>
  `${source} is invalid:\n` +
  error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n');

export type EnvSource = Record<string, string | undefined>;

/**
 * The repository (or image) root: the nearest folder above this module with a package.json. Found
 * by walking up because this file runs from libs/config/src in development and tests, and from
 * dist/libs/config/src once built.
 */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(resolve(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Where `npm run build:console` writes the console (apps/console/vite.config.ts). */
const defaultConsoleDir = (cwd: string): string => resolve(packageRoot() ?? cwd, 'dist/console');

/**
 * Parses env + the YAML config file once, at boot. Every error names the key and why,
 * so a bad deploy fails fast instead of at the first request.
 */
export function loadConfig(env: EnvSource = process.env, cwd: string = process.cwd()): AppConfig {
  const parsedEnv = envSchema.safeParse(env);
  if (!parsedEnv.success) throw new ConfigError(formatIssues('environment', parsedEnv.error));
  const e = parsedEnv.data;

  const configPath = resolve(cwd, e.SWITCHYARD_CONFIG);
  if (!existsSync(configPath)) {
    throw new ConfigError(`config file not found: ${configPath} (set SWITCHYARD_CONFIG to its path)`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(configPath, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${configPath} is not valid YAML: ${(err as Error).message}`);
  }
  const parsedFile = fileConfigSchema.safeParse(raw);
  if (!parsedFile.success) throw new ConfigError(formatIssues(configPath, parsedFile.error));
  const file = parsedFile.data;

  const configDir = dirname(configPath);
  const missingKeys: string[] = [];
  const providers = file.providers.map((p) => {
    const listed = p.apiKeys ?? (p.apiKeyEnv ? [{ env: p.apiKeyEnv }] : []);
    const keys: ProviderKey[] = listed.map((k, index) => {
      const secret = env[k.env] || undefined;
      // A missing key is fatal only in production; in dev the upstream answers 401 and we map it.
      if (!secret && e.NODE_ENV === 'production') missingKeys.push(`providers.${p.name}.${p.apiKeys ? `apiKeys.${index}.env` : 'apiKeyEnv'}: env var ${k.env} is not set`);
      return { ...k, index, secret };
    });
    return { ...p, apiKey: keys[0]?.secret, keys, fleetPath: p.fleetFile ? resolve(configDir, p.fleetFile) : undefined };
  });
  if (!e.SWITCHYARD_ADMIN_KEY && e.NODE_ENV === 'production') missingKeys.push('SWITCHYARD_ADMIN_KEY: required in production, to protect /admin');
  if (file.auth.mode === 'open' && e.NODE_ENV === 'production') missingKeys.push('auth.mode: "open" lets anyone call /v1 and is refused in production; use "keys"');
  if (missingKeys.length) throw new ConfigError(`${configPath} is invalid:\n  - ${missingKeys.join('\n  - ')}`);

  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: file.server.host,
    bodyLimitBytes: file.server.bodyLimitBytes,
    configPath,
    dataDir: resolve(cwd, e.SWITCHYARD_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.SWITCHYARD_REDIS_PREFIX,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: e.OTEL_SERVICE_NAME,
    logLevel: e.LOG_LEVEL,
    auth: file.auth,
    budgets: file.budgets,
    spans: file.spans,
    providers,
    models: file.models.map((m) => ({ ...m, upstreamModel: m.upstreamModel ?? m.id })),
    workloads: file.workloads,
    liveState: file.liveState,
    evaluation: {
      ...file.evaluation,
      gatewayUrl: (file.evaluation.gatewayUrl ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, ''),
      judge: { ...file.evaluation.judge, rubricsDir: resolve(configDir, file.evaluation.judge.rubricsDir) },
    },
    optimizer: file.optimizer,
    cache: file.cache,
    console: { dir: file.console.dir === undefined ? defaultConsoleDir(cwd) : resolve(configDir, file.console.dir) },
    routing: file.routing,
    environment: e.SWITCHYARD_ENVIRONMENT,
    admin: e.SWITCHYARD_ADMIN_KEY ? { key: e.SWITCHYARD_ADMIN_KEY, generated: false } : { key: `sya_dev_${randomBytes(18).toString('base64url')}`, generated: true },
  };
}

/** The environment for a child process this one spawns: ours, plus overrides. */
export const childProcessEnv = (overrides: Record<string, string>): Record<string, string | undefined> => ({ ...process.env, ...overrides });
