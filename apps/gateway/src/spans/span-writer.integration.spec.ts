import { createDatabase, type DatabaseHandle, type NewSpanRow, SpanRepository } from '@switchyard/db';
import { buildSpanRow, createTestDatabase, startTcpProxy, type TcpProxy, testDatabaseUrl } from '@switchyard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SpanWriter, type SpanWriterOptions } from './span-writer.service.js';

const silentLogger = { log: (): void => {}, warn: (): void => {}, error: (): void => {} };

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const rows = (n: number): NewSpanRow[] => Array.from({ length: n }, () => buildSpanRow());
const ids = (list: NewSpanRow[]): string[] => list.map((r) => r.spanId);

describe('SpanWriter against Postgres', () => {
  /** Direct connection used to check what actually landed. */
  let direct: DatabaseHandle;
  let spans: SpanRepository;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(() => {
    direct = createTestDatabase();
    spans = new SpanRepository(direct.db);
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    await direct.close();
  });

  const writerOn = (handle: DatabaseHandle, options: SpanWriterOptions): SpanWriter => {
    const writer = new SpanWriter(new SpanRepository(handle.db), { drainTimeoutMs: 2_000, ...options }, silentLogger);
    cleanups.push(() => writer.drain(2_000));
    return writer;
  };

  /** A pool that reaches the test database through a proxy the test can cut. */
  const proxied = async (): Promise<{ proxy: TcpProxy; handle: DatabaseHandle }> => {
    const target = new URL(testDatabaseUrl());
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    // A short connect timeout so an unreachable database fails a flush quickly instead of hanging it.
    const handle = createDatabase(proxy.urlFor(testDatabaseUrl()), { max: 2, connectionTimeoutMillis: 300 });
    cleanups.push(() => proxy.close());
    cleanups.push(() => handle.close());
    return { proxy, handle };
  };

  it('persists 10,000 spans enqueued in a tight loop, none lost', async () => {
    const handle = createTestDatabase({ max: 4 });
    cleanups.push(() => handle.close());
    const writer = writerOn(handle, {});
    const input = rows(10_000);

    for (const row of input) writer.enqueue(row);
    // Nothing was written while the loop ran: enqueue only buffers.
    expect(writer.stats()).toMatchObject({ buffered: 10_000, written: 0 });

    await until(async () => (await spans.countByIds(ids(input))) === 10_000);
    await until(() => writer.stats().written === 10_000);
    expect(writer.stats()).toMatchObject({ buffered: 0, dropped: 0, failedFlushes: 0 });
  });

  it('keeps spans while Postgres is unreachable and writes them all once it is back', async () => {
    const { proxy, handle } = await proxied();
    const writer = writerOn(handle, { flushIntervalMs: 20 });
    // Warm the pool, so the outage also breaks connections it holds idle.
    await new SpanRepository(handle.db).ping();

    proxy.pause('hold');
    const input = rows(500);
    for (const row of input) writer.enqueue(row);
    expect(writer.stats()).toMatchObject({ buffered: 500, written: 0 });

    await until(() => writer.stats().failedFlushes >= 2);
    expect(await spans.countByIds(ids(input))).toBe(0);
    expect(writer.stats().lastError).toBeTruthy();

    proxy.resume();
    await until(async () => (await spans.countByIds(ids(input))) === 500, 10_000);
    expect(writer.stats()).toMatchObject({ buffered: 0, written: 500, dropped: 0 });
  });

  it('when the buffer overflows during an outage, drops the oldest and keeps the newest', async () => {
    const { proxy, handle } = await proxied();
    const writer = writerOn(handle, { flushIntervalMs: 20, batchSize: 20, maxBufferedRows: 50 });

    proxy.pause('refuse');
    const input = rows(300);
    for (const row of input) writer.enqueue(row);
    expect(writer.stats()).toMatchObject({ buffered: 50, dropped: 250 });
    await until(() => writer.stats().failedFlushes >= 2);

    proxy.resume();
    const newest = ids(input.slice(250));
    await until(async () => (await spans.countByIds(newest)) === 50, 10_000);
    expect(await spans.countByIds(ids(input.slice(0, 250)))).toBe(0);
    expect(writer.stats()).toMatchObject({ buffered: 0, written: 50, dropped: 250 });
  });
});
