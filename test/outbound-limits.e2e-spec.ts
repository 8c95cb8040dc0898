import { randomBytes } from 'node:crypto';
import { loadTestEnv } from '@switchyard/config';
import { loadOpenAiSchemas, startTcpProxy, type FakeUpstream, type TcpProxy } from '@switchyard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_PROVIDER_KEY, type GatewayHarness, type HarnessOutbound, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();
const KEY_A = 'sk-outbound-key-A-0123456789abcdef';
const KEY_B = 'sk-outbound-key-B-0123456789abcdef';
const SECRETS = [KEY_A, KEY_B, FAKE_PROVIDER_KEY];

/** gpt-a's provider with two keys of 2 requests a minute each. */
const TWO_KEYS: Record<string, HarnessOutbound> = {
  'fake-a': {
    keys: [
      { secret: KEY_A, requestsPerMinute: 2 },
      { secret: KEY_B, requestsPerMinute: 2 },
    ],
  },
};

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

/** One chat call over plain HTTP, so the test sees the exact bytes; no answer may carry a provider key. */
async function chat(h: GatewayHarness, body: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Say hello.' }], ...body }),
  });
  const text = await res.text();
  for (const secret of SECRETS) expect(text).not.toContain(secret);
  for (const [, value] of res.headers) for (const secret of SECRETS) expect(value).not.toContain(secret);
  const json = body.stream === true ? {} : (JSON.parse(text) as Record<string, unknown>);
  return { status: res.status, headers: res.headers, text, json };
}

/** The keys a fake upstream was called with, one per request. */
const keysSeen = (...upstreams: FakeUpstream[]): string[] => upstreams.flatMap((u) => u.requests.map((r) => String(r.headers.authorization).replace(/^Bearer /, '')));
const count = (list: string[], value: string): number => list.filter((x) => x === value).length;

function expectCapacity429(a: Answer): void {
  expect(a.status).toBe(429);
  schemas.assertValid('ErrorResponse', a.json);
  expect(a.json.error).toMatchObject({ type: 'rate_limit_error', code: 'upstream_capacity', param: null });
  const retryAfter = Number(a.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('outbound limits: two keys of one provider', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({ outbound: TWO_KEYS });
  });
  afterAll(async () => {
    await h.close();
  });

  it('spreads 4 calls 2/2 over the keys, falls back once both are full, and answers 429 with Retry-After with no fallback left', async () => {
    const served: Answer[] = [];
    for (let i = 0; i < 4; i++) served.push(await chat(h, { model: 'with-fallback' }));
    for (const a of served) {
      expect(a.status).toBe(200);
      expect(a.headers.get('x-switchyard-model')).toBe('gpt-a');
    }
    const seen = keysSeen(h.upstreamA);
    expect(seen).toHaveLength(4);
    expect([count(seen, KEY_A), count(seen, KEY_B)]).toEqual([2, 2]);
    const spans = await Promise.all(served.map((a) => h.waitForSpan(a.headers.get('x-switchyard-span-id') ?? '')));
    expect(spans.map((s) => s.attempts[0]?.keyIndex).sort()).toEqual([0, 0, 1, 1]);

    // Both keys at their ceiling: gpt-a is not even tried, gpt-b (its own key) serves.
    const fifth = await chat(h, { model: 'with-fallback' });
    expect(fifth.status).toBe(200);
    expect(fifth.headers.get('x-switchyard-model')).toBe('gpt-b');
    expect(h.upstreamA.requests).toHaveLength(4);
    expect(keysSeen(h.upstreamB)).toEqual([FAKE_PROVIDER_KEY]);
    const fallbackSpan = await h.waitForSpan(fifth.headers.get('x-switchyard-span-id') ?? '');
    expect(fallbackSpan.fallbackReason).toBe('rate_limited');
    expect(fallbackSpan.attempts).toMatchObject([
      { model: 'gpt-a', provider: 'fake-a', skipped: 'rate_limited' },
      { model: 'gpt-b', provider: 'fake-b', status: 200 },
    ]);

    // Pinned to gpt-a, nothing else may serve: 429 in the OpenAI envelope, and still nothing sent.
    const pinned = await chat(h, { model: 'gpt-a' });
    expectCapacity429(pinned);
    expect(h.upstreamA.requests).toHaveLength(4);
    const refusedSpan = await h.waitForSpan(pinned.headers.get('x-switchyard-span-id') ?? '');
    expect(refusedSpan).toMatchObject({ status: 'error', httpStatus: 429, errorClass: 'rate_limited' });
    expect(refusedSpan.attempts).toMatchObject([{ model: 'gpt-a', skipped: 'rate_limited' }]);
    for (const secret of SECRETS) expect(JSON.stringify(refusedSpan)).not.toContain(secret);

    // The official client sees a RateLimitError it can back off on.
    await expect(h.client.chat.completions.create({ model: 'gpt-a', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 429, code: 'upstream_capacity' });
  });
});

describe('outbound limits: two gateway instances on one Redis prefix', () => {
  let one: GatewayHarness;
  let two: GatewayHarness;
  beforeAll(async () => {
    const environment = `e2e-outbound-${randomBytes(6).toString('hex')}`;
    one = await startGatewayHarness({ environment, outbound: TWO_KEYS });
    two = await startGatewayHarness({ environment, outbound: TWO_KEYS });
  });
  afterAll(async () => {
    await Promise.all([one.close(), two.close()]);
  });

  it('share one limit: 4 calls between them, 2 per key, and the fifth is refused on either', async () => {
    expect(one.config.redisPrefix).toBe(two.config.redisPrefix);
    for (const h of [one, two, one, two]) expect((await chat(h, { model: 'gpt-a' })).status).toBe(200);
    const seen = keysSeen(one.upstreamA, two.upstreamA);
    expect(seen).toHaveLength(4);
    expect([count(seen, KEY_A), count(seen, KEY_B)]).toEqual([2, 2]);

    expectCapacity429(await chat(two, { model: 'gpt-a' }));
    expectCapacity429(await chat(one, { model: 'gpt-a' }));
    expect(keysSeen(one.upstreamA, two.upstreamA)).toHaveLength(4);
  });
});

describe('outbound limits: a provider-wide token ceiling', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    // fake-a keeps its one key (apiKeyEnv) and gets 1,000 tokens a minute.
    h = await startGatewayHarness({ outbound: { 'fake-a': { rateLimits: { tokensPerMinute: 1_000 } } } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('reserves the prompt plus max_tokens, and gives back what the answer did not use', async () => {
    // Each call reserves a few prompt tokens plus 700: two reservations could never stand together,
    // so every call after the first goes out only because the one before was corrected to its usage.
    for (const stream of [false, true, false, true]) {
      const a = await chat(h, { model: 'gpt-a', max_tokens: 700, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) });
      expect(a.status).toBe(200);
      if (stream) expect(a.text).toContain('data: [DONE]');
    }
    expect(keysSeen(h.upstreamA)).toEqual(Array.from({ length: 4 }, () => FAKE_PROVIDER_KEY));

    // More than the minute allows: out only once the window is empty, which it is not.
    expectCapacity429(await chat(h, { model: 'gpt-a', max_tokens: 5_000 }));
    expect(h.upstreamA.requests).toHaveLength(4);
  });
});

describe('outbound limits while Redis is unreachable', () => {
  let proxy: TcpProxy;
  let h: GatewayHarness;
  beforeAll(async () => {
    const url = new URL(loadTestEnv().TEST_REDIS_URL);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 6379));
    h = await startGatewayHarness({ redisUrl: proxy.urlFor(loadTestEnv().TEST_REDIS_URL), outbound: { 'fake-a': { keys: [{ secret: KEY_A, requestsPerMinute: 1 }, { secret: KEY_B, requestsPerMinute: 1 }] } } });
  });
  afterEach(() => proxy.resume());
  afterAll(async () => {
    await h.close();
    await proxy.close();
  });

  it('sends anyway, still taking turns over the keys, rather than failing the request', async () => {
    proxy.pause('refuse');
    for (let i = 0; i < 4; i++) expect((await chat(h, { model: 'gpt-a' })).status).toBe(200);
    const seen = keysSeen(h.upstreamA);
    expect([count(seen, KEY_A), count(seen, KEY_B)]).toEqual([2, 2]);
  });
});
