// `npm run bench:overhead`: what Switchyard adds to a call, against three same-run baselines on one
// fast fake upstream: direct, a bare Fastify + undici proxy, and the Portkey open-source gateway.
// Prints one JSON report on stdout and a table on stderr. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { childProcessEnv, loadTestEnv } from '@switchyard/config';
import { stringify } from 'yaml';
import { type LoadResult, type LoadTarget, runLoad } from './overhead/load.runner.js';
import { formatTable, type TableRow } from './overhead/overhead.table.js';
import { type BenchProcess, freePort, killAllChildren, spawnNode } from './overhead/process.runner.js';
import { emitReport, medianOf } from './support/bench-report.js';
import { freshBenchDatabase } from './support/bench-database.js';
import { dropRedisKeys } from './support/bench-redis.js';

const { values: flags } = parseArgs({
  options: {
    trials: { type: 'string', default: '3' },
    duration: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    out: { type: 'string' },
    /** Write a V8 CPU profile of the Switchyard process (node --cpu-prof) into the run's log folder. */
    profile: { type: 'boolean', default: false },
    /** Comma lists, to narrow a run while profiling; the report's verdicts need the defaults. */
    modes: { type: 'string', default: 'json,stream' },
    rates: { type: 'string', default: '250,500,1000,max' },
  },
});
const TRIALS = Number(flags.trials);
const DURATION_S = Number(flags.duration);
const CONNECTIONS = Number(flags.connections);
const RATES: ReadonlyArray<number | 'max'> = flags.rates.split(',').map((r) => (r === 'max' ? 'max' : Number(r)));
const MODES = flags.modes.split(',').filter((m): m is 'json' | 'stream' => m === 'json' || m === 'stream');
/** Rates measured as the median of TRIALS runs: the ones the targets are judged on. */
const JUDGED: ReadonlySet<number | 'max'> = new Set([500, 'max']);
/**
 * autocannon's fixed rate is a per-connection quota per second: each connection sends back to back
 * until its share of the second is used, then waits for the next second. With 50 connections,
 * "500 req/s" is a 50-wide burst at every second boundary and the latency measured is queueing in
 * that burst. Fixed-rate runs therefore use one connection per 250 req/s offered (1, 2, 4), close to
 * the concurrency that rate needs at these latencies; the max run uses --connections.
 */
const connectionsFor = (rate: number | 'max'): number => (rate === 'max' ? CONNECTIONS : Math.max(1, Math.round(rate / 250)));
const DATABASE = 'switchyard_bench_overhead';
const ADMIN_KEY = `bench-admin-${randomBytes(12).toString('hex')}`;
const TARGET = { addedP50Ms: 1, addedP99Ms: 5, atRate: 500, maxVsPeer: 3, maxVsBare: 0.6 };

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** temperature > 0: the response cache (exact match, temperature 0 only) is skipped, as for most live traffic. */
const requestBody = (stream: boolean): string =>
  JSON.stringify({
    model: 'auto',
    messages: [
      { role: 'system', content: 'You are a helpful support assistant for an online shop. Answer briefly and politely.' },
      { role: 'user', content: 'My order #10492 has not arrived yet. It was due on Monday. What can I do?' },
    ],
    temperature: 0.7,
    max_tokens: 128,
    ...(stream && { stream: true, stream_options: { include_usage: true } }),
  });


/** A realistic config: keys auth, three workloads with rules, judge sampling at 5%, spans on, its own Redis prefix. */
function gatewayConfig(upstreamUrl: string): Record<string, unknown> {
  const timeouts = { connectMs: 2_000, firstByteMs: 10_000, totalMs: 30_000 };
  const pricing = (i: number, o: number) => ({ inputUsdPerMTok: i, outputUsdPerMTok: o });
  return {
    auth: { mode: 'keys' },
    server: { host: '127.0.0.1' },
    spans: { redaction: 'full' },
    providers: [
      { name: 'primary', protocol: 'openai', baseUrl: `${upstreamUrl}/v1`, apiKeyEnv: 'BENCH_PROVIDER_KEY', timeouts },
      { name: 'secondary', protocol: 'openai', baseUrl: `${upstreamUrl}/v1`, apiKeyEnv: 'BENCH_PROVIDER_KEY', timeouts },
    ],
    models: [
      { id: 'gpt-mini', provider: 'primary', upstreamModel: 'gpt-4o-mini', pricing: pricing(0.15, 0.6), contextWindow: 128_000 },
      { id: 'gpt-large', provider: 'primary', upstreamModel: 'gpt-4o', pricing: pricing(2.5, 10), contextWindow: 128_000 },
      { id: 'claude-like', provider: 'secondary', upstreamModel: 'sonnet', pricing: pricing(3, 15), contextWindow: 200_000 },
    ],
    workloads: [{ name: 'support' }, { name: 'coding' }, { name: 'extraction' }],
    routing: {
      defaultWorkload: 'support',
      workloadRules: [
        { when: { feature: 'system_prompt', op: 'matches', value: 'code|program', flags: 'i' }, workload: 'coding' },
        { when: { feature: 'json_mode', op: 'eq', value: true }, workload: 'extraction' },
      ],
      defaultRoute: { rules: [{ name: 'default', target: { candidates: ['gpt-mini', 'gpt-large'] } }], fallback: { models: ['claude-like'] } },
      routes: {
        support: {
          rules: [
            { name: 'long', when: { feature: 'input_tokens', op: 'gt', value: 4_000 }, target: { candidates: ['gpt-large', 'claude-like'] } },
            { name: 'tools', when: { feature: 'has_tools', op: 'eq', value: true }, target: { candidates: ['gpt-large'] } },
            {
              name: 'default',
              target: { candidates: ['gpt-mini', 'gpt-large', 'claude-like'], filters: [{ kind: 'quality_floor', min: 0.7 }], select: { kind: 'cost' } },
            },
          ],
          fallback: { models: ['gpt-large', 'claude-like'] },
        },
        coding: { rules: [{ name: 'default', target: { candidates: ['claude-like', 'gpt-large'], select: { kind: 'round_robin' } } }], fallback: { models: ['gpt-large'] } },
        extraction: ['gpt-mini', 'gpt-large'],
      },
      quality: { '*': { 'gpt-mini': 0.78, 'gpt-large': 0.9, 'claude-like': 0.91 } },
      evaluation: { sampleRate: 0.05 },
    },
  };
}

async function adminPost(baseUrl: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'x-switchyard-actor': 'bench', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** One request per target and mode before measuring: a target that answers wrongly fails the bench. */
async function smokeCheck(target: LoadTarget, body: string, stream: boolean): Promise<void> {
  const res = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', ...target.headers }, body });
  const text = await res.text();
  const complete = stream ? text.includes('data: [DONE]') && text.includes(' lazy') : text.includes('lazy dog');
  if (res.status !== 200 || !complete) throw new Error(`${target.name} (${stream ? 'stream' : 'json'}) answered ${res.status}: ${text.slice(0, 300)}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-overhead-'));
  const processes: BenchProcess[] = [];
  const testEnv = loadTestEnv();
  const redisPrefix = `switchyard-bench-overhead-${randomBytes(4).toString('hex')}`;
  try {
    const [upPort, barePort, gwPort, pkPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const upstreamUrl = `http://127.0.0.1:${upPort}`;
    const upstream = await spawnNode({
      name: 'upstream',
      args: [join(here, 'overhead/fake-upstream.server.js'), String(upPort)],
      env: childProcessEnv({}),
      logPath: join(dir, 'upstream.log'),
      readyUrl: upstreamUrl,
    });
    processes.push(upstream);
    const bare = await spawnNode({
      name: 'bare-proxy',
      args: [join(here, 'overhead/bare-proxy.server.js'), String(barePort), upstreamUrl],
      env: childProcessEnv({}),
      logPath: join(dir, 'bare-proxy.log'),
      readyUrl: `http://127.0.0.1:${barePort}/`,
    });
    processes.push(bare);

    const databaseUrl = await freshBenchDatabase(loadTestEnv().TEST_PG_ADMIN_URL, DATABASE);
    const configPath = join(dir, 'switchyard.yaml');
    writeFileSync(configPath, stringify(gatewayConfig(upstreamUrl)));
    const gatewayUrl = `http://127.0.0.1:${gwPort}`;
    // Started as `npm run start:gateway` starts it, in production mode.
    const gateway = await spawnNode({
      name: 'switchyard',
      args: ['--enable-source-maps', ...(flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []), join(here, '../apps/gateway/src/main.js')],
      env: childProcessEnv({
        NODE_ENV: 'production',
        PORT: String(gwPort),
        SWITCHYARD_CONFIG: configPath,
        SWITCHYARD_DATA_DIR: join(dir, 'data'),
        DATABASE_URL: databaseUrl,
        REDIS_URL: testEnv.TEST_REDIS_URL,
        SWITCHYARD_REDIS_PREFIX: redisPrefix,
        SWITCHYARD_ENVIRONMENT: 'bench-overhead',
        SWITCHYARD_ADMIN_KEY: ADMIN_KEY,
        BENCH_PROVIDER_KEY: 'sk-bench-provider-key',
      }),
      logPath: join(dir, 'switchyard.log'),
      readyUrl: `${gatewayUrl}/healthz`,
    });
    processes.push(gateway);
    const tenant = await adminPost(gatewayUrl, '/admin/tenants', { name: 'bench' });
    const key = await adminPost(gatewayUrl, '/admin/keys', { tenantId: tenant.id, name: 'bench-load' });

    const portkey = await spawnNode({
      name: 'portkey',
      args: [join(dirname(require.resolve('@portkey-ai/gateway/package.json')), 'build/start-server.js'), `--port=${pkPort}`, '--headless'],
      env: childProcessEnv({}),
      logPath: join(dir, 'portkey.log'),
      readyUrl: `http://127.0.0.1:${pkPort}/`,
    });
    processes.push(portkey);

    const auth = { authorization: 'Bearer sk-bench-provider-key' };
    const allTargets: LoadTarget[] = [
      { name: 'direct', url: `${upstreamUrl}/v1/chat/completions`, headers: auth, process: upstream },
      { name: 'bare-proxy', url: `http://127.0.0.1:${barePort}/v1/chat/completions`, headers: auth, process: bare },
      { name: 'switchyard', url: `${gatewayUrl}/v1/chat/completions`, headers: { authorization: `Bearer ${String(key.secret)}` }, process: gateway },
      {
        name: 'portkey',
        url: `http://127.0.0.1:${pkPort}/v1/chat/completions`,
        headers: { ...auth, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstreamUrl}/v1` },
        process: portkey,
      },
    ];

    const rows: TableRow[] = [];
    const unsupported: Record<string, string> = {};
    const results: Record<string, Record<string, Record<string, { median: LoadResult; trials: LoadResult[] }>>> = {};
    for (const mode of MODES) {
      const body = requestBody(mode === 'stream');
      const targets: LoadTarget[] = [];
      for (const target of allTargets) {
        try {
          await smokeCheck(target, body, mode === 'stream');
        } catch (err) {
          // A peer that cannot serve this mode is reported as such; our own targets must serve both.
          if (target.name !== 'portkey') throw err;
          unsupported[`${target.name}/${mode}`] = `${(err as Error).message} (see ${target.process.logPath})`;
          continue;
        }
        targets.push(target);
        // Warm-up: JIT, connection pools, caches.
        await runLoad(target, { body, connections: 10, durationSeconds: 1, settleMs: 200 });
      }
      results[mode] = {};
      for (const rate of RATES) {
        const trials = JUDGED.has(rate) ? TRIALS : 1;
        const perTarget = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
        // Trials interleave the targets, so a noisy moment on the machine hits each alike.
        for (let i = 0; i < trials; i++) {
          for (const target of targets) {
            const spec = { body, connections: connectionsFor(rate), durationSeconds: DURATION_S, settleMs: 300, ...(rate !== 'max' && { rate }) };
            perTarget.get(target.name)?.push(await runLoad(target, spec));
          }
        }
        const byTarget: Record<string, { median: LoadResult; trials: LoadResult[] }> = {};
        for (const [name, runs] of perTarget) byTarget[name] = await medianOf(runs.length, (i) => Promise.resolve(runs[i]));
        results[mode][String(rate)] = byTarget;
        const direct = byTarget.direct.median;
        for (const target of targets) {
          const r = byTarget[target.name].median;
          rows.push({
            mode,
            rate: String(rate),
            target: target.name,
            result: r,
            ...(target.name !== 'direct' && { added: { p50Ms: r.p50Ms - direct.p50Ms, p90Ms: r.p90Ms - direct.p90Ms, p99Ms: r.p99Ms - direct.p99Ms } }),
          });
        }
        process.stderr.write(`done: ${mode} @ ${rate}\n`);
      }
    }

    const added = (mode: string, rate: number | 'max', target: string) => {
      const r = results[mode]?.[String(rate)];
      if (!r) return null;
      const t = r[target]?.median;
      const d = r.direct.median;
      return t ? { p50Ms: round(t.p50Ms - d.p50Ms), p90Ms: round(t.p90Ms - d.p90Ms), p99Ms: round(t.p99Ms - d.p99Ms) } : null;
    };
    /** null: not measurable in this mode (the peer could not serve it). */
    const verdict = (mode: 'json' | 'stream') => {
      const at = added(mode, TARGET.atRate, 'switchyard');
      const max = (name: string) => results[mode]?.max?.[name]?.median.requestsPerSecond;
      const sy = max('switchyard') ?? 0;
      const peer = max('portkey');
      const bareMax = max('bare-proxy') ?? Number.NaN;
      return {
        addedP50: at !== null && at.p50Ms <= TARGET.addedP50Ms,
        addedP99: at !== null && at.p99Ms <= TARGET.addedP99Ms,
        maxVsPeer: peer === undefined ? null : sy >= TARGET.maxVsPeer * peer,
        maxVsBare: sy >= TARGET.maxVsBare * bareMax,
        ratios: { vsPeer: peer === undefined ? null : round(sy / peer), vsBare: round(sy / bareMax) },
      };
    };
    const json = verdict('json');
    const stream = verdict('stream');
    const passes = (v: typeof json) => v.addedP50 && v.addedP99 && v.maxVsPeer !== false && v.maxVsBare;
    process.stderr.write(`\n${formatTable(rows)}\n`);
    for (const [what, why] of Object.entries(unsupported)) process.stderr.write(`not measured: ${what}: ${why}\n`);
    process.stderr.write(`targets at ${TARGET.atRate} req/s and max: json ${JSON.stringify(json)}\nstream ${JSON.stringify(stream)}\n`);
    emitReport(
      'gateway-overhead',
      {
        method: {
          trials: TRIALS,
          trialSeconds: DURATION_S,
          connections: { max: CONNECTIONS, fixedRate: Object.fromEntries(RATES.filter((r) => r !== 'max').map((r) => [String(r), connectionsFor(r)])) },
          rates: RATES,
          medianOfTrialsAt: [...JUDGED],
          loadGenerator: 'autocannon (in the bench process); latency per 2xx response, µs resolution, full body received',
          body: 'chat completion, model auto, temperature 0.7 (no response-cache lookup), max_tokens 128; stream adds stream_options.include_usage',
          switchyard: 'dist/apps/gateway/src/main.js, NODE_ENV=production, auth keys with a virtual key, 3 workloads with rules, judge sampleRate 0.05, spans to Postgres, real Redis',
          cpuAndRss: 'from /proc/<pid> of the target process (the upstream for direct)',
        },
        results,
        addedOverDirect: Object.fromEntries(
          MODES.map((mode) => [
            mode,
            Object.fromEntries(RATES.map((rate) => [String(rate), Object.fromEntries(['bare-proxy', 'switchyard', 'portkey'].map((t) => [t, added(mode, rate, t)]))])),
          ]),
        ),
        target: TARGET,
        unsupported,
        pass: { json, stream, all: passes(json) && passes(stream) },
        logs: dir,
      },
      flags.out,
    );
  } finally {
    for (const p of processes.reverse()) await p.stop().catch(() => undefined);
    killAllChildren();
    await dropRedisKeys(testEnv.TEST_REDIS_URL, redisPrefix);
  }
}

const round = (x: number): number => Number(x.toFixed(3));


main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  killAllChildren();
  process.exit(1);
});
