import { createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from './database.client.js';
import { DatasetRepository } from './dataset.repository.js';
import { GoldenRunRepository } from './golden-run.repository.js';
import { newRowId } from './row-id.factory.js';

describe('GoldenRunRepository against Postgres', () => {
  let handle: DatabaseHandle;
  let repo: GoldenRunRepository;
  let datasetVersionId: string;

  beforeAll(async () => {
    handle = createTestDatabase({ max: 8 });
    repo = new GoldenRunRepository(handle.db);
    const { version } = await new DatasetRepository(handle.db).createVersion({ name: `golden-${newRowId('t')}`.toLowerCase(), items: [{ input: 'hi', metadata: {} }], createdBy: 'test' });
    datasetVersionId = version.id;
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
    const mine = await repo.list({ datasetVersionId, limit: 100 });
    expect(mine.findIndex((r) => r.id === b.id)).toBeLessThan(mine.findIndex((r) => r.id === a.id));
    const running = await repo.list({ datasetVersionId, status: 'running', limit: 100 });
    expect(running.map((r) => r.id)).toContain(b.id);
    expect(running.map((r) => r.id)).not.toContain(a.id);
    expect(await repo.list({ datasetVersionId, limit: 1 })).toHaveLength(1);
  });
});
