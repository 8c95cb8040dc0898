import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from './database.client.js';
import { type NewScore, ScoreRepository } from './score.repository.js';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
/** Other spec files share the database, so every test scores spans and workloads of its own. */
const freshWorkload = (): string => `wl-${hex(5)}`;

describe('ScoreRepository against Postgres', () => {
  let handle: DatabaseHandle;
  let repo: ScoreRepository;

  beforeAll(() => {
    handle = createTestDatabase({ max: 4 });
    repo = new ScoreRepository(handle.db);
  });

  afterAll(async () => {
    await handle.close();
  });

  const score = (overrides: Partial<NewScore> = {}): NewScore => ({
    spanId: hex(8),
    scorer: 'helpfulness',
    scorerVersion: 'v1',
    source: 'judge',
    status: 'ok',
    score: 0.8,
    workload: 'support',
    model: 'gpt-a',
    ...overrides,
  });

  it('writes a score once: a repeated write for the same key is a no-op', async () => {
    const first = score({ reason: 'good', label: 'pass', judgeSpanId: hex(8), metadata: { rubric: 'h' } });
    expect(await repo.record(first)).toBe(true);
    expect(await repo.record({ ...first, score: 0.1, reason: 'changed' })).toBe(false);

    const rows = await repo.forSpan(first.spanId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ score: 0.8, reason: 'good', label: 'pass', judgeSpanId: first.judgeSpanId, metadata: { rubric: 'h' }, runId: null, raw: null });
    expect(rows[0]?.id).toMatch(/^sc_/);
  });

  it('keeps scores apart by scorer, scorer version and source', async () => {
    const base = score();
    await repo.record(base);
    expect(await repo.record({ ...base, scorerVersion: 'v2' })).toBe(true);
    expect(await repo.record({ ...base, scorer: 'exact' })).toBe(true);
    expect(await repo.record({ ...base, source: 'shadow' })).toBe(true);
    expect(await repo.forSpan(base.spanId)).toHaveLength(4);
  });

  it('lets the latest feedback for a key win', async () => {
    const first = score({ source: 'feedback', scorer: 'thumbs', score: 1, reason: 'great' });
    expect(await repo.record(first)).toBe(true);
    expect(await repo.record({ ...first, score: 0, reason: 'actually wrong', label: 'down' })).toBe(false);
    const [row] = await repo.forSpan(first.spanId);
    expect(row).toMatchObject({ score: 0, reason: 'actually wrong', label: 'down' });
  });

  it('stores a failed judgement with a null score and its raw reply, and refuses a failed score with a number', async () => {
    const failed = score({ status: 'failed', score: null, raw: 'I think it is fine?' });
    expect(await repo.record(failed)).toBe(true);
    expect((await repo.forSpan(failed.spanId))[0]).toMatchObject({ status: 'failed', score: null, raw: 'I think it is fine?' });

    await expect(repo.record(score({ status: 'failed', score: 0 }))).rejects.toThrow();
    await expect(repo.record(score({ status: 'ok', score: null }))).rejects.toThrow();
  });

  it('writes many at once, skipping keys already stored, also within the batch', async () => {
    const workload = freshWorkload();
    const batch = Array.from({ length: 5_000 }, () => score({ workload }));
    await repo.record(batch[0]);
    const duplicate = batch[1];
    const feedback = score({ workload, source: 'feedback', score: 1 });
    expect(await repo.recordMany([...batch, duplicate, feedback, { ...feedback, score: 0 }])).toBe(batch.length - 1 + 1);
    expect(await repo.recordMany(batch)).toBe(0);
    expect(await repo.query({ workload, limit: 10_000 })).toHaveLength(batch.length + 1);
    expect((await repo.forSpan(feedback.spanId))[0]?.score).toBe(0);
  });

  it('queries by workload, model, source and time window, newest first', async () => {
    const workload = freshWorkload();
    await repo.record(score({ workload, model: 'gpt-a' }));
    await new Promise((r) => setTimeout(r, 5));
    const middle = new Date();
    await new Promise((r) => setTimeout(r, 5));
    await repo.record(score({ workload, model: 'gpt-b' }));
    await repo.record(score({ workload, model: 'gpt-a', source: 'golden', runId: 'gr_x' }));

    const all = await repo.query({ workload, limit: 10 });
    expect(all.map((r) => r.model)).toEqual(['gpt-a', 'gpt-b', 'gpt-a']);
    expect(all[0]?.source).toBe('golden');
    expect(await repo.query({ workload, model: 'gpt-a', limit: 10 })).toHaveLength(2);
    expect(await repo.query({ workload, source: 'judge', limit: 10 })).toHaveLength(2);
    expect(await repo.query({ workload, since: middle, limit: 10 })).toHaveLength(2);
    expect(await repo.query({ workload, until: middle, limit: 10 })).toHaveLength(1);
    expect(await repo.query({ workload, limit: 1 })).toHaveLength(1);
  });

  it('sums up one scorer\'s ok scores per model on a workload, over the given sources, since a time', async () => {
    const workload = freshWorkload();
    const scorer = 'judge:helpfulness';
    await repo.recordMany([
      score({ workload, scorer, model: 'a', score: 1 }),
      score({ workload, scorer, model: 'a', score: 0.5, source: 'shadow' }),
      score({ workload, scorer, model: 'a', score: 0 }),
      score({ workload, scorer, model: 'b', score: 0.25, source: 'shadow' }),
      // Left out: a failed judgement, another source, another scorer, another workload, no model.
      score({ workload, scorer, model: 'a', status: 'failed', score: null }),
      score({ workload, scorer, model: 'a', score: 1, source: 'golden' }),
      score({ workload, scorer: 'judge:other', model: 'a', score: 1 }),
      score({ workload: freshWorkload(), scorer, model: 'a', score: 1 }),
      score({ workload, scorer, model: null, score: 1 }),
    ]);
    const since = new Date(Date.now() - 60_000);
    const rows = await repo.qualityByModel({ workload, scorer, sources: ['judge', 'shadow'], since });
    expect(rows.sort((x, y) => x.model.localeCompare(y.model))).toEqual([
      { model: 'a', n: 3, mean: 0.5 },
      { model: 'b', n: 1, mean: 0.25 },
    ]);
    expect(await repo.qualityByModel({ workload, scorer, sources: ['judge', 'shadow'], since: new Date(Date.now() + 60_000) })).toEqual([]);
  });
});
