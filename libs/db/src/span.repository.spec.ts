import { randomBytes } from 'node:crypto';
import { buildSpanRow, createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from './database.client.js';
import { SpanRepository } from './span.repository.js';

describe('SpanRepository.findForDataset against Postgres', () => {
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

    expect(ids(await repo.findForDataset({ workload, limit: 100 }))).toEqual([rows[1].spanId, rows[0].spanId, rows[2].spanId]);
    expect(ids(await repo.findForDataset({ workload, model: 'gpt-a', limit: 100 }))).toEqual([rows[0].spanId, rows[2].spanId]);
    expect(ids(await repo.findForDataset({ workload, status: 'ok', limit: 100 }))).toEqual([rows[1].spanId, rows[0].spanId]);
    expect(ids(await repo.findForDataset({ workload, since: at(2), until: at(3), limit: 100 }))).toEqual([rows[0].spanId]);
    expect(ids(await repo.findForDataset({ workload, limit: 1 }))).toEqual([rows[1].spanId]);
  });
});
