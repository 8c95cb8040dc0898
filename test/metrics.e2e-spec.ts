import { loadTestEnv } from '@switchyard/config';
import { GoldenQueue, QueueName } from '@switchyard/queue';
import { startTcpProxy, type TcpProxy } from '@switchyard/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, eventually, FAKE_PROVIDER_KEY, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Scrape {
  status: number;
  contentType: string | null;
  text: string;
  samples: Sample[];
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The Prometheus text format, sample lines only. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE_LINE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(LABEL)) labels[k] = v;
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sum of the samples of `name` whose labels include `labels`; undefined when there are none. */
function total(s: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = s.samples.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return hits.length ? hits.reduce((sum, x) => sum + x.value, 0) : undefined;
}

async function scrape(baseUrl: string): Promise<Scrape> {
  // A scrape that hung on Redis would hit this instead of answering.
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), text, samples: parseExposition(text) };
}

const messages = [{ role: 'user' as const, content: 'a prompt that must never reach the metrics' }];

describe('GET /metrics', () => {
  let h: GatewayHarness;
  let redis: Redis;
  let golden: Queue;

  beforeAll(async () => {
    // dead-model's breaker opens on its third failure in a row and stays open for the whole file.
    h = await startGatewayHarness({ liveState: { breaker: { consecutiveFailures: 3, minRequests: 1_000, cooldownMs: 600_000 } } });
    redis = new Redis(h.config.redisUrl, { maxRetriesPerRequest: 1 });
    golden = new Queue(GoldenQueue.name, { connection: redis, prefix: h.config.redisPrefix });
  });
  afterAll(async () => {
    await golden?.obliterate({ force: true });
    await golden?.close();
    redis?.disconnect();
    await h?.close();
  });

  it('counts calls, errors by class, latencies, tokens and cost, with bounded labels and no secrets', async () => {
    // A fallback: gpt-a answers 500 once, gpt-b serves.
    h.upstreamA.enqueue({ kind: 'error', status: 500, message: 'boom' });
    const fallback = await h.client.chat.completions.create({ model: 'with-fallback', messages }).withResponse();
    expect(fallback.response.headers.get('x-switchyard-model')).toBe('gpt-b');
    await h.client.chat.completions.create({ model: 'gpt-a', messages });
    const stream = await h.client.chat.completions.create({ model: 'gpt-a', messages, stream: true, stream_options: { include_usage: true } });
    for await (const chunk of stream) void chunk;
    await h.client.embeddings.create({ model: 'embed', input: 'vectors please' });
    // Errors: an upstream nobody listens on, and a model that does not exist.
    const refused = await h.client.chat.completions.create({ model: 'dead-model', messages }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(APIError);
    const unknown = await h.client.chat.completions.create({ model: 'no-such-model', messages }).catch((e: unknown) => e);
    expect((unknown as APIError).status).toBe(404);
    // dead-model fails twice more (3 in a row: the breaker opens), then is skipped; gpt-b serves all three.
    for (let i = 0; i < 3; i++) {
      const { response } = await h.client.chat.completions.create({ model: 'dead-first', messages }).withResponse();
      expect(response.headers.get('x-switchyard-model')).toBe('gpt-b');
    }

    // Calls are recorded just after their reply, off the request path.
    let s = await scrape(h.baseUrl);
    await eventually(async () => total((s = await scrape(h.baseUrl)), 'switchyard_requests_total') === 9, 3_000, '9 calls counted');
    expect(s.status).toBe(200);
    expect(s.contentType).toMatch(/^text\/plain; version=0\.0\.4/);

    expect(total(s, 'switchyard_requests_total', { operation: 'chat', model: 'gpt-b', provider: 'fake-b', workload: 'with-fallback', status: 'ok', origin: 'live' })).toBe(1);
    expect(total(s, 'switchyard_requests_total', { model: 'gpt-b', workload: 'dead-first', status: 'ok' })).toBe(3);
    expect(total(s, 'switchyard_requests_total', { model: 'gpt-a', provider: 'fake-a', status: 'ok' })).toBe(2);
    expect(total(s, 'switchyard_requests_total', { operation: 'embeddings', model: 'embed', status: 'ok' })).toBe(1);
    expect(total(s, 'switchyard_requests_total', { model: 'dead-model', provider: 'nowhere', status: 'error' })).toBe(1);
    expect(total(s, 'switchyard_requests_total', { model: 'none', workload: 'unrouted', status: 'error' })).toBe(1);
    expect(total(s, 'switchyard_request_errors_total')).toBe(2);
    expect(total(s, 'switchyard_request_errors_total', { operation: 'chat', error_class: 'connection' })).toBe(1);
    expect(total(s, 'switchyard_request_errors_total', { operation: 'chat', error_class: 'model_not_found' })).toBe(1);

    expect(total(s, 'switchyard_request_duration_seconds_count')).toBe(9);
    expect(total(s, 'switchyard_request_duration_seconds_count', { model: 'gpt-a', stream: 'true', status: 'ok' })).toBe(1);
    // Every observation falls in the +Inf bucket, so it equals the count.
    expect(total(s, 'switchyard_request_duration_seconds_bucket', { le: '+Inf' })).toBe(9);
    expect(total(s, 'switchyard_time_to_first_token_seconds_count', { model: 'gpt-a' })).toBe(1);
    expect(total(s, 'switchyard_time_to_first_token_seconds_count')).toBe(1);
    // Overhead only for the 7 calls an upstream served.
    expect(total(s, 'switchyard_gateway_overhead_seconds_count')).toBe(7);
    expect(total(s, 'switchyard_gateway_overhead_seconds_count', { operation: 'chat', stream: 'true' })).toBe(1);
    const overheadSum = total(s, 'switchyard_gateway_overhead_seconds_sum') ?? -1;
    const durationSum = total(s, 'switchyard_request_duration_seconds_sum') ?? -1;
    expect(overheadSum).toBeGreaterThan(0);
    expect(overheadSum).toBeLessThan(durationSum);

    expect(total(s, 'switchyard_tokens_total', { model: 'gpt-a', direction: 'input' })).toBeGreaterThan(0);
    expect(total(s, 'switchyard_tokens_total', { model: 'gpt-a', direction: 'output' })).toBeGreaterThan(0);
    expect(total(s, 'switchyard_tokens_total', { model: 'gpt-b', direction: 'output' })).toBeGreaterThan(0);
    expect(total(s, 'switchyard_cost_usd_total', { model: 'gpt-a', origin: 'live' })).toBeGreaterThan(0);
    expect(total(s, 'switchyard_cost_usd_total', { model: 'gpt-b', workload: 'dead-first' })).toBeGreaterThan(0);

    expect(s.text).toContain('# TYPE switchyard_request_duration_seconds histogram');
    expect(s.text).toContain('process_resident_memory_bytes');
    for (const secret of [FAKE_PROVIDER_KEY, ADMIN_KEY, 'client-key', messages[0].content, 'no-such-model']) expect(s.text).not.toContain(secret);
  });

  it('response cache: lookups counted by result, and a hit labelled cached with nothing spent', async () => {
    const before = await scrape(h.baseUrl);
    const costBefore = total(before, 'switchyard_cost_usd_total') ?? 0;
    const cachedPrompt = [{ role: 'user' as const, content: 'the same deterministic question' }];
    // The first answer is stored just after its reply; ask until it is served from the cache.
    let misses = 0;
    for (;;) {
      const { response } = await h.client.chat.completions.create({ model: 'gpt-a', messages: cachedPrompt, temperature: 0 }).withResponse();
      if (response.headers.get('x-switchyard-cache') === 'hit') break;
      expect(response.headers.get('x-switchyard-cache')).toBe('miss');
      misses++;
      expect(misses).toBeLessThan(50);
    }
    let s = before;
    await eventually(async () => total((s = await scrape(h.baseUrl)), 'switchyard_requests_total', { cached: 'true' }) === 1, 3_000, 'the hit counted');
    expect(total(s, 'switchyard_cache_requests_total', { result: 'hit' })).toBe(1);
    expect(total(s, 'switchyard_cache_requests_total', { result: 'miss' })).toBe(misses);
    expect(total(s, 'switchyard_requests_total', { model: 'gpt-a', status: 'ok', cached: 'true' })).toBe(1);
    expect(total(s, 'switchyard_request_duration_seconds_count', { cached: 'true' })).toBe(1);
    await eventually(async () => total((s = await scrape(h.baseUrl)), 'switchyard_requests_total', { cached: 'false', model: 'gpt-a', status: 'ok' }) === 2 + misses, 3_000, 'the misses counted');
    // Only the misses went upstream and cost anything.
    expect(total(s, 'switchyard_gateway_overhead_seconds_count')).toBe(7 + misses);
    expect(total(s, 'switchyard_cost_usd_total') ?? 0).toBeGreaterThan(costBefore);
  });

  it('breaker state per configured model, read at scrape time: dead-model open after its failures', async () => {
    const s = await scrape(h.baseUrl);
    expect(total(s, 'switchyard_breaker_state', { model: 'dead-model' })).toBe(2);
    for (const model of ['gpt-a', 'gpt-b', 'claude', 'slow-model']) expect(total(s, 'switchyard_breaker_state', { model })).toBe(0);
  });

  it('queue depths for every queue and state, read from Redis', async () => {
    await golden.add('run', { note: 'metrics e2e' }, { delay: 600_000 });
    const s = await scrape(h.baseUrl);
    for (const queue of Object.values(QueueName)) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(total(s, 'switchyard_queue_depth', { queue, state }), `${queue} ${state}`).toBeGreaterThanOrEqual(0);
    }
    expect(total(s, 'switchyard_queue_depth', { queue: 'golden', state: 'delayed' })).toBe(1);
    expect(total(s, 'switchyard_metrics_collect_errors_total', { collector: 'queue_depth' })).toBe(0);
    expect(total(s, 'switchyard_span_writes_dropped_total')).toBe(0);
    expect(total(s, 'switchyard_enqueue_dropped_total', { queue: 'judge' })).toBe(0);
    expect(total(s, 'switchyard_span_buffer_rows')).toBeGreaterThanOrEqual(0);
    expect(total(s, 'switchyard_cache_requests_total', { result: 'hit' })).toBeGreaterThanOrEqual(0);
    expect(total(s, 'switchyard_budget_spend_usd_total', { scope: 'tenant' })).toBeGreaterThanOrEqual(0);
  });
});

describe('GET /metrics while Redis is unreachable', () => {
  let proxy: TcpProxy;
  let h: GatewayHarness;
  beforeAll(async () => {
    const url = new URL(loadTestEnv().TEST_REDIS_URL);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 6379));
    h = await startGatewayHarness({ redisUrl: proxy.urlFor(loadTestEnv().TEST_REDIS_URL) });
  });
  afterAll(async () => {
    proxy?.resume();
    await h?.close();
    await proxy?.close();
  });

  /** Scrapes until the gateway's own call is counted; then every scrape since the pause found Redis gone. */
  async function scrapeWithoutRedis(): Promise<Scrape> {
    await h.client.chat.completions.create({ model: 'gpt-a', messages });
    let s = await scrape(h.baseUrl);
    await eventually(async () => total((s = await scrape(h.baseUrl)), 'switchyard_requests_total', { status: 'ok' }) !== undefined, 3_000, 'call counted');
    return s;
  }

  it('answers 200 within its timeout when Redis holds every connection from before the first scrape, then recovers', async () => {
    // The queues are opened at the first scrape: BullMQ then waits for a 'ready' that does not come until resume().
    proxy.pause('hold');
    try {
      const s = await scrapeWithoutRedis();
      expect(s.status).toBe(200);
      expect(total(s, 'switchyard_queue_depth')).toBeUndefined();
      // Five queues unread on each of at least two scrapes.
      expect(total(s, 'switchyard_metrics_collect_errors_total', { collector: 'queue_depth' })).toBeGreaterThanOrEqual(10);
      expect(total(s, 'switchyard_breaker_state', { model: 'gpt-a' })).toBe(0);
      expect(total(s, 'switchyard_request_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    } finally {
      proxy.resume();
    }
    await eventually(async () => total(await scrape(h.baseUrl), 'switchyard_queue_depth', { queue: 'judge', state: 'waiting' }) !== undefined, 5_000, 'queue depths back');
  });

  it('answers 200 without queue depths when Redis refuses connections, and counts the failed reads', async () => {
    const before = await scrape(h.baseUrl);
    expect(total(before, 'switchyard_queue_depth', { queue: 'judge', state: 'waiting' })).toBeGreaterThanOrEqual(0);
    const errorsBefore = total(before, 'switchyard_metrics_collect_errors_total', { collector: 'queue_depth' }) ?? -1;
    proxy.pause('refuse');
    try {
      const s = await scrapeWithoutRedis();
      expect(s.status).toBe(200);
      expect(total(s, 'switchyard_queue_depth')).toBeUndefined();
      expect(total(s, 'switchyard_metrics_collect_errors_total', { collector: 'queue_depth' })).toBeGreaterThanOrEqual(errorsBefore + 10);
    } finally {
      proxy.resume();
    }
    await eventually(async () => total(await scrape(h.baseUrl), 'switchyard_queue_depth', { queue: 'judge', state: 'waiting' }) !== undefined, 5_000, 'queue depths back');
  });
});
