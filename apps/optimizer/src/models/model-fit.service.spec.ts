import { randomBytes } from 'node:crypto';
import { type DatabaseHandle, ScoredSpanRepository, ScoreRepository, spans } from '@switchyard/db';
import { buildSpanRow, createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_FIT_OPTIONS, ModelFitService } from './model-fit.service.js';

describe('ModelFitService against Postgres', () => {
  let handle: DatabaseHandle;
  let scores: ScoreRepository;

  beforeAll(() => {
    handle = createTestDatabase({ max: 4 });
    scores = new ScoreRepository(handle.db);
  });

  afterAll(async () => {
    await handle.close();
  });

  it('carries the count of scores per scorer name into each workload × model summary', async () => {
    const workload = `wl-${randomBytes(5).toString('hex')}`;
    const rows = Array.from({ length: 12 }, (_, i) => buildSpanRow({ workload, model: i < 8 ? 'a' : 'b' }));
    await handle.db.insert(spans).values(rows);
    const score = (spanId: string, model: string, scorer: string, source: 'judge' | 'golden', status: 'ok' | 'failed' = 'ok') => ({
      spanId,
      scorer,
      scorerVersion: 'v1',
      source,
      status,
      score: status === 'ok' ? 0.8 : null,
      workload,
      model,
    });
    await scores.recordMany([
      ...rows.slice(0, 8).map((r, i) => score(r.spanId, 'a', i < 5 ? 'judge:helpfulness' : 'judge:correctness', 'judge')),
      ...rows.slice(0, 3).map((r) => score(r.spanId, 'a', 'exact', 'golden')),
      ...rows.slice(8).map((r) => score(r.spanId, 'b', 'multiple_choice', 'golden')),
      // A failed score is no evidence.
      score(rows[8].spanId, 'b', 'judge:helpfulness', 'judge', 'failed'),
    ]);

    // Moved to an hour no other spec writes to, so the fit's window holds only these scores.
    await handle.pool.query(`update scores set created_at = '2036-05-01T00:30:00Z'::timestamptz + (random() * interval '1 minute') where workload = $1`, [workload]);
    // A small batch size: the counts must add up across pages of the stream.
    const service = new ModelFitService(
      new ScoredSpanRepository(handle.db),
      { ...DEFAULT_MODEL_FIT_OPTIONS, windowMs: 3_600_000, batchSize: 5, pricing: new Map() },
      () => new Date('2036-05-01T01:00:00Z'),
    );
    const outcome = await service.refit(true);
    expect(outcome.status).toBe('fitted');
    expect(service.lastFit()?.rows).toBe(15);
    const ours = new Map(service.lastFit()?.quality.filter((q) => q.workload === workload).map((q) => [q.model, q]));
    expect(ours.get('a')).toMatchObject({ n: 11, nBySource: { judge: 8, golden: 3 }, nByScorer: { 'judge:helpfulness': 5, 'judge:correctness': 3, exact: 3 } });
    expect(ours.get('b')?.nByScorer).toEqual({ multiple_choice: 4 });
  });
});
