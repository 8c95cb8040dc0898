import { randomBytes } from 'node:crypto';
import { buildSpanRow, createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from './database.client.js';
import { SpanRepository } from './span.repository.js';

describe('SpanRepository against Postgres', () => {
  let handle: DatabaseHandle;
  let repo: SpanRepository;

  beforeAll(() => {
    handle = createTestDatabase({ max: 2 });
    repo = new SpanRepository(handle.db);
  });

  afterAll(async () => {
    await handle.close();
  });

  it('finds live chat spans with a stored request body, oldest first, by workload, model, status and time', async () => {
    const workload = `wl-${randomBytes(5).toString('hex')}`;
    const t0 = Date.now() - 60_000;
    const at = (s: number): Date => new Date(t0 + s * 1_000);
    const body = { model: 'gpt-a', messages: [{ role: 'user', content: 'hi' }] };
    const rows = [
      buildSpanRow({ workload, startedAt: at(2), requestBody: body, redaction: 'full', model: 'gpt-a' }),
      buildSpanRow({ workload, startedAt: at(1), requestBody: body, redaction: 'full', model: 'gpt-b' }),
      buildSpanRow({ workload, startedAt: at(3), requestBody: body, redaction: 'full', model: 'gpt-a', status: 'error' }),
      // Never eligible: no body, not chat, not live, internal.
      buildSpanRow({ workload, startedAt: at(4), requestBody: null, model: 'gpt-a' }),
      buildSpanRow({ workload, startedAt: at(5), requestBody: body, operation: 'embeddings', model: 'gpt-a' }),
      buildSpanRow({ workload, startedAt: at(6), requestBody: body, origin: 'judge', model: 'gpt-a' }),
      buildSpanRow({ workload, startedAt: at(7), requestBody: body, internal: true, model: 'gpt-a' }),
    ];
    await repo.insertMany(rows);
    const ids = (spans: { spanId: string }[]) => spans.map((s) => s.spanId);

    expect(ids(await repo.findForDataset(null, { workload, limit: 100 }))).toEqual([rows[1].spanId, rows[0].spanId, rows[2].spanId]);
    expect(ids(await repo.findForDataset(null, { workload, model: 'gpt-a', limit: 100 }))).toEqual([rows[0].spanId, rows[2].spanId]);
    expect(ids(await repo.findForDataset(null, { workload, status: 'ok', limit: 100 }))).toEqual([rows[1].spanId, rows[0].spanId]);
    expect(ids(await repo.findForDataset(null, { workload, since: at(2), until: at(3), limit: 100 }))).toEqual([rows[0].spanId]);
    expect(ids(await repo.findForDataset(null, { workload, limit: 1 }))).toEqual([rows[1].spanId]);
  });

  it("keeps a tenant to its own spans: by id, by ids and for datasets; no scope sees all", async () => {
    const workload = `wl-${randomBytes(5).toString('hex')}`;
    const [a, b] = [`tn_a${randomBytes(6).toString('hex')}`, `tn_b${randomBytes(6).toString('hex')}`];
    const body = { model: 'gpt-a', messages: [{ role: 'user', content: 'hi' }] };
    const [ofA, ofB, ofNone] = [
      buildSpanRow({ workload, tenant: a, requestBody: body, redaction: 'full' }),
      buildSpanRow({ workload, tenant: b, requestBody: body, redaction: 'full' }),
      buildSpanRow({ workload, tenant: null, requestBody: body, redaction: 'full' }),
    ];
    await repo.insertMany([ofA, ofB, ofNone]);
    const ids = (spans: { spanId: string }[]) => spans.map((s) => s.spanId).sort();

    expect((await repo.findScoped(a, ofA.spanId))?.spanId).toBe(ofA.spanId);
    expect(await repo.findScoped(a, ofB.spanId)).toBeUndefined();
    expect(await repo.findScoped(a, ofNone.spanId)).toBeUndefined();
    expect((await repo.findScoped(null, ofB.spanId))?.spanId).toBe(ofB.spanId);
    expect(ids(await repo.findManyScoped(b, [ofA.spanId, ofB.spanId, ofNone.spanId]))).toEqual([ofB.spanId]);
    expect(ids(await repo.findManyScoped(null, [ofA.spanId, ofB.spanId, ofNone.spanId]))).toEqual(ids([ofA, ofB, ofNone]));
    expect(ids(await repo.findForDataset(a, { workload, limit: 100 }))).toEqual([ofA.spanId]);
    expect(ids(await repo.findForDataset(null, { workload, limit: 100 }))).toEqual(ids([ofA, ofB, ofNone]));
  });

  it('sums a golden run\'s cost per model over every call and takes latency quantiles over the successful ones', async () => {
    const runId = `gr_${randomBytes(6).toString('hex')}`;
    const rows = [
      ...[100, 200, 300, 400, 500].map((latencyMs) => buildSpanRow({ runId, origin: 'golden', internal: true, model: 'gpt-a', latencyMs, costUsd: 0.001 })),
      buildSpanRow({ runId, origin: 'golden', internal: true, model: 'gpt-a', latencyMs: 9_000, costUsd: 0.0005, status: 'error', httpStatus: 500 }),
      buildSpanRow({ runId, origin: 'golden', internal: true, model: 'gpt-b', latencyMs: 50, costUsd: null }),
      buildSpanRow({ runId, origin: 'golden', internal: true, model: null, latencyMs: 1, status: 'error', httpStatus: 503 }),
      buildSpanRow({ origin: 'live', model: 'gpt-a', latencyMs: 7, costUsd: 1 }),
    ];
    await repo.insertMany(rows);
    const stats = await repo.runStats(runId);
    expect(stats.map((s) => s.model)).toEqual(['gpt-a', 'gpt-b']);
    expect(stats[0]).toMatchObject({ calls: 6, okCalls: 5, latencyP50Ms: 300 });
    expect(stats[0]?.costUsd).toBeCloseTo(0.0055, 12);
    expect(stats[0]?.latencyP95Ms).toBeCloseTo(480, 9);
    expect(stats[1]).toEqual({ model: 'gpt-b', calls: 1, okCalls: 1, costUsd: null, latencyP50Ms: 50, latencyP95Ms: 50 });
    expect(await repo.runStats('gr_none')).toEqual([]);
  });

  it('counts live client chat requests per workload in a window, whatever their status, with the first and last start', async () => {
    const a = `wl-${randomBytes(5).toString('hex')}`;
    const b = `wl-${randomBytes(5).toString('hex')}`;
    const t0 = new Date('2031-03-01T00:00:00.000Z').getTime();
    const at = (h: number): Date => new Date(t0 + h * 3_600_000);
    await repo.insertMany([
      buildSpanRow({ workload: a, startedAt: at(1) }),
      buildSpanRow({ workload: a, startedAt: at(5), status: 'error', httpStatus: 502 }),
      buildSpanRow({ workload: a, startedAt: at(30) }),
      buildSpanRow({ workload: b, startedAt: at(2) }),
      // Not counted: outside the window, not live, internal, embeddings.
      buildSpanRow({ workload: a, startedAt: at(-1) }),
      buildSpanRow({ workload: a, startedAt: at(48) }),
      buildSpanRow({ workload: a, startedAt: at(3), origin: 'judge' }),
      buildSpanRow({ workload: a, startedAt: at(3), internal: true }),
      buildSpanRow({ workload: a, startedAt: at(3), operation: 'embeddings' }),
    ]);
    const volume = await repo.liveVolume({ since: at(0), until: at(48) });
    expect(volume.filter((v) => v.workload === a || v.workload === b).sort((x, y) => x.requests - y.requests)).toEqual([
      { workload: b, requests: 1, firstAt: at(2), lastAt: at(2) },
      { workload: a, requests: 3, firstAt: at(1), lastAt: at(30) },
    ]);
  });
});
