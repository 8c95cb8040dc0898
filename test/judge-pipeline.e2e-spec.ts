import { loadTestEnv } from '@switchyard/config';
import { type DatabaseHandle, ScoreRepository, type ScoreRow, SpanRepository } from '@switchyard/db';
import { JudgeQueue } from '@switchyard/queue';
import { buildSpanRow, type FakeUpstream } from '@switchyard/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';
import { startWorkerFor, type WorkerHarness } from './support/worker.harness.js';

const VERDICT = '{"score": 8, "reason": "Correct and to the point."}';

describe('live sampling → judge queue → worker → score by span id', () => {
  let h: GatewayHarness;
  let worker: WorkerHarness;
  let database: DatabaseHandle;
  let scores: ScoreRepository;
  let judge: FakeUpstream;
  let redis: Redis;
  let queue: Queue;

  beforeAll(async () => {
    h = await startGatewayHarness({
      pool: ['judge-model'],
      // Every live call is judged, so each test's call is sampled for sure.
      routing: { defaultRoute: 'gpt-a', routes: { 'with-fallback': ['gpt-a', 'gpt-b'], 'dead-first': ['dead-model', 'gpt-b'] }, evaluation: { sampleRate: 1 } },
      evaluation: { judge: { model: 'judge-model', parseRetries: 1 }, queues: { judge: { concurrency: 2, attempts: 4, backoffMs: 100 } } },
    });
    judge = h.pool.get('judge-model')!;
    judge.setBehaviour(() => ({ kind: 'ok', text: VERDICT }));
    worker = await startWorkerFor(h);
    database = worker.database;
    scores = new ScoreRepository(database.db);
    redis = new Redis(loadTestEnv().TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(JudgeQueue.name, { connection: redis, prefix: worker.config.redisPrefix });
  });

  afterAll(async () => {
    await queue.close();
    redis.disconnect();
    await worker.close();
    await h.close();
  });

  const liveCall = async (content: string): Promise<{ spanId: string; answeredAt: number }> => {
    const { response } = await h.client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content }] }).withResponse();
    return { spanId: response.headers.get('x-switchyard-span-id') ?? '', answeredAt: Date.now() };
  };

  const scoresOf = async (spanId: string, timeoutMs = 2_000): Promise<ScoreRow[]> => {
    let found: ScoreRow[] = [];
    await eventually(async () => (found = await scores.forSpan(spanId)).length > 0, timeoutMs, `a score for span ${spanId}`);
    return found;
  };

  it('judges a sampled live span and stores the score under its span id within 2 s', async () => {
    const { spanId, answeredAt } = await liveCall('What is the capital of France?');
    const [score] = await scoresOf(spanId);
    expect(Date.now() - answeredAt).toBeLessThan(2_000);
    expect(score).toMatchObject({ spanId, source: 'judge', scorer: 'judge:helpfulness', scorerVersion: '1', status: 'ok', label: '8', reason: 'Correct and to the point.', workload: 'default', model: 'gpt-a' });
    expect(score?.score).toBeCloseTo(7 / 9, 12);

    // The judge saw the user's question and the model's answer.
    const prompt = JSON.stringify((judge.requests.at(-1)?.body as { messages: unknown }).messages);
    expect(prompt).toContain('What is the capital of France?');
    expect(prompt).toContain('Hello from the fake upstream');

    // The judge's own call is a span too (spend and latency), marked internal, and it is never sampled.
    const judgeSpan = await h.waitForSpan(score.judgeSpanId ?? '');
    expect(judgeSpan).toMatchObject({ internal: true, origin: 'judge', model: 'judge-model', status: 'ok' });
    expect(judgeSpan.metadata?.['sampling']).toBeUndefined();
    expect(await queue.getJob(JudgeQueue.jobId(judgeSpan.spanId, 'helpfulness'))).toBeUndefined();
    expect(await scores.forSpan(judgeSpan.spanId)).toEqual([]);
  });

  it('retries a job whose judge call failed, and stores exactly one score', async () => {
    // Both tries of the SDK's first attempt fail; BullMQ retries the job with backoff.
    judge.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 500 });
    const { spanId } = await liveCall('Name a prime number.');
    const found = await scoresOf(spanId, 5_000);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ status: 'ok', label: '8' });

    // The same job again (a producer retry): BullMQ keeps one job per id, and the score write is idempotent.
    await queue.add('judge', { spanId, rubric: 'helpfulness' }, { jobId: JudgeQueue.jobId(spanId, `helpfulness`) });
    const forced = await queue.add('judge', { spanId, rubric: 'helpfulness' }, { jobId: `forced-${spanId}` });
    await eventually(async () => (await forced.getState()) === 'completed', 3_000, 'forced duplicate job done');
    expect((await queue.getJob(forced.id ?? ''))?.returnvalue).toBe('already_scored');
    expect(await scores.forSpan(spanId)).toHaveLength(1);
  });

  it('records an unparseable judge reply as a failed score with its raw text, never a zero', async () => {
    judge.setBehaviour(() => ({ kind: 'ok', text: 'Looks fine to me, I would say an eight.' }));
    try {
      const { spanId } = await liveCall('Summarise the plot of Hamlet.');
      const [score] = await scoresOf(spanId, 3_000);
      expect(score).toMatchObject({ status: 'failed', score: null, raw: 'Looks fine to me, I would say an eight.' });
      expect(score?.reason).toContain('unparseable judge reply');
    } finally {
      judge.setBehaviour(() => ({ kind: 'ok', text: VERDICT }));
    }
  });

  it('waits for a span that is not in the database yet, without spending the job\'s attempts', async () => {
    const row = buildSpanRow({
      redaction: 'full',
      model: 'gpt-a',
      requestBody: { model: 'auto', messages: [{ role: 'user', content: 'late span' }] },
      responseBody: { choices: [{ index: 0, message: { role: 'assistant', content: 'late answer' }, finish_reason: 'stop' }] },
    });
    const job = await queue.add('judge', { spanId: row.spanId, rubric: 'helpfulness' }, { jobId: JudgeQueue.jobId(row.spanId, 'helpfulness'), attempts: 2 });
    await new Promise((r) => setTimeout(r, 1_000));
    const waiting = await queue.getJob(job.id ?? '');
    expect(['delayed', 'waiting', 'active']).toContain(await waiting?.getState());
    expect(waiting?.attemptsMade).toBe(0);
    await new SpanRepository(database.db).insertMany([row]);
    const [score] = await scoresOf(row.spanId, 3_000);
    expect(score).toMatchObject({ status: 'ok', source: 'judge' });
  });

  it('never enqueues a judge job for a failed call', async () => {
    h.upstreamA.enqueue({ kind: 'error', status: 400, code: 'bad_thing' });
    const res = await fetch(`${h.baseUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.status).toBe(400);
    const spanId = res.headers.get('x-switchyard-span-id') ?? '';
    const span = await h.waitForSpan(spanId);
    expect(span.metadata?.['sampling']).toBeUndefined();
    expect(await queue.getJob(JudgeQueue.jobId(spanId, 'helpfulness'))).toBeUndefined();
  });
});
