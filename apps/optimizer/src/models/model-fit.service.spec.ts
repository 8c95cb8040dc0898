import { randomBytes } from 'node:crypto';
import { type DatabaseHandle, ScoredSpanRepository, ScoreRepository, spans } from '@switchyard/db';
import { buildSpanRow, createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_FIT_OPTIONS, ModelFitService } from './model-fit.service.js';
import type { QualityModel } from './quality.model.js';

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
    // Nothing drifted: no before-drift fit.
    expect(service.current()?.beforeDrift).toBeUndefined();
  });

  it('refits a drifted model on its recent scores alone, and splits every score into one of two folds', async () => {
    const workload = `wl-${randomBytes(5).toString('hex')}`;
    // 200 old and 60 recent scores of model a (0.9 then 0.3), and 200 old + 60 recent of b (steady 0.6).
    const old = Array.from({ length: 400 }, (_, i) => buildSpanRow({ workload, model: i % 2 ? 'a' : 'b', requestBody: { model: 'auto', messages: [{ role: 'user', content: `old ${i}` }] } }));
    const recent = Array.from({ length: 120 }, (_, i) => buildSpanRow({ workload, model: i % 2 ? 'a' : 'b', requestBody: { model: 'auto', messages: [{ role: 'user', content: `new ${i}` }] } }));
    await handle.db.insert(spans).values([...old, ...recent]);
    const score = (row: (typeof old)[number], i: number, p: number) => ({ spanId: row.spanId, scorer: 'judge:helpfulness', scorerVersion: '1', source: 'judge' as const, status: 'ok' as const, score: i % 10 < p * 10 ? 1 : 0, workload, model: row.model ?? null });
    await scores.recordMany([...old.map((r, i) => score(r, i >> 1, r.model === 'a' ? 0.9 : 0.6)), ...recent.map((r, i) => score(r, i >> 1, r.model === 'a' ? 0.3 : 0.6))]);
    const recentIds = recent.map((r) => r.spanId);
    await handle.pool.query(`update scores set created_at = '2036-06-01T00:00:00Z'::timestamptz where workload = $1 and not (span_id = any($2::text[]))`, [workload, recentIds]);
    await handle.pool.query(`update scores set created_at = '2036-06-02T23:00:00Z'::timestamptz where workload = $1 and span_id = any($2::text[])`, [workload, recentIds]);
    const service = new ModelFitService(
      new ScoredSpanRepository(handle.db),
      { ...DEFAULT_MODEL_FIT_OPTIONS, windowMs: 3 * 86_400_000, pricing: new Map() },
      () => new Date('2036-06-03T00:00:00Z'),
    );
    await service.refit(true);
    const fit = service.current();
    expect(fit?.drift.map((f) => [f.workload, f.model])).toEqual([[workload, 'a']]);
    const summary = (q: QualityModel, model: string) => q.summaries().find((g) => g.workload === workload && g.model === model);
    // a is fitted on its 60 recent scores; b, steady, on all 260.
    expect(summary(fit!.quality, 'a')).toMatchObject({ n: 60 });
    expect(summary(fit!.quality, 'a')?.observedMean).toBeCloseTo(0.3, 1);
    expect(summary(fit!.quality, 'b')).toMatchObject({ n: 260 });
    // The two folds hold every row of the full fit between them, each about half.
    const halves = [fit!.crossFit.selection, fit!.crossFit.estimate].map((q) => summary(q, 'b')?.n ?? 0);
    expect(halves[0] + halves[1]).toBe(260);
    expect(Math.min(...halves)).toBeGreaterThan(80);
    // Before the drop: the same halves with a fitted on its 200 old scores instead, for the floor to keep.
    const before = [fit!.beforeDrift!.selection, fit!.beforeDrift!.estimate];
    expect(before.map((q) => summary(q, 'a')?.n ?? 0).reduce((x, y) => x + y)).toBe(200);
    for (const q of before) expect(summary(q, 'a')?.observedMean).toBeCloseTo(0.9, 1);
    expect(before.map((q) => summary(q, 'b')?.n)).toEqual(halves);
  });
});
