import { randomBytes } from 'node:crypto';
import { buildSpanRow, createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from './database.client.js';
import { ScoreRepository } from './score.repository.js';
import { type ScoredSpan, ScoredSpanRepository } from './scored-span.repository.js';
import { spans } from './tables/index.js';

const freshWorkload = (): string => `wl-${randomBytes(5).toString('hex')}`;

describe('ScoredSpanRepository against Postgres', () => {
  let handle: DatabaseHandle;
  let repo: ScoredSpanRepository;
  let scores: ScoreRepository;

  beforeAll(() => {
    handle = createTestDatabase({ max: 4 });
    repo = new ScoredSpanRepository(handle.db);
    scores = new ScoreRepository(handle.db);
  });

  afterAll(async () => {
    await handle.close();
  });

  it('streams every ok score once, in batches, across rows that share a created_at to the microsecond', async () => {
    const workload = freshWorkload();
    const rows = Array.from({ length: 25 }, (_, i) =>
      buildSpanRow({ workload, model: i % 2 ? 'a' : 'b', redaction: 'full', requestBody: { model: 'auto', messages: [{ role: 'user', content: `q${i}` }] }, latencyMs: 100 + i, costUsd: 0.001 }),
    );
    await handle.db.insert(spans).values(rows);
    await scores.recordMany(rows.map((s, i) => ({ spanId: s.spanId, scorer: 'j', scorerVersion: 'v1', source: 'judge', status: 'ok', score: i / 25, workload, model: s.model ?? null })));
    // A failed score and a score of a span that was never written are left out.
    await scores.record({ spanId: rows[0].spanId, scorer: 'j2', scorerVersion: 'v1', source: 'judge', status: 'failed', score: null, workload, model: 'b' });
    await scores.record({ spanId: 'ffffffffffffffff', scorer: 'j', scorerVersion: 'v1', source: 'judge', status: 'ok', score: 1, workload, model: 'a' });
    // Same created_at for ten rows: the cursor must not skip or repeat them at a page edge.
    await handle.pool.query(`update scores set created_at = '2030-01-01T00:00:00.123456Z' where workload = $1 and scorer = 'j' and score < 0.4`, [workload]);

    const batches: ScoredSpan[][] = [];
    for await (const batch of repo.stream({ workload }, 4)) batches.push(batch);
    const streamed = batches.flat();
    expect(batches.every((b) => b.length <= 4)).toBe(true);
    expect(streamed).toHaveLength(25);
    expect(new Set(streamed.map((r) => r.scoreId)).size).toBe(25);
    const first = streamed.find((r) => r.spanId === rows[3].spanId);
    expect(first).toMatchObject({ workload, model: 'a', source: 'judge', scorer: 'j', score: 3 / 25, latencyMs: 103, costUsd: 0.001, origin: 'live', inputTokens: 12, outputTokens: 34 });
    expect(first?.requestBody).toEqual({ model: 'auto', messages: [{ role: 'user', content: 'q3' }] });

    const mark = await repo.watermark({ workload });
    expect(mark.count).toBe(26);
    expect(mark.latest).toMatch(/^2030-01-01 00:00:00\.123456/);
    expect(await repo.watermark({ workload, until: new Date('2020-01-01') })).toEqual({ latest: null, count: 0 });
  });

  it('sums judge and golden pairs on the same span per workload', async () => {
    const workload = freshWorkload();
    const rows = [buildSpanRow({ workload, model: 'a' }), buildSpanRow({ workload, model: 'a' })];
    await handle.db.insert(spans).values(rows);
    const pair = (spanId: string, judge: number, golden: number) => [
      { spanId, scorer: 'j', scorerVersion: 'v1', source: 'judge' as const, status: 'ok' as const, score: judge, workload, model: 'a' },
      { spanId, scorer: 'exact', scorerVersion: 'v1', source: 'golden' as const, status: 'ok' as const, score: golden, workload, model: 'a' },
    ];
    await scores.recordMany([...pair(rows[0].spanId, 0.9, 1), ...pair(rows[1].spanId, 0.5, 0)]);
    const moments = (await repo.judgeGoldenMoments({ workload })).find((m) => m.workload === workload);
    expect(moments).toEqual({ workload, n: 2, sumJudge: 1.4, sumGolden: 1, sumJudge2: 0.81 + 0.25, sumGolden2: 1, sumJudgeGolden: 0.9 });
  });
});
