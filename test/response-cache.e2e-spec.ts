import { randomBytes } from 'node:crypto';
import { loadTestEnv } from '@switchyard/config';
import { tenantSchema, virtualKeyWithSecretResponseSchema } from '@switchyard/contracts';
import { type FakeUpstream, loadOpenAiSchemas, startTcpProxy, type TcpProxy } from '@switchyard/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from './support/admin.client.js';
import { ADMIN_KEY, eventually, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();

/** Every live call judged: a cache hit must still not be. */
const EVERY_CALL_JUDGED = { defaultRoute: 'gpt-a', routes: { 'with-fallback': ['gpt-a', 'gpt-b'], 'dead-first': ['dead-model', 'gpt-b'] }, evaluation: { sampleRate: 1 } };

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  cache: string | null;
  spanId: string;
}

async function post(h: GatewayHarness, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text(), cache: res.headers.get('x-switchyard-cache'), spanId: res.headers.get('x-switchyard-span-id') ?? '' };
}

/** A prompt no other test sends, so each test starts with an empty cache for it. */
const prompt = (what: string): { role: 'user'; content: string }[] => [{ role: 'user', content: `${what} ${randomBytes(6).toString('hex')}` }];

const chatRequests = (u: FakeUpstream): number => u.requests.filter((r) => r.path.endsWith('/chat/completions')).length;

/** The `data:` payloads of an SSE body, each chunk checked against OpenAI's stream schema. */
function sseChunks(text: string): Record<string, unknown>[] {
  expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  const data = text
    .split('\n\n')
    .filter(Boolean)
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice('data: '.length);
    });
  expect(data.filter((d) => d === '[DONE]')).toHaveLength(1);
  const chunks = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as Record<string, unknown>);
  for (const chunk of chunks) schemas.assertValid('CreateChatCompletionStreamResponse', chunk);
  return chunks;
}

const streamedText = (chunks: Record<string, unknown>[]): string =>
  chunks
    .flatMap((c) => (c['choices'] as { delta: { content?: string | null } }[]).map((choice) => choice.delta.content ?? ''))
    .join('');

const contentOf = (text: string): string => {
  const body = JSON.parse(text) as Record<string, unknown>;
  schemas.assertValid('CreateChatCompletionResponse', body);
  return (body['choices'] as { message: { content: string } }[])[0].message.content;
};

describe('exact-match response cache', () => {
  let h: GatewayHarness;
  let redis: Redis;
  let prefix: string;
  beforeAll(async () => {
    h = await startGatewayHarness({ routing: EVERY_CALL_JUDGED });
    redis = new Redis(loadTestEnv().TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    prefix = `${h.config.redisPrefix}:cache:`;
  });
  afterAll(async () => {
    await h.close();
    redis.disconnect();
  });

  /** Stores happen after the reply is sent: wait for the entry before asking again. */
  const entries = async (): Promise<number> => (await redis.keys(`${prefix}*`)).length;
  const stored = async (count: number): Promise<void> => eventually(async () => (await entries()) === count, 3_000, `${count} cache entries`);

  it('answers a repeated temperature-0 request from the cache, byte for byte, without calling the upstream', async () => {
    const before = await entries();
    const body = { model: 'gpt-a', messages: prompt('What is 2 + 2?'), temperature: 0 };
    const calls = chatRequests(h.upstreamA);
    const first = await post(h, body);
    expect(first.status).toBe(200);
    expect(first.cache).toBe('miss');
    await stored(before + 1);

    const second = await post(h, { ...body, messages: body.messages.map((m) => ({ content: m.content, role: m.role })) });
    expect(second.status).toBe(200);
    expect(second.cache).toBe('hit');
    expect(second.text).toBe(first.text);
    expect(second.headers.get('content-type')).toContain('application/json');
    expect(second.headers.get('x-switchyard-model')).toBe('gpt-a');
    expect(chatRequests(h.upstreamA)).toBe(calls + 1);
    schemas.assertValid('CreateChatCompletionResponse', JSON.parse(second.text));

    const entry = await redis.pttl((await redis.keys(`${prefix}*`))[0]);
    expect(entry).toBeGreaterThan(0);
    expect(entry).toBeLessThanOrEqual(h.config.cache.ttlMs);

    // The hit's span: the cache, no upstream attempt, nothing spent, the model that first answered, not judged.
    const [missSpan, hitSpan] = await Promise.all([h.waitForSpan(first.spanId), h.waitForSpan(second.spanId)]);
    expect(missSpan.metadata?.['sampling']).toBeDefined();
    expect(missSpan.costUsd).toBeGreaterThan(0);
    expect(hitSpan.metadata?.['cache']).toBe('exact');
    expect(hitSpan.metadata?.['cacheSourceSpanId']).toBe(first.spanId);
    expect(hitSpan.metadata?.['sampling']).toBeUndefined();
    expect(hitSpan).toMatchObject({ status: 'ok', httpStatus: 200, model: 'gpt-a', provider: 'fake-a', costUsd: 0, attempts: [], inputTokens: null, outputTokens: null });
    expect(hitSpan.responseBody).toEqual(JSON.parse(first.text));
  });

  it('does not cache a sampled temperature unless the request or its key asks', async () => {
    const body = { model: 'gpt-a', messages: prompt('Write a haiku.'), temperature: 0.7 };
    const calls = chatRequests(h.upstreamA);
    const plain = [await post(h, body), await post(h, body)];
    expect(plain.map((a) => a.cache)).toEqual([null, null]);
    expect(chatRequests(h.upstreamA)).toBe(calls + 2);

    const before = await entries();
    const asked = await post(h, body, { 'x-switchyard-cache': 'on' });
    expect(asked.cache).toBe('miss');
    await stored(before + 1);
    const again = await post(h, body, { 'x-switchyard-cache': 'on' });
    expect(again.cache).toBe('hit');
    expect(again.text).toBe(asked.text);
    expect(chatRequests(h.upstreamA)).toBe(calls + 3);
  });

  it('Cache-Control: no-cache asks the upstream again and stores its answer; no-store and off leave the cache alone', async () => {
    const body = { model: 'gpt-a', messages: prompt('Name a colour.'), temperature: 0 };
    const before = await entries();
    const first = await post(h, body);
    await stored(before + 1);
    const calls = chatRequests(h.upstreamA);

    const fresh = await post(h, body, { 'cache-control': 'no-cache' });
    expect(fresh.cache).toBe('bypass');
    expect(chatRequests(h.upstreamA)).toBe(calls + 1);
    expect(fresh.text).not.toBe(first.text);
    // The fresh answer replaced the old one.
    await eventually(async () => (await post(h, body)).text === fresh.text, 3_000, 'the fresh answer served from the cache');
    expect(chatRequests(h.upstreamA)).toBe(calls + 1);

    const optOuts: Record<string, string>[] = [{ 'cache-control': 'no-store' }, { 'x-switchyard-cache': 'off' }];
    for (const headers of optOuts) {
      const other = { model: 'gpt-a', messages: prompt('Name a shape.'), temperature: 0 };
      const n = await entries();
      const answer = await post(h, other, headers);
      expect(answer.cache).toBe('bypass');
      // A later cacheable call is a miss: nothing was stored.
      expect((await post(h, other)).cache).toBe('miss');
      await stored(n + 1);
    }
  });

  it('replays a streamed request from an answer first given as JSON, as a valid SSE stream with the same content', async () => {
    const body = { model: 'gpt-a', messages: prompt('Say hello.'), temperature: 0 };
    const before = await entries();
    const json = await post(h, body);
    await stored(before + 1);
    const calls = chatRequests(h.upstreamA);

    const raw = await post(h, { ...body, stream: true, stream_options: { include_usage: true } });
    expect(raw.cache).toBe('hit');
    expect(raw.headers.get('content-type')).toContain('text/event-stream');
    const chunks = sseChunks(raw.text);
    expect(streamedText(chunks)).toBe(contentOf(json.text));
    const jsonBody = JSON.parse(json.text) as { id: string; usage: unknown };
    expect(chunks.every((c) => c['id'] === jsonBody.id)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: jsonBody.usage });
    expect(chunks.at(-2)).toMatchObject({ choices: [{ finish_reason: 'stop' }] });

    // The real openai client reads the replay too; without include_usage there is no usage chunk.
    const { data: stream, response } = await h.client.chat.completions.create({ ...body, stream: true }).withResponse();
    expect(response.headers.get('x-switchyard-cache')).toBe('hit');
    let text = '';
    for await (const chunk of stream) {
      expect(chunk.usage ?? null).toBeNull();
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe(contentOf(json.text));
    expect(chatRequests(h.upstreamA)).toBe(calls);

    const span = await h.waitForSpan(raw.spanId);
    expect(span).toMatchObject({ stream: true, costUsd: 0, inputTokens: null, outputTokens: null, model: 'gpt-a' });
    expect(span.metadata?.['cache']).toBe('exact');
    expect(span.metadata?.['usageEstimated']).toBeUndefined();
  });

  it('serves a JSON request from an answer first streamed', async () => {
    const body = { model: 'gpt-a', messages: prompt('Count to three.'), temperature: 0 };
    const before = await entries();
    const streamed = await post(h, { ...body, stream: true });
    expect(streamed.cache).toBe('miss');
    await stored(before + 1);
    const calls = chatRequests(h.upstreamA);

    const json = await post(h, body);
    expect(json.cache).toBe('hit');
    expect(contentOf(json.text)).toBe(streamedText(sseChunks(streamed.text)));
    const parsed = JSON.parse(json.text) as { usage: { prompt_tokens: number; completion_tokens: number } };
    expect(parsed.usage.completion_tokens).toBeGreaterThan(0);
    expect(chatRequests(h.upstreamA)).toBe(calls);
  });

  it('keys an alias on the model it resolved to, and never stores a fallback answer', async () => {
    const messages = prompt('Pick a number.');
    const before = await entries();
    const direct = await post(h, { model: 'gpt-a', messages, temperature: 0 });
    await stored(before + 1);
    // `auto` resolves to gpt-a too, but is a different request: its own entry.
    const auto = await post(h, { model: 'auto', messages, temperature: 0 });
    expect(auto.cache).toBe('miss');
    expect(auto.text).not.toBe(direct.text);
    await stored(before + 2);

    // dead-model fails, gpt-b answers: that answer is not what the route asked for.
    const fallbackBody = { model: 'auto', messages: prompt('Fallback please.'), temperature: 0 };
    const n = await entries();
    const calls = chatRequests(h.upstreamB);
    for (let i = 0; i < 2; i++) {
      const answer = await post(h, fallbackBody, { 'x-switchyard-workload': 'dead-first' });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-switchyard-model')).toBe('gpt-b');
      expect(answer.cache).toBe('miss');
      await h.waitForSpan(answer.spanId);
    }
    expect(chatRequests(h.upstreamB)).toBe(calls + 2);
    expect(await entries()).toBe(n);
  });

  it("never caches the gateway's own evaluation calls", async () => {
    const body = { model: 'gpt-a', messages: prompt('Judge this.'), temperature: 0 };
    const calls = chatRequests(h.upstreamA);
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'x-switchyard-internal': 'judge' };
    const answers = [await post(h, body, headers), await post(h, body, headers)];
    expect(answers.map((a) => [a.status, a.cache])).toEqual([
      [200, null],
      [200, null],
    ]);
    expect(chatRequests(h.upstreamA)).toBe(calls + 2);
  });

  it('counts hits, misses and bypasses in GET /metrics', async () => {
    const count = async (result: string): Promise<number> => {
      const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
      return Number(new RegExp(`^switchyard_cache_requests_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    };
    const before = { hit: await count('hit'), miss: await count('miss'), bypass: await count('bypass') };
    const body = { model: 'gpt-a', messages: prompt('Metrics.'), temperature: 0 };
    const n = await entries();
    await post(h, body);
    await stored(n + 1);
    await post(h, body);
    await post(h, body, { 'cache-control': 'no-cache' });
    await post(h, { ...body, temperature: 0.5 });
    expect({ hit: await count('hit'), miss: await count('miss'), bypass: await count('bypass') }).toEqual({ hit: before.hit + 1, miss: before.miss + 1, bypass: before.bypass + 1 });
  });
});

describe('response cache while Redis is unreachable', () => {
  let proxy: TcpProxy;
  let h: GatewayHarness;
  beforeAll(async () => {
    const url = new URL(loadTestEnv().TEST_REDIS_URL);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 6379));
    h = await startGatewayHarness({ redisUrl: proxy.urlFor(loadTestEnv().TEST_REDIS_URL) });
  });
  afterAll(async () => {
    await h.close();
    await proxy.close();
  });

  it('answers every call from the upstream, as misses', async () => {
    proxy.pause('refuse');
    const body = { model: 'gpt-a', messages: prompt('No Redis.'), temperature: 0 };
    const calls = chatRequests(h.upstreamA);
    for (const stream of [false, false, true, true]) {
      const answer = await post(h, { ...body, stream });
      expect(answer.status).toBe(200);
      expect(answer.cache).toBe('miss');
      if (stream) sseChunks(answer.text);
      else schemas.assertValid('CreateChatCompletionResponse', JSON.parse(answer.text));
    }
    expect(chatRequests(h.upstreamA)).toBe(calls + 4);
    proxy.resume();
  });
});

describe('response cache with virtual keys', () => {
  let h: GatewayHarness;
  let redis: Redis;
  const keys: Record<'a1' | 'a2' | 'b', string> = { a1: '', a2: '', b: '' };
  beforeAll(async () => {
    h = await startGatewayHarness({ auth: 'keys' });
    redis = new Redis(loadTestEnv().TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    const tenant = async (): Promise<string> => tenantSchema.parse((await adminCall(h.baseUrl, 'POST', '/admin/tenants', { name: `cache-${randomBytes(4).toString('hex')}` })).json).id;
    const key = async (tenantId: string, cacheResponses: boolean): Promise<string> =>
      virtualKeyWithSecretResponseSchema.parse((await adminCall(h.baseUrl, 'POST', '/admin/keys', { tenantId, name: 'k', cacheResponses })).json).secret;
    const [a, b] = [await tenant(), await tenant()];
    keys.a1 = await key(a, false);
    keys.a2 = await key(a, true);
    keys.b = await key(b, false);
  });
  afterAll(async () => {
    await h.close();
    redis.disconnect();
  });

  const entries = async (): Promise<number> => (await redis.keys(`${h.config.redisPrefix}:cache:*`)).length;
  const as = (key: string, body: Record<string, unknown>): Promise<Answer> => post(h, body, { authorization: `Bearer ${key}` });

  it('never shares entries between tenants; keys of one tenant share them', async () => {
    const body = { model: 'gpt-a', messages: prompt('Tenant question.'), temperature: 0 };
    const before = await entries();
    const a1 = await as(keys.a1, body);
    expect(a1.cache).toBe('miss');
    await eventually(async () => (await entries()) === before + 1, 3_000, 'tenant a entry');
    const a2 = await as(keys.a2, body);
    expect(a2.cache).toBe('hit');
    expect(a2.text).toBe(a1.text);

    const calls = chatRequests(h.upstreamA);
    const b = await as(keys.b, body);
    expect(b.cache).toBe('miss');
    expect(b.text).not.toBe(a1.text);
    expect(chatRequests(h.upstreamA)).toBe(calls + 1);
    await eventually(async () => (await entries()) === before + 2, 3_000, 'tenant b entry');
    const bAgain = await as(keys.b, body);
    expect(bAgain.cache).toBe('hit');
    expect(bAgain.text).toBe(b.text);
    const span = await h.waitForSpan(bAgain.spanId);
    expect(span.metadata?.['cache']).toBe('exact');
    expect(span.tenant).not.toBeNull();
  });

  it('caches any temperature for a key with cacheResponses, and only for it', async () => {
    const body = { model: 'gpt-a', messages: prompt('Be creative.'), temperature: 0.9 };
    const plain = [await as(keys.a1, body), await as(keys.a1, body)];
    expect(plain.map((a) => a.cache)).toEqual([null, null]);

    const before = await entries();
    const first = await as(keys.a2, body);
    expect(first.cache).toBe('miss');
    await eventually(async () => (await entries()) === before + 1, 3_000, 'opted-in entry');
    const second = await as(keys.a2, body);
    expect(second.cache).toBe('hit');
    expect(second.text).toBe(first.text);
  });
});
