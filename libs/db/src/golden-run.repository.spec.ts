import { createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from './database.client.js';
import { DatasetRepository } from './dataset.repository.js';
import { GoldenRunRepository } from './golden-run.repository.js';
import { newRowId } from './row-id.factory.js';
import { ScoreRepository } from './score.repository.js';
import { TenantRepository } from './tenant.repository.js';

describe('GoldenRunRepository against Postgres', () => {
  let handle: DatabaseHandle;
  let repo: GoldenRunRepository;
  let datasetVersionId: string;
  let itemIds: string[];

  beforeAll(async () => {
    handle = createTestDatabase({ max: 8 });
    repo = new GoldenRunRepository(handle.db);
    const datasets = new DatasetRepository(handle.db);
    const { version } = await datasets.createVersion({ name: `golden-${newRowId('t')}`.toLowerCase(), items: [{ input: 'hi', metadata: {} }, { input: 'bye', metadata: {} }], createdBy: 'test' });
    datasetVersionId = version.id;
    itemIds = (await datasets.itemIds(version.id, { offset: 0, limit: 10 })).map((i) => i.id);
  });

  afterAll(async () => {
    await handle.close();
  });

  const run = (total = 4) => repo.create({ datasetVersionId, models: ['gpt-a', 'gpt-b'], scorer: { name: 'exact', options: {} }, total, createdBy: 'alice' });

  it('creates a queued run and reads it back', async () => {
    const created = await run();
    expect(created).toMatchObject({ status: 'queued', done: 0, failed: 0, total: 4, models: ['gpt-a', 'gpt-b'], scorer: { name: 'exact', options: {} }, startedAt: null });
    expect(created.id).toMatch(/^gr_/);
    expect(await repo.get(created.id)).toEqual(created);
    expect(await repo.get('gr_missing')).toBeUndefined();
  });

  it('refuses a dataset version that does not exist', async () => {
    await expect(repo.create({ datasetVersionId: 'dv_missing', models: ['m'], scorer: { name: 'exact', options: {} }, total: 1, createdBy: 'a' })).rejects.toThrow();
  });

  it('starts a queued run once', async () => {
    const created = await run();
    const started = await repo.markStarted(created.id);
    expect(started).toMatchObject({ status: 'running' });
    expect(started?.startedAt).toBeInstanceOf(Date);
    expect(await repo.markStarted(created.id)).toBeUndefined();
    expect((await repo.markStarted((await run(0)).id))?.status).toBe('completed');
  });

  it('counts concurrent progress exactly and completes when every call is accounted for', async () => {
    const created = await run(40);
    await repo.markStarted(created.id);
    await Promise.all(Array.from({ length: 39 }, (_, i) => repo.incrementProgress(created.id, i % 3 === 0 ? { done: 0, failed: 1 } : { done: 1, failed: 0 })));
    const before = await repo.get(created.id);
    expect(before).toMatchObject({ done: 26, failed: 13, status: 'running', finishedAt: null });
    const after = await repo.incrementProgress(created.id, { done: 1, failed: 0 });
    expect(after).toMatchObject({ done: 27, failed: 13, status: 'completed' });
    expect(after?.finishedAt).toBeInstanceOf(Date);
  });

  it('cancels an active run once; a cancelled run keeps counting but stays cancelled', async () => {
    const created = await run(2);
    await repo.markStarted(created.id);
    const cancelled = await repo.cancel(created.id);
    expect(cancelled?.status).toBe('cancelled');
    expect(cancelled?.cancelledAt).toBeInstanceOf(Date);
    expect(await repo.cancel(created.id)).toBeUndefined();
    expect(await repo.cancel('gr_missing')).toBeUndefined();
    expect(await repo.incrementProgress(created.id, { done: 2, failed: 0 })).toMatchObject({ done: 2, status: 'cancelled' });
    expect(await repo.markStarted(created.id)).toBeUndefined();
  });

  it('marks a run failed with its reason, but not one that has ended', async () => {
    const created = await run();
    expect(await repo.markFailed(created.id, 'dataset gone')).toMatchObject({ status: 'failed', error: 'dataset gone' });
    expect(await repo.markFailed(created.id, 'again')).toBeUndefined();
  });

  it('lists newest first, by dataset version and status', async () => {
    const a = await run();
    const b = await run();
    await repo.markStarted(b.id);
    const mine = await repo.list(null, { datasetVersionId, limit: 100 });
    expect(mine.findIndex((r) => r.id === b.id)).toBeLessThan(mine.findIndex((r) => r.id === a.id));
    const running = await repo.list(null, { datasetVersionId, status: 'running', limit: 100 });
    expect(running.map((r) => r.id)).toContain(b.id);
    expect(running.map((r) => r.id)).not.toContain(a.id);
    expect(await repo.list(null, { datasetVersionId, limit: 1 })).toHaveLength(1);
  });

  it("scopes runs through their dataset's owner", async () => {
    const tenants = new TenantRepository(handle.db);
    const [a, b] = await Promise.all([tenants.create(`tenant-${newRowId('t')}`), tenants.create(`tenant-${newRowId('t')}`)]);
    if (!a.ok || !b.ok) throw new Error('tenants not created');
    const { version } = await new DatasetRepository(handle.db).createVersion({ tenantId: a.tenant.id, name: 'owned', items: [{ input: 'hi', metadata: {} }], createdBy: 'a' });
    const ofA = await repo.create({ datasetVersionId: version.id, models: ['gpt-a'], scorer: { name: 'exact', options: {} }, total: 1, createdBy: 'a' });
    const global = await run();
    expect((await repo.getScoped(a.tenant.id, ofA.id))?.id).toBe(ofA.id);
    expect(await repo.getScoped(b.tenant.id, ofA.id)).toBeUndefined();
    expect(await repo.getScoped(a.tenant.id, global.id)).toBeUndefined();
    expect((await repo.getScoped(null, ofA.id))?.id).toBe(ofA.id);
    expect((await repo.list(a.tenant.id, { limit: 100 })).map((r) => r.id)).toEqual([ofA.id]);
    expect(await repo.list(b.tenant.id, { limit: 100 })).toEqual([]);
    expect((await repo.list(null, { limit: 200 })).map((r) => r.id)).toEqual(expect.arrayContaining([ofA.id, global.id]));
  });

  const result = (runId: string, datasetItemId: string, model: string, spanId: string, ok = true) => ({
    spanId,
    scorer: 'exact',
    scorerVersion: '1',
    source: 'golden' as const,
    status: ok ? ('ok' as const) : ('failed' as const),
    score: ok ? 1 : null,
    workload: 'default',
    model,
    runId,
    datasetItemId,
  });

  it('stores and counts each item × model result once, whatever its span: retries and racing duplicates count nothing', async () => {
    const created = await run(4);
    await repo.markStarted(created.id);
    const [i0 = '', i1 = ''] = itemIds;
    expect(await repo.hasResult(created.id, i0, 'gpt-a')).toBe(false);
    // Five attempts of one job race, each with a call (a span) of its own: one counts.
    const raced = await Promise.all(Array.from({ length: 5 }, (_, k) => repo.recordResult(result(created.id, i0, 'gpt-a', `00000000000000a${k}`))));
    expect(raced.filter((r) => r.counted)).toHaveLength(1);
    expect(await repo.hasResult(created.id, i0, 'gpt-a')).toBe(true);
    expect(await repo.hasResult(created.id, i0, 'gpt-b')).toBe(false);

    expect((await repo.recordResult(result(created.id, i0, 'gpt-b', '00000000000000b0', false))).run).toMatchObject({ done: 1, failed: 1, status: 'running' });
    expect((await repo.recordResult(result(created.id, i1, 'gpt-a', '00000000000000c0'))).run).toMatchObject({ done: 2, failed: 1, status: 'running' });
    const last = await repo.recordResult(result(created.id, i1, 'gpt-b', '00000000000000d0'));
    expect(last).toMatchObject({ counted: true, run: { done: 3, failed: 1, status: 'completed' } });
    expect(await repo.recordResult(result(created.id, i1, 'gpt-b', '00000000000000d1'))).toEqual({ counted: false, run: undefined });
    expect(await repo.get(created.id)).toMatchObject({ done: 3, failed: 1 });

    const values = await new ScoreRepository(handle.db).valuesForRun(created.id);
    expect(values).toHaveLength(4);
    expect(values.filter((v) => v.status === 'failed')).toEqual([{ model: 'gpt-b', status: 'failed', score: null }]);
  });

  it('keeps per-workload scorers with the run', async () => {
    const created = await repo.create({ datasetVersionId, models: ['m'], scorer: { name: 'exact', options: {} }, workloadScorers: { arc: { name: 'multiple_choice', options: { choices: 'ABCD' } } }, total: 1, createdBy: 'a' });
    expect((await repo.get(created.id))?.workloadScorers).toEqual({ arc: { name: 'multiple_choice', options: { choices: 'ABCD' } } });
    expect((await run()).workloadScorers).toEqual({});
  });
});
