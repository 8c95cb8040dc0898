import type { NewSpanRow } from '@switchyard/db';
import { buildSpanRow } from '@switchyard/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { SpanWriter, type SpanSink, type SpanWriterOptions } from './span-writer.service.js';

/** In-memory stand-in for SpanRepository: records batches, can be taken down and can refuse rows. */
class FakeSpanSink implements SpanSink {
  readonly batches: NewSpanRow[][] = [];
  readonly stored = new Map<string, NewSpanRow>();
  down = false;
  inFlight = 0;
  maxInFlight = 0;
  isBad: (row: NewSpanRow) => boolean = () => false;

  async insertMany(rows: NewSpanRow[]): Promise<number> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      if (rows.some(this.isBad)) throw Object.assign(new Error('null value in column "workload" violates not-null constraint'), { code: '23502' });
      this.batches.push(rows);
      let inserted = 0;
      for (const row of rows) {
        if (!this.stored.has(row.spanId)) inserted++;
        this.stored.set(row.spanId, row);
      }
      return inserted;
    } finally {
      this.inFlight--;
    }
  }
}

class RecordingLogger {
  readonly lines: { level: 'log' | 'warn' | 'error'; message: string }[] = [];
  log(message: string): void {
    this.lines.push({ level: 'log', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
  count(level: 'log' | 'warn' | 'error', pattern: RegExp): number {
    return this.lines.filter((l) => l.level === level && pattern.test(l.message)).length;
  }
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const rows = (n: number, overrides: Partial<NewSpanRow> = {}): NewSpanRow[] => Array.from({ length: n }, () => buildSpanRow(overrides));

describe('SpanWriter', () => {
  const writers: SpanWriter[] = [];
  const make = (sink: SpanSink, options: SpanWriterOptions, logger = new RecordingLogger()): { writer: SpanWriter; logger: RecordingLogger } => {
    const writer = new SpanWriter(sink, { maxBackoffMs: 20, drainTimeoutMs: 1_000, ...options }, logger);
    writers.push(writer);
    return { writer, logger };
  };

  afterEach(async () => {
    await Promise.all(writers.splice(0).map((w) => w.drain(200)));
  });

  it('writes full batches at once, in order, one flush at a time', async () => {
    const sink = new FakeSpanSink();
    // An interval far beyond the test: only full batches may trigger these writes.
    const { writer } = make(sink, { flushIntervalMs: 60_000, batchSize: 500 });
    const input = rows(1_500);
    for (const row of input) writer.enqueue(row);

    await until(() => sink.stored.size === 1_500);
    expect(sink.batches.map((b) => b.length)).toEqual([500, 500, 500]);
    expect(sink.batches.flat().map((r) => r.spanId)).toEqual(input.map((r) => r.spanId));
    expect(sink.maxInFlight).toBe(1);
    expect(writer.stats()).toMatchObject({ buffered: 0, written: 1_500, dropped: 0, failedFlushes: 0 });
  });

  it('flushes a partial batch after the interval', async () => {
    const sink = new FakeSpanSink();
    const { writer } = make(sink, { flushIntervalMs: 10, batchSize: 500 });
    const input = rows(7);
    for (const row of input) writer.enqueue(row);

    await until(() => sink.stored.size === 7);
    expect(sink.batches).toHaveLength(1);
  });

  it('flushNow drains everything in batchSize chunks', async () => {
    const sink = new FakeSpanSink();
    const { writer } = make(sink, { flushIntervalMs: 60_000, batchSize: 100 });
    for (const row of rows(250)) writer.enqueue(row);

    await writer.flushNow();
    expect(sink.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(writer.stats().buffered).toBe(0);
  });

  it('keeps rows while the sink is down and writes them once it is back, logging the outage once', async () => {
    const sink = new FakeSpanSink();
    sink.down = true;
    const { writer, logger } = make(sink, { flushIntervalMs: 5, batchSize: 50 });
    const input = rows(120);
    for (const row of input) writer.enqueue(row);

    await until(() => writer.stats().failedFlushes >= 3);
    expect(writer.stats()).toMatchObject({ buffered: 120, written: 0, dropped: 0, lastError: 'connect ECONNREFUSED 127.0.0.1:5432' });

    sink.down = false;
    await until(() => writer.stats().written === 120);
    expect(sink.batches.flat().map((r) => r.spanId)).toEqual(input.map((r) => r.spanId));
    expect(logger.count('warn', /span writes failing/)).toBe(1);
    expect(logger.count('log', /recovered/)).toBe(1);
  });

  it('drops the oldest rows when the buffer is full and counts them', async () => {
    const sink = new FakeSpanSink();
    sink.down = true;
    const { writer, logger } = make(sink, { flushIntervalMs: 5, batchSize: 4, maxBufferedRows: 10 });
    const input = rows(25);
    for (const row of input) writer.enqueue(row);
    expect(writer.stats()).toMatchObject({ buffered: 10, dropped: 15 });

    // Failed batches go back to the front, so later overflow still drops the oldest first.
    await until(() => writer.stats().failedFlushes >= 2);
    for (const row of rows(3)) writer.enqueue(row);
    await until(() => writer.stats().dropped === 18);

    sink.down = false;
    await until(() => writer.stats().buffered === 0);
    const expected = [...input.slice(18)].map((r) => r.spanId);
    expect(sink.batches.flat().map((r) => r.spanId).slice(0, 7)).toEqual(expected);
    expect(writer.stats()).toMatchObject({ written: 10, dropped: 18 });
    // Logged at the first drop; the rest fall under the rate limit and are summed up on recovery.
    expect(logger.count('warn', /dropped/)).toBe(2);
    expect(logger.count('warn', /dropped the 1 oldest rows \(1 in total\)/)).toBe(1);
    expect(logger.count('warn', /dropped the 17 oldest rows \(18 in total\)/)).toBe(1);
  });

  it('skips rows Postgres refuses as invalid instead of retrying them forever', async () => {
    const sink = new FakeSpanSink();
    sink.isBad = (row) => row.workload === 'poison';
    const { writer, logger } = make(sink, { flushIntervalMs: 5, batchSize: 64 });
    const input = [...rows(30), ...rows(1, { workload: 'poison' }), ...rows(33)];
    for (const row of input) writer.enqueue(row);

    await until(() => writer.stats().buffered === 0);
    expect(sink.stored.size).toBe(63);
    expect(writer.stats()).toMatchObject({ written: 63, rejected: 1, failedFlushes: 0 });
    expect(logger.count('error', /rejected by Postgres/)).toBe(1);
  });

  it('enqueue returns without touching the sink', () => {
    const sink = new FakeSpanSink();
    const { writer } = make(sink, { flushIntervalMs: 5, batchSize: 1 });
    writer.enqueue(buildSpanRow());
    expect(sink.inFlight).toBe(0);
    expect(writer.stats().buffered).toBe(1);
  });

  it('on shutdown writes everything buffered', async () => {
    const sink = new FakeSpanSink();
    const { writer } = make(sink, { flushIntervalMs: 60_000, batchSize: 10 });
    for (const row of rows(35)) writer.enqueue(row);

    await writer.onModuleDestroy();
    expect(sink.stored.size).toBe(35);
  });

  it('gives up draining at the timeout and reports what is left', async () => {
    const sink = new FakeSpanSink();
    sink.down = true;
    const { writer, logger } = make(sink, { flushIntervalMs: 5, batchSize: 10 });
    for (const row of rows(30)) writer.enqueue(row);

    await writer.drain(100);
    expect(writer.stats()).toMatchObject({ buffered: 30, written: 0 });
    expect(logger.count('error', /shutdown: 30 span rows not written/)).toBe(1);
  });
});
