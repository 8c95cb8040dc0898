import { randomBytes } from 'node:crypto';
import { buildSpanRow, createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from './database.client.js';
import { ReplaySampleRepository } from './replay-sample.repository.js';
import { spans } from './tables/index.js';

const freshWorkload = (): string => `wl-${randomBytes(5).toString('hex')}`;
const body = (i: number) => ({ model: 'auto', messages: [{ role: 'user', content: `q${i}` }] });

describe('ReplaySampleRepository against Postgres', () => {
  let handle: DatabaseHandle;
  let repo: ReplaySampleRepository;

  beforeAll(() => {
    handle = createTestDatabase({ max: 2 });
    repo = new ReplaySampleRepository(handle.db);
  });

  afterAll(async () => {
    await handle.close();
  });

  it('keeps the newest replayable requests per workload since a time, and leaves out the rest', async () => {
    const [a, b] = [freshWorkload(), freshWorkload()];
    const base = Date.now() - 60_000;
    const at = (s: number): Date => new Date(base + s * 1_000);
    const keepA = Array.from({ length: 5 }, (_, i) => buildSpanRow({ workload: a, redaction: 'full', requestBody: body(i), startedAt: at(i) }));
    const keepB = [buildSpanRow({ workload: b, redaction: 'full', requestBody: body(9), startedAt: at(1) })];
    const left = [
      buildSpanRow({ workload: a, redaction: 'full', requestBody: body(20), startedAt: new Date(base - 3_600_000) }),
      buildSpanRow({ workload: a, requestBody: null, startedAt: at(10) }),
      buildSpanRow({ workload: a, redaction: 'full', requestBody: body(21), startedAt: at(11), internal: true }),
      buildSpanRow({ workload: a, redaction: 'full', requestBody: body(22), startedAt: at(12), origin: 'shadow' }),
      buildSpanRow({ workload: a, redaction: 'full', requestBody: body(23), startedAt: at(13), status: 'error', httpStatus: 502 }),
      buildSpanRow({ workload: a, redaction: 'full', requestBody: body(24), startedAt: at(14), operation: 'embeddings' }),
    ];
    await handle.db.insert(spans).values([...keepA, ...keepB, ...left]);

    const rows = (await repo.recent({ since: new Date(base - 1_000), perWorkload: 3 })).filter((r) => r.workload === a || r.workload === b);
    expect(rows.filter((r) => r.workload === a).map((r) => r.spanId)).toEqual([keepA[4].spanId, keepA[3].spanId, keepA[2].spanId]);
    expect(rows.filter((r) => r.workload === b)).toEqual([{ spanId: keepB[0].spanId, workload: b, requestBody: body(9) }]);
  });
});
