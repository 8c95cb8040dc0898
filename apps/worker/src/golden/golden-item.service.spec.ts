import { randomBytes } from 'node:crypto';
import type { DatasetItem, GoldenJob } from '@switchyard/contracts';
import { type DatabaseHandle, DatasetRepository, GoldenRunRepository, type GoldenRunRow, ScoreRepository } from '@switchyard/db';
import { scorerRegistry } from '@switchyard/scoring';
import { createTestDatabase } from '@switchyard/testing';
import { UnrecoverableError } from 'bullmq';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GatewayCompletion, GatewayCallError, type InternalCallTags } from '../gateway/gateway-completion.client.js';
import { type GoldenGateway, GoldenItemService, spanlessId } from './golden-item.service.js';
import { ProviderConcurrency } from './provider-concurrency.js';

type Reply = GatewayCompletion | Error;

/** Answers from a script, or with the expected letter; records what it was asked. */
class FakeGateway implements GoldenGateway {
  readonly calls: { body: ChatCompletionCreateParamsNonStreaming; tags: InternalCallTags }[] = [];
  readonly script: Reply[] = [];
  answer: (body: ChatCompletionCreateParamsNonStreaming) => string = () => 'A';

  complete(body: ChatCompletionCreateParamsNonStreaming, tags: InternalCallTags): Promise<GatewayCompletion> {
    this.calls.push({ body, tags });
    const next = this.script.shift();
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve(next ?? { content: this.answer(body), spanId: randomBytes(8).toString('hex'), model: body.model });
  }
}

describe('GoldenItemService against Postgres', () => {
  let handle: DatabaseHandle;
  let runs: GoldenRunRepository;
  let datasets: DatasetRepository;
  let scores: ScoreRepository;
  let gateway: FakeGateway;
  let service: GoldenItemService;
  let versionId: string;
  let itemIds: string[];

  const ITEMS: DatasetItem[] = [
    { input: 'Pick A.', expected: 'A', workload: 'arc', metadata: {} },
    { input: [{ role: 'user', content: 'Pick B.' }], expected: 'B', workload: 'arc', metadata: {} },
    { input: 'No reference here.', metadata: {} },
    { input: 'Say hi.', expected: 'hi', metadata: {} },
  ];

  beforeAll(async () => {
    handle = createTestDatabase({ max: 8 });
    runs = new GoldenRunRepository(handle.db);
    datasets = new DatasetRepository(handle.db);
    scores = new ScoreRepository(handle.db);
    const { version } = await datasets.createVersion({ name: `golden-svc-${randomBytes(5).toString('hex')}`, items: ITEMS, createdBy: 'test' });
    versionId = version.id;
    itemIds = (await datasets.itemIds(versionId, { offset: 0, limit: 10 })).map((i) => i.id);
  });

  afterAll(async () => {
    await handle.close();
  });

  beforeEach(() => {
    gateway = new FakeGateway();
    service = new GoldenItemService(runs, datasets, gateway, new ProviderConcurrency(new Map([['m1', 'p1']]), 2), scorerRegistry);
  });

  const startRun = async (models = ['m1'], total = ITEMS.length * models.length): Promise<GoldenRunRow> => {
    const run = await runs.create({
      datasetVersionId: versionId,
      models,
      scorer: { name: 'exact', options: {} },
      workloadScorers: { arc: { name: 'multiple_choice', options: { choices: 'ABCD' } } },
      total,
      createdBy: 'test',
    });
    await runs.markStarted(run.id);
    return run;
  };
  const job = (run: GoldenRunRow, item: number, model = 'm1'): GoldenJob => ({ runId: run.id, itemId: itemIds[item] ?? '', model });
  const goldenScores = async (run: GoldenRunRow) => (await scores.query({ source: 'golden', limit: 1_000 })).filter((s) => s.runId === run.id);

  it('calls the model through the gateway as a golden call, scores with the workload\'s scorer and stores the score under the span', async () => {
    const run = await startRun();
    gateway.script.push({ content: 'The answer is (A).', spanId: '00000000000000aa', model: 'm1' });
    expect(await service.execute(job(run, 0), { final: false })).toBe('scored');
    expect(gateway.calls[0]).toEqual({ body: { model: 'm1', messages: [{ role: 'user', content: 'Pick A.' }] }, tags: { origin: 'golden', runId: run.id, workload: 'arc' } });
    const [score] = await goldenScores(run);
    expect(score).toMatchObject({ spanId: '00000000000000aa', scorer: 'multiple_choice', scorerVersion: '1', source: 'golden', status: 'ok', score: 1, label: 'A', workload: 'arc', model: 'm1', runId: run.id, datasetItemId: itemIds[0] });
    expect(await runs.get(run.id)).toMatchObject({ done: 1, failed: 0, status: 'running' });

    // An item without a workload: the run's scorer, the default workload, no workload header; a chat-message input is sent as is.
    gateway.script.push({ content: 'hi', spanId: '00000000000000ab', model: 'm1' });
    expect(await service.execute(job(run, 3), { final: false })).toBe('scored');
    expect(gateway.calls[1]?.tags).toEqual({ origin: 'golden', runId: run.id });
    expect((await goldenScores(run)).find((s) => s.spanId === '00000000000000ab')).toMatchObject({ scorer: 'exact', workload: 'default', score: 1 });
    gateway.answer = () => 'A';
    expect(await service.execute(job(run, 1), { final: false })).toBe('scored');
    expect(gateway.calls[2]?.body.messages).toEqual([{ role: 'user', content: 'Pick B.' }]);
    expect((await goldenScores(run)).find((s) => s.datasetItemId === itemIds[1])).toMatchObject({ score: 0, label: 'A' });
  });

  it('counts each item × model once: a retry after the result was stored makes no call, and racing duplicates count one', async () => {
    const run = await startRun(['m1', 'm2']);
    expect(await service.execute(job(run, 0), { final: false })).toBe('scored');
    expect(await service.execute(job(run, 0), { final: false })).toBe('already_counted');
    expect(gateway.calls).toHaveLength(1);

    const raced = await Promise.all(Array.from({ length: 4 }, () => service.execute(job(run, 0, 'm2'), { final: false })));
    expect(raced.filter((o) => o === 'scored')).toHaveLength(1);
    expect(raced.filter((o) => o === 'already_counted')).toHaveLength(3);
    expect(await runs.get(run.id)).toMatchObject({ done: 2, failed: 0 });
    expect(await goldenScores(run)).toHaveLength(2);
  });

  it('skips the jobs of a cancelled run without calling anyone', async () => {
    const run = await startRun();
    await runs.cancel(run.id);
    expect(await service.execute(job(run, 0), { final: false })).toBe('skipped');
    expect(gateway.calls).toHaveLength(0);
    expect(await runs.get(run.id)).toMatchObject({ done: 0, failed: 0, status: 'cancelled' });
  });

  it('throws a transient failure for a retry, and records it as failed on the last attempt or when the gateway refuses', async () => {
    const run = await startRun();
    gateway.script.push(new GatewayCallError('upstream overloaded', 503, true, '00000000000000c1'));
    await expect(service.execute(job(run, 0), { final: false })).rejects.toThrow('upstream overloaded');
    expect(await runs.get(run.id)).toMatchObject({ done: 0, failed: 0 });

    gateway.script.push(new GatewayCallError('upstream overloaded', 503, true, '00000000000000c2'));
    expect(await service.execute(job(run, 0), { final: true })).toBe('failed');
    gateway.script.push(new GatewayCallError('prompt not recorded', 404, false, '00000000000000c3'));
    expect(await service.execute(job(run, 1), { final: false })).toBe('failed');
    // The gateway was never reached: no span, so a key of its own per run, item and model.
    gateway.script.push(new GatewayCallError('connect ECONNREFUSED', undefined, true, undefined));
    expect(await service.execute(job(run, 3), { final: true })).toBe('failed');

    const stored = await goldenScores(run);
    expect(stored.map((s) => [s.datasetItemId, s.spanId, s.status, s.score, s.scorer]).sort()).toEqual(
      [
        [itemIds[0], '00000000000000c2', 'failed', null, 'multiple_choice'],
        [itemIds[1], '00000000000000c3', 'failed', null, 'multiple_choice'],
        [itemIds[3], spanlessId(run.id, itemIds[3] ?? '', 'm1'), 'failed', null, 'exact'],
      ].sort(),
    );
    expect(stored.find((s) => s.datasetItemId === itemIds[1])?.reason).toContain('call failed (404): prompt not recorded');
    expect(await runs.get(run.id)).toMatchObject({ done: 0, failed: 3 });
  });

  it('records an item that cannot be scored as failed, and completes the run once every call is accounted for', async () => {
    const run = await startRun();
    for (const i of [0, 1, 3]) await service.execute(job(run, i), { final: false });
    expect(await service.execute(job(run, 2), { final: false })).toBe('failed');
    expect((await goldenScores(run)).find((s) => s.datasetItemId === itemIds[2])).toMatchObject({ status: 'failed', score: null, reason: 'exact: needs an expected value' });
    expect(await runs.get(run.id)).toMatchObject({ done: 3, failed: 1, status: 'completed' });
  });

  it('counts a job abandoned after its last attempt as failed, once, and never over a stored result', async () => {
    const run = await startRun();
    expect(await service.recordAbandoned(job(run, 0), 'job stalled more than allowable limit')).toBe('failed');
    expect(await service.recordAbandoned(job(run, 0), 'again')).toBe('already_counted');
    await service.execute(job(run, 1), { final: false });
    expect(await service.recordAbandoned(job(run, 1), 'late')).toBe('already_counted');
    expect(await runs.get(run.id)).toMatchObject({ done: 1, failed: 1 });
  });

  it('refuses a job whose model or item is not the run\'s', async () => {
    const run = await startRun();
    await expect(service.execute(job(run, 0, 'other'), { final: false })).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(service.execute({ runId: run.id, itemId: 'di_0000000000missing', model: 'm1' }, { final: false })).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(service.execute({ runId: 'gr_0000000000missing', itemId: itemIds[0] ?? '', model: 'm1' }, { final: false })).rejects.toBeInstanceOf(UnrecoverableError);
  });
});

describe('ProviderConcurrency', () => {
  it('keeps at most the limit in flight per provider, in arrival order, while other providers run freely', async () => {
    const limiter = new ProviderConcurrency(
      new Map([
        ['a1', 'pa'],
        ['a2', 'pa'],
        ['b1', 'pb'],
      ]),
      2,
    );
    let peakA = 0;
    const started: string[] = [];
    const releases: (() => void)[] = [];
    const task = (name: string) => () =>
      new Promise<string>((resolve) => {
        started.push(name);
        peakA = Math.max(peakA, limiter.inFlight('pa'));
        releases.push(() => resolve(name));
      });
    const results = Promise.all([limiter.run('a1', task('x1')), limiter.run('a2', task('x2')), limiter.run('a1', task('x3')), limiter.run('b1', task('y1')), limiter.run('a2', task('x4'))]);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['x1', 'x2', 'y1']);
    releases.shift()?.();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['x1', 'x2', 'y1', 'x3']);
    while (releases.length) {
      releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await results).toEqual(['x1', 'x2', 'x3', 'y1', 'x4']);
    expect(peakA).toBe(2);
    expect(limiter.inFlight('pa')).toBe(0);
  });
});
