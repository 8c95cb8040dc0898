import { createTestDatabase, startTcpProxy, type TcpProxy, testDatabaseUrl } from '@switchyard/testing';
import { SpanRepository } from '@switchyard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

/** Postgres goes away under a running gateway: serving must not notice, and no span is lost. */
describe('gateway while Postgres is unreachable', () => {
  let proxy: TcpProxy;
  let h: GatewayHarness;
  beforeAll(async () => {
    const url = new URL(testDatabaseUrl());
    proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    h = await startGatewayHarness({ databaseUrl: proxy.urlFor(testDatabaseUrl()) });
  });
  afterAll(async () => {
    await h.close();
    await proxy.close();
  });

  it('keeps serving, reports not-ready, and writes the held spans once Postgres is back', async () => {
    proxy.pause('refuse');
    const spanIds: string[] = [];
    for (let i = 0; i < 40; i++) {
      const { response } = await h.client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `during outage ${i}` }], stream: i % 2 === 0 }).withResponse();
      expect(response.status).toBe(200);
      spanIds.push(response.headers.get('x-switchyard-span-id') ?? '');
    }
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { checks: { database: string }; spans: { failedFlushes: number; buffered: number } };
    expect(body.checks.database).toBe('unreachable');
    expect(body.spans.buffered + body.spans.failedFlushes).toBeGreaterThan(0);

    proxy.resume();
    // Read through a direct connection: the proxy is only the gateway's path.
    const direct = createTestDatabase();
    try {
      const spans = new SpanRepository(direct.db);
      await eventually(async () => (await spans.countByIds(spanIds)) === spanIds.length, 10_000, 'all outage spans written');
      expect((await fetch(`${h.baseUrl}/readyz`)).status).toBe(200);
    } finally {
      await direct.close();
    }
  });
});
