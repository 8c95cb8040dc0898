import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childProcessEnv } from '@switchyard/config';
import { createDatabase } from '@switchyard/db';
import { stringify } from 'yaml';
import { type BenchProcess, freePort, spawnNode } from '../overhead/process.runner.js';
import { freshBenchDatabase } from '../support/bench-database.js';
import { dropRedisKeys } from '../support/bench-redis.js';

const here = dirname(fileURLToPath(import.meta.url));
const MODELS = ['gpt-mini', 'gpt-large', 'claude-like'];
const WORKLOADS = ['support', 'coding', 'extraction'];

export interface ConsoleGatewayOptions {
  /** Folder of the console build the gateway serves at /console. */
  consoleDir: string;
  pgAdminUrl: string;
  database: string;
  redisUrl: string;
  adminKey: string;
  /** Client spans seeded over the last 24 h, so the overview's panels have rows to show. */
  spans: number;
  /** The run's folder: config and log. */
  dir: string;
}

export interface ConsoleGateway {
  baseUrl: string;
  process: BenchProcess;
  stop(): Promise<void>;
}

/**
 * Three models on one provider that is never called (nothing is sent through the gateway here):
 * the breakers panel lists them, the seeded spans and scores name them.
 */
function gatewayConfig(consoleDir: string, unusedUpstream: string): Record<string, unknown> {
  const timeouts = { connectMs: 2_000, firstByteMs: 10_000, totalMs: 30_000 };
  return {
    auth: { mode: 'keys' },
    server: { host: '127.0.0.1' },
    console: { dir: consoleDir },
    providers: [{ name: 'primary', protocol: 'openai', baseUrl: `${unusedUpstream}/v1`, apiKeyEnv: 'BENCH_PROVIDER_KEY', timeouts }],
    models: MODELS.map((id, k) => ({ id, provider: 'primary', upstreamModel: id, pricing: { inputUsdPerMTok: 0.15 * (k + 1) ** 2, outputUsdPerMTok: 0.6 * (k + 1) ** 2 }, contextWindow: 128_000 })),
    workloads: WORKLOADS.map((name) => ({ name })),
    routing: { defaultWorkload: 'support', defaultRoute: { rules: [{ name: 'default', target: { candidates: MODELS } }] } },
  };
}

/**
 * A day of client traffic (3 workloads × 3 models, ~2% errors) and a judge score for every fourth
 * call, written in SQL as the optimizer bench seeds: what a console's first screen shows on a
 * gateway that has been running.
 */
const seedSql = (spans: number): string => `
insert into spans (span_id, trace_id, started_at, latency_ms, operation, workload, policy_version, strategy, requested_model, model, provider,
                   status, http_status, stream, input_tokens, output_tokens, cost_usd, redaction, origin)
select lpad(to_hex(g), 16, '0'), md5(g::text), now() - (g * (86400000.0 / ${spans}) || ' ms')::interval,
       (300 + 200 * (g % 3) + 2000 * random() ^ 3)::int, 'chat', (array['${WORKLOADS.join("','")}'])[g % 3 + 1], 'v1', 'static', 'auto',
       (array['${MODELS.join("','")}'])[(g / 3) % 3 + 1], 'primary',
       case when g % 50 = 0 then 'error' else 'ok' end, case when g % 50 = 0 then 502 else 200 end, g % 4 = 0,
       100 + g % 900, 50 + g % 300, 0.00001 * (1 + (g / 3) % 3) * (100 + g % 900), 'full', 'live'
from generate_series(1, ${spans}) g;
insert into scores (id, span_id, scorer, scorer_version, source, status, score, workload, model, created_at)
select 'sc_' || lpad(to_hex(g), 16, '0'), lpad(to_hex(g), 16, '0'), 'bench', 'v1', 'judge', 'ok',
       case when random() < 0.7 + 0.1 * ((g / 3) % 3) then 1 else 0 end,
       (array['${WORKLOADS.join("','")}'])[g % 3 + 1], (array['${MODELS.join("','")}'])[(g / 3) % 3 + 1], now() - (g * (86400000.0 / ${spans}) || ' ms')::interval
from generate_series(4, ${spans}, 4) g;
analyze spans;
analyze scores;
`;

/** The real built gateway (dist/apps/gateway/src/main.js, as `npm run start:gateway` starts it) on a seeded database of its own. */
export async function startConsoleGateway(o: ConsoleGatewayOptions): Promise<ConsoleGateway> {
  const databaseUrl = await freshBenchDatabase(o.pgAdminUrl, o.database);
  const seed = createDatabase(databaseUrl, { max: 1 });
  try {
    await seed.pool.query(seedSql(o.spans));
  } finally {
    await seed.close();
  }
  const [port, unusedPort] = await Promise.all([freePort(), freePort()]);
  const configPath = join(o.dir, 'switchyard.yaml');
  writeFileSync(configPath, stringify(gatewayConfig(o.consoleDir, `http://127.0.0.1:${unusedPort}`)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const redisPrefix = `switchyard-bench-console-${process.pid}-${Date.now()}`;
  const gateway = await spawnNode({
    name: 'switchyard',
    args: ['--enable-source-maps', join(here, '../../apps/gateway/src/main.js')],
    env: childProcessEnv({
      NODE_ENV: 'production',
      PORT: String(port),
      SWITCHYARD_CONFIG: configPath,
      SWITCHYARD_DATA_DIR: join(o.dir, 'data'),
      DATABASE_URL: databaseUrl,
      REDIS_URL: o.redisUrl,
      SWITCHYARD_REDIS_PREFIX: redisPrefix,
      SWITCHYARD_ENVIRONMENT: 'bench-console',
      SWITCHYARD_ADMIN_KEY: o.adminKey,
      BENCH_PROVIDER_KEY: 'sk-bench-provider-key',
    }),
    logPath: join(o.dir, 'switchyard.log'),
    readyUrl: `${baseUrl}/healthz`,
  });
  return {
    baseUrl,
    process: gateway,
    async stop() {
      await gateway.stop();
      await dropRedisKeys(o.redisUrl, redisPrefix);
    },
  };
}

