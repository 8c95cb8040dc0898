import { randomBytes } from 'node:crypto';
import { type DatabaseHandle, DatasetRepository, GoldenRunRepository, ScoreRepository, SpanRepository } from '@switchyard/db';
import type { GoldenProducer } from '@switchyard/queue';
import { buildSpanRow, createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiHttpError } from '../../errors/openai-error.js';
import { GoldenRunService } from './golden-run.service.js';

class FakeProducer implements GoldenProducer {
  readonly enqueued: { runId: string; itemIds: readonly string[]; models: readonly string[] }[] = [];
  readonly withdrawn: string[] = [];
  fail: Error | undefined;

  enqueue(runId: string, itemIds: readonly string[], models: readonly string[]): Promise<number> {
    if (this.fail) return Promise.reject(this.fail);
    this.enqueued.push({ runId, itemIds, models });
    return Promise.resolve(itemIds.length * models.length);
  }

  withdraw(runId: string): Promise<void> {
    this.withdrawn.push(runId);
    return Promise.resolve();
  }
}

describe('GoldenRunService against Postgres', () => {
  let handle: DatabaseHandle;
  let runs: GoldenRunRepository;
  let datasets: DatasetRepository;
  let scores: ScoreRepository;
  let spans: SpanRepository;
  let producer: FakeProducer;
  let service: GoldenRunService;
  let dataset: string;

  beforeAll(async () => {
    handle = createTestDatabase({ max: 4 });
    runs = new GoldenRunRepository(handle.db);
    datasets = new DatasetRepository(handle.db);
    scores = new ScoreRepository(handle.db);
    spans = new SpanRepository(handle.db);
    producer = new FakeProducer();
    service = new GoldenRunService(runs, datasets, scores, spans, producer, new Set(['m1', 'm2']));
    dataset = `golden-svc-${randomBytes(5).toString('hex')}`;
    await datasets.createVersion({ name: dataset, items: [1, 2, 3].map((i) => ({ input: `q${i}`, expected: `a${i}`, metadata: {} })), createdBy: 't' });
  });

  afterAll(async () => {
    await handle.close();
  });

  it('creates the run, queues every item × model, and starts it with the dataset\'s scorer or the default', async () => {
    const run = await service.start({ dataset, models: ['m1', 'm2'] }, 'alice');
    expect(run).toMatchObject({ status: 'running', scorer: { name: 'exact', options: {} }, workloadScorers: {}, createdBy: 'alice', progress: { done: 0, failed: 0, total: 6 }, dataset: { name: dataset, version: 1 } });
    expect(producer.enqueued.at(-1)).toMatchObject({ runId: run.id, models: ['m1', 'm2'] });
    expect(producer.enqueued.at(-1)?.itemIds).toHaveLength(3);
    // Before any score: every model listed, with empty quality fields.
    expect(run.summary).toEqual(['m1', 'm2'].map((model) => ({ model, n: 0, failed: 0, mean: null, low: null, high: null, method: null, calls: 0, costUsd: null, latencyMs: { p50: null, p95: null } })));
  });

  it('summarises graded scores with a bootstrap interval, and cost and latency from the run\'s spans', async () => {
    const run = await service.start({ dataset, models: ['m1'], scorer: { name: 'numeric', options: {} } }, undefined);
    const itemIds = (await datasets.itemIds(run.dataset.versionId, { offset: 0, limit: 10 })).map((i) => i.id);
    const rows = itemIds.map((id, i) => buildSpanRow({ runId: run.id, origin: 'golden', internal: true, model: 'm1', latencyMs: 100 * (i + 1), costUsd: 0.01 }));
    await spans.insertMany(rows);
    for (const [i, row] of rows.entries()) {
      await runs.recordResult({ spanId: row.spanId, scorer: 'numeric', scorerVersion: '1', source: 'golden', status: 'ok', score: [0.2, 0.5, 0.9][i] ?? 0, workload: 'default', model: 'm1', runId: run.id, datasetItemId: itemIds[i] ?? '' });
    }
    const shown = await service.get(null, run.id);
    expect(shown).toMatchObject({ status: 'completed', createdBy: 'admin-api', progress: { done: 3, failed: 0, total: 3 } });
    const [m1] = shown.summary;
    expect(m1).toMatchObject({ model: 'm1', n: 3, failed: 0, method: 'bootstrap', calls: 3, latencyMs: { p50: 200, p95: 290 } });
    expect(m1?.mean).toBeCloseTo(1.6 / 3, 12);
    expect(m1?.costUsd).toBeCloseTo(0.03, 12);
    expect(m1?.low).toBeLessThan(m1?.mean ?? 0);
    expect(m1?.high).toBeGreaterThan(m1?.mean ?? 1);
    expect((await service.list(null, { status: 'completed', limit: 200 })).data.map((r) => r.id)).toContain(run.id);
  });

  it('marks the run failed and answers 503 when its jobs cannot be queued', async () => {
    producer.fail = new Error('Connection is closed.');
    try {
      const error = await service.start({ dataset, models: ['m1'] }, undefined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAiHttpError);
      expect(error).toMatchObject({ status: 503, code: 'queue_unavailable' });
      // Other spec files share the database: find this dataset's run.
      const failed = (await service.list(null, { status: 'failed', limit: 200 })).data.find((r) => r.dataset.name === dataset);
      expect(failed).toMatchObject({ status: 'failed', error: 'could not queue its jobs: Connection is closed.' });
    } finally {
      producer.fail = undefined;
    }
  });

  it('cancels an active run once, withdrawing its queued jobs', async () => {
    const run = await service.start({ dataset, models: ['m2'], workloadScorers: { arc: { name: 'multiple_choice', options: {} } } }, undefined);
    expect(run.workloadScorers).toEqual({ arc: { name: 'multiple_choice', options: {} } });
    expect(await service.cancel(run.id)).toMatchObject({ status: 'cancelled', progress: { done: 0, total: 3 } });
    expect(producer.withdrawn).toContain(run.id);
    await expect(service.cancel(run.id)).rejects.toMatchObject({ status: 409, code: 'run_not_active' });
    await expect(service.cancel('gr_0000000000missing')).rejects.toMatchObject({ status: 404, code: 'golden_run_not_found' });
    await expect(service.start({ dataset, models: ['m1'], workloadScorers: { arc: { name: 'nope', options: {} } } }, undefined)).rejects.toMatchObject({ status: 400, param: 'workloadScorers.arc' });
  });
});
