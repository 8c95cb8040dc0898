import { buildSpanRow, createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryMeasurementRepository } from './canary-measurement.repository.js';
import type { DatabaseHandle } from './database.client.js';
import { ScoreRepository } from './score.repository.js';
import { SpanRepository } from './span.repository.js';

describe('CanaryMeasurementRepository (real Postgres)', () => {
  let handle: DatabaseHandle;
  beforeAll(() => {
    handle = createTestDatabase({ max: 2 });
  });
  afterAll(async () => {
    await handle.close();
  });

  it('aggregates calls, errors, judge scores and p95 latency per arm of one canary step', async () => {
    const version = `pv_measure_${Date.now()}`;
    const since = new Date(Date.now() - 60_000);
    const routing = (arm: 'canary' | 'control', name = 'pd_m') => ({ routing: { canary: { name, arm } } });
    const rows = [
      // control: 4 calls, 1 error, scores 1, 0.5, 0 on the ok ones
      ...[100, 200, 300].map((latencyMs) => buildSpanRow({ policyVersion: version, latencyMs, metadata: routing('control') })),
      buildSpanRow({ policyVersion: version, status: 'error', httpStatus: 502, latencyMs: 50, metadata: routing('control') }),
      // canary: 2 calls, scores 1 and 1
      ...[400, 500].map((latencyMs) => buildSpanRow({ policyVersion: version, latencyMs, metadata: routing('canary') })),
      // not this step: another canary, another version, an internal call, too old
      buildSpanRow({ policyVersion: version, metadata: routing('canary', 'pd_other') }),
      buildSpanRow({ policyVersion: 'pv_else', metadata: routing('canary') }),
      buildSpanRow({ policyVersion: version, origin: 'judge', internal: true, metadata: routing('canary') }),
      // A response-cache hit: free and instant, not a measurement of the arm's model.
      buildSpanRow({ policyVersion: version, latencyMs: 1, costUsd: 0, metadata: { ...routing('canary'), cache: 'exact' } }),
      buildSpanRow({ policyVersion: version, startedAt: new Date(Date.now() - 3_600_000), metadata: routing('canary') }),
    ];
    await new SpanRepository(handle.db).insertMany(rows);
    const scores = new ScoreRepository(handle.db);
    const judged = [1, 0.5, 0, 1, 1];
    const scoredRows = [rows[0], rows[1], rows[2], rows[4], rows[5]];
    for (const [i, row] of scoredRows.entries()) {
      await scores.record({ spanId: row.spanId, scorer: 'judge:helpfulness', scorerVersion: '1', source: 'judge', status: 'ok', score: judged[i], workload: 'default', model: 'gpt-test' });
    }
    // A failed judge score and a feedback score do not count.
    await scores.record({ spanId: rows[4].spanId, scorer: 'judge:other', scorerVersion: '1', source: 'judge', status: 'failed', score: null, workload: 'default', model: 'gpt-test' });
    await scores.record({ spanId: rows[4].spanId, scorer: 'user-feedback', scorerVersion: '1', source: 'feedback', status: 'ok', score: 0, workload: 'default', model: 'gpt-test' });

    const m = await new CanaryMeasurementRepository(handle.db).measure(version, 'pd_m', since);
    expect(m.control).toMatchObject({ calls: 4, errors: 1, scored: 3, meanScore: 0.5 });
    expect(m.control.scoreVariance).toBeCloseTo(0.25, 12);
    expect(m.control.p95LatencyMs).toBeCloseTo(285, 6);
    expect(m.canary).toMatchObject({ calls: 2, errors: 0, scored: 2, meanScore: 1, scoreVariance: 0 });
    expect(m.canary.p95LatencyMs).toBeCloseTo(495, 6);
  });

  it('counts only the named workloads when asked: the others route alike on both arms', async () => {
    const version = `pv_measure_wl_${Date.now()}`;
    const since = new Date(Date.now() - 60_000);
    const routing = (arm: 'canary' | 'control') => ({ routing: { canary: { name: 'pd_w', arm } } });
    await new SpanRepository(handle.db).insertMany([
      buildSpanRow({ policyVersion: version, workload: 'arc', metadata: routing('canary') }),
      buildSpanRow({ policyVersion: version, workload: 'arc', metadata: routing('control') }),
      buildSpanRow({ policyVersion: version, workload: 'mbpp', metadata: routing('canary') }),
      buildSpanRow({ policyVersion: version, workload: 'wino', metadata: routing('canary') }),
    ]);
    const repo = new CanaryMeasurementRepository(handle.db);
    expect((await repo.measure(version, 'pd_w', since)).canary.calls).toBe(3);
    const arcOnly = await repo.measure(version, 'pd_w', since, ['arc']);
    expect([arcOnly.canary.calls, arcOnly.control.calls]).toEqual([1, 1]);
    expect((await repo.measure(version, 'pd_w', since, ['arc', 'mbpp'])).canary.calls).toBe(2);
  });
});
