import { loadTestEnv } from '@switchyard/config';
import { spanDetailResponseSchema } from '@switchyard/contracts';
import { JudgeQueue } from '@switchyard/queue';
import { loadOpenAiSchemas, startTcpProxy, type TcpProxy } from '@switchyard/testing';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, eventually, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();
const EVERY_CALL_JUDGED = { defaultRoute: 'gpt-a', routes: { 'with-fallback': ['gpt-a', 'gpt-b'], 'dead-first': ['dead-model', 'gpt-b'] }, evaluation: { sampleRate: 1 } };

describe('feedback, scores by span, and failed jobs', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    // Nothing sampled: the failed-jobs test runs a worker of its own on this harness's judge queue.
    h = await startGatewayHarness({ routing: { ...EVERY_CALL_JUDGED, evaluation: { sampleRate: 0, canarySampleRate: 0 } } });
  });
  afterAll(async () => {
    await h.close();
  });

  const post = (body: unknown, key?: string): Promise<Response> =>
    fetch(`${h.baseUrl}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) }, body: JSON.stringify(body) });
  const admin = async (path: string): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${h.baseUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    return { status: res.status, json: (await res.json()) };
  };

  it('stores feedback sent with the key that made the request, latest wins, and shows it with the span', async () => {
    const client = new OpenAI({ baseURL: `${h.baseUrl}/v1`, apiKey: 'sk-user-alice', maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const spanId = response.headers.get('x-switchyard-span-id') ?? '';
    await h.waitForSpan(spanId);

    expect((await post({ span_id: spanId, score: 0, comment: 'wrong' }, 'sk-user-alice')).status).toBe(201);
    const again = await post({ span_id: spanId, score: 1, comment: 'actually right' }, 'sk-user-alice');
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual({ object: 'feedback', span_id: spanId, score: 1, comment: 'actually right' });

    const other = await post({ span_id: spanId, score: 0 }, 'sk-user-mallory');
    expect(other.status).toBe(403);
    schemas.assertValid('ErrorResponse', await other.json());
    expect((await post({ span_id: spanId, score: 0 })).status).toBe(403);

    const { status, json } = await admin(`/admin/spans/${spanId}`);
    expect(status).toBe(200);
    // Strict: a column added or renamed without the contract fails here.
    const body = spanDetailResponseSchema.parse(json);
    expect(body.span).toMatchObject({ spanId, model: 'gpt-a', attempts: [{ model: 'gpt-a' }] });
    expect(body.scores).toEqual([expect.objectContaining({ source: 'feedback', score: 1, reason: 'actually right', scorer: 'user-feedback' })]);
  });

  it.each([
    ['an unknown span', { span_id: '0123456789abcdef', score: 1 }, 404],
    ['a score out of range', { span_id: '0123456789abcdef', score: 2 }, 400],
    ['a malformed span id', { span_id: 'nope', score: 1 }, 400],
  ])('rejects %s in the OpenAI envelope', async (_name, body, status) => {
    const res = await post(body);
    expect(res.status).toBe(status);
    schemas.assertValid('ErrorResponse', await res.json());
  });

  it('lists failed evaluation jobs for inspection', async () => {
    const redis = new Redis(loadTestEnv().TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(JudgeQueue.name, { connection: redis, prefix: h.config.redisPrefix });
    try {
      const job = await queue.add('judge', { spanId: 'ffffffffffffffff', rubric: 'helpfulness' }, { jobId: 'failed-for-inspection', attempts: 3 });
      // A worker that rejects the payload for good, as a processor does with a bad job.
      const worker = new Worker(JudgeQueue.name, () => Promise.reject(new UnrecoverableError('rubric missing')), { connection: redis, prefix: h.config.redisPrefix });
      await eventually(async () => (await job.getState()) === 'failed', 3_000, 'job failed');
      await worker.close();
      const { status, json } = await admin('/admin/queues/judge/failed');
      expect(status).toBe(200);
      expect(json).toMatchObject({ queue: 'judge', total: 1, data: [{ id: 'failed-for-inspection', failedReason: 'rubric missing', data: { spanId: 'ffffffffffffffff' } }] });
      expect((await admin('/admin/queues/nope/failed')).status).toBe(404);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
    }
  });
});

describe('gateway while Redis is unreachable', () => {
  let proxy: TcpProxy;
  let h: GatewayHarness;
  beforeAll(async () => {
    const url = new URL(loadTestEnv().TEST_REDIS_URL);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 6379));
    h = await startGatewayHarness({ redisUrl: proxy.urlFor(loadTestEnv().TEST_REDIS_URL), routing: EVERY_CALL_JUDGED });
  });
  afterAll(async () => {
    await h.close();
    await proxy.close();
  });

  it('serves every request, and counts the judge jobs it could not enqueue', async () => {
    // One call while Redis is up: its job is enqueued.
    const before = await h.client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'before' }] }).withResponse();
    await h.waitForSpan(before.response.headers.get('x-switchyard-span-id') ?? '');
    await eventually(async () => ((await (await fetch(`${h.baseUrl}/readyz`)).json()) as { sampling: { enqueued: number } }).sampling.enqueued === 1, 2_000, 'first job enqueued');

    proxy.pause('refuse');
    const spanIds: string[] = [];
    for (let i = 0; i < 30; i++) {
      const { response } = await h.client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `no redis ${i}` }], stream: i % 2 === 0 }).withResponse();
      expect(response.status).toBe(200);
      spanIds.push(response.headers.get('x-switchyard-span-id') ?? '');
    }
    for (const id of spanIds) await h.waitForSpan(id, 2_000);
    await eventually(
      async () => ((await (await fetch(`${h.baseUrl}/readyz`)).json()) as { sampling: { dropped: number } }).sampling.dropped === spanIds.length,
      3_000,
      'every sampled span counted as dropped',
    );
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { redis: string } }).checks.redis).toBe('unreachable');
    proxy.resume();
  });
});
