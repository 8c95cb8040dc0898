import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, type LoggerService, type OnModuleDestroy, Optional } from '@nestjs/common';
import { type NewSpanRow, SpanRepository } from '@switchyard/db';

/** What the writer needs from storage; the real one is `SpanRepository`. */
export interface SpanSink {
  insertMany(rows: NewSpanRow[]): Promise<number>;
}

export interface SpanWriterOptions {
  flushIntervalMs?: number;
  /** Rows per insert; a full batch is flushed at once instead of waiting for the interval. */
  batchSize?: number;
  /** Rows waiting to be written; beyond it the oldest are dropped. */
  maxBufferedRows?: number;
  /** Cap on the retry backoff while Postgres is unreachable. */
  maxBackoffMs?: number;
  /** How long shutdown waits for the buffer to drain. */
  drainTimeoutMs?: number;
}

export interface SpanWriterStats {
  /** Waiting plus in flight. */
  buffered: number;
  written: number;
  /** Dropped, oldest first, because the buffer was full. */
  dropped: number;
  /** Refused by Postgres as invalid (constraint or data errors); retrying cannot help. */
  rejected: number;
  failedFlushes: number;
  lastError?: string;
}

export const SPAN_WRITER_OPTIONS = Symbol('SPAN_WRITER_OPTIONS');

type WriterLogger = Pick<LoggerService, 'log' | 'warn' | 'error'>;

const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * SQLSTATE classes 22 (data exception) and 23 (integrity constraint) mean a row itself is bad:
 * retrying the batch would wedge the queue behind it forever.
 */
function isBadRowError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23)/.test(code);
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Buffers span rows in memory and writes them in batches, off the request path: `enqueue` is
 * synchronous and never waits on or fails because of Postgres. While Postgres is unreachable the
 * rows stay buffered (bounded, oldest dropped first) and writes are retried with backoff.
 */
@Injectable()
export class SpanWriter implements OnModuleDestroy {
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxBufferedRows: number;
  private readonly maxBackoffMs: number;
  private readonly drainTimeoutMs: number;
  private readonly logger: WriterLogger;

  private readonly pending = new RowQueue<NewSpanRow>();
  private inFlightRows = 0;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;

  private written = 0;
  private dropped = 0;
  private rejected = 0;
  private failedFlushes = 0;
  private consecutiveFailures = 0;
  private lastError: string | undefined;
  private droppedSinceLog = 0;
  private readonly persistedListeners: ((rows: readonly NewSpanRow[]) => void)[] = [];
  private lastDropLogAt = Number.NEGATIVE_INFINITY;

  constructor(
    @Inject(SpanRepository) private readonly repository: SpanSink,
    @Optional() @Inject(SPAN_WRITER_OPTIONS) options: SpanWriterOptions = {},
    @Optional() @Inject(Logger) logger?: WriterLogger,
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.batchSize = options.batchSize ?? 500;
    this.maxBufferedRows = options.maxBufferedRows ?? 50_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 2_000;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 5_000;
    this.logger = logger ?? new Logger(SpanWriter.name);
  }

  /** Called with each batch once it is in Postgres (rows Postgres refused are left out). Listeners must not throw. */
  onPersisted(listener: (rows: readonly NewSpanRow[]) => void): void {
    this.persistedListeners.push(listener);
  }

  enqueue(row: NewSpanRow): void {
    if (this.pending.size >= this.maxBufferedRows) this.drop(this.pending.size - this.maxBufferedRows + 1);
    this.pending.push(row);
    this.schedule();
  }

  stats(): SpanWriterStats {
    return {
      buffered: this.pending.size + this.inFlightRows,
      written: this.written,
      dropped: this.dropped,
      rejected: this.rejected,
      failedFlushes: this.failedFlushes,
      lastError: this.lastError,
    };
  }

  /**
   * Writes until the buffer is empty, ignoring any retry backoff. Rejects with the write error if
   * Postgres fails; the rows stay buffered and the regular retries carry on.
   */
  async flushNow(): Promise<void> {
    for (;;) {
      while (this.flushing) await this.flushing;
      if (this.pending.size === 0) return;
      const error = await this.flush();
      if (error) throw error;
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.drain(this.drainTimeoutMs);
  }

  /**
   * Flushes until the buffer is empty or the timeout passes. Rows still buffered then are reported,
   * not dropped: the process is usually about to exit, and if it is not the retries carry on.
   */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const attempts = (async () => {
      while (Date.now() < deadline) {
        try {
          await this.flushNow();
          return;
        } catch {
          await sleep(Math.max(0, Math.min(this.backoffMs(), deadline - Date.now())));
        }
      }
    })();
    let deadlineTimer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      deadlineTimer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([attempts, expired]);
    clearTimeout(deadlineTimer);
    const left = this.pending.size + this.inFlightRows;
    if (left > 0) this.logger.error(`shutdown: ${left} span rows not written after ${timeoutMs} ms (last error: ${this.lastError ?? 'none'})`);
  }

  /** Starts a flush soon: at once for a full batch, after the interval otherwise, after the backoff while failing. */
  private schedule(): void {
    if (this.flushing || this.pending.size === 0) return;
    if (this.consecutiveFailures > 0) {
      this.timer ??= setTimeout(this.onTimer, this.backoffMs()).unref();
      return;
    }
    if (this.pending.size >= this.batchSize) {
      this.immediate ??= setImmediate(this.onTimer).unref();
      return;
    }
    this.timer ??= setTimeout(this.onTimer, this.flushIntervalMs).unref();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    if (!this.flushing) void this.flush();
  };

  /** Writes one batch; the only caller of the repository. Resolves with the error rather than rejecting. */
  private flush(): Promise<Error | undefined> {
    this.clearTimers();
    const batch = this.pending.take(this.batchSize);
    this.inFlightRows = batch.length;
    const done = this.write(batch).then(
      (rejected) => {
        this.written += batch.length - rejected;
        this.rejected += rejected;
        this.onWriteSucceeded();
        return undefined;
      },
      (error: unknown) => {
        this.onWriteFailed(batch, error);
        return error instanceof Error ? error : new Error(String(error));
      },
    );
    const settled = done.then(() => {
      this.inFlightRows = 0;
      this.flushing = undefined;
      this.schedule();
    });
    this.flushing = settled;
    return done.then((error) => settled.then(() => error));
  }

  /**
   * Inserts the batch and returns how many rows Postgres refused as invalid: such a batch is halved
   * until the bad rows are isolated and skipped. Resending a half that already landed is harmless,
   * since span ids are the key.
   */
  private async write(batch: NewSpanRow[]): Promise<number> {
    try {
      await this.repository.insertMany(batch);
      for (const listener of this.persistedListeners) {
        try {
          listener(batch);
        } catch (error) {
          this.logger.error(`span persisted-listener failed: ${messageOf(error)}`);
        }
      }
      return 0;
    } catch (error) {
      if (!isBadRowError(error)) throw error;
      if (batch.length === 1) {
        this.logger.error(`span row ${batch[0]?.spanId ?? '?'} rejected by Postgres: ${messageOf(error)}`);
        return 1;
      }
      const half = Math.ceil(batch.length / 2);
      return (await this.write(batch.slice(0, half))) + (await this.write(batch.slice(half)));
    }
  }

  private onWriteSucceeded(): void {
    if (this.consecutiveFailures > 0) {
      this.logger.log(`span writes recovered after ${this.consecutiveFailures} failed flushes; ${this.pending.size} rows still buffered`);
      // The outage's drops in full, including those the rate limit held back.
      this.reportDrops(true);
    }
    this.consecutiveFailures = 0;
  }

  private onWriteFailed(batch: NewSpanRow[], error: unknown): void {
    this.failedFlushes++;
    this.consecutiveFailures++;
    this.lastError = messageOf(error);
    // Back at the front, so the buffer stays in arrival order and drop-oldest drops these first.
    this.pending.unshiftAll(batch);
    if (this.pending.size > this.maxBufferedRows) this.drop(this.pending.size - this.maxBufferedRows);
    if (this.consecutiveFailures === 1) {
      this.logger.warn(`span writes failing, buffering and retrying: ${this.lastError}`);
    }
  }

  private drop(count: number): void {
    const n = this.pending.dropOldest(count);
    this.dropped += n;
    this.droppedSinceLog += n;
    this.reportDrops();
  }

  private reportDrops(force = false): void {
    if (this.droppedSinceLog === 0) return;
    const now = Date.now();
    if (!force && now - this.lastDropLogAt < DROP_LOG_INTERVAL_MS) return;
    this.logger.warn(`span buffer full (${this.maxBufferedRows} rows): dropped the ${this.droppedSinceLog} oldest rows (${this.dropped} in total)`);
    this.droppedSinceLog = 0;
    this.lastDropLogAt = now;
  }

  private backoffMs(): number {
    const exponent = Math.min(Math.max(this.consecutiveFailures - 1, 0), 16);
    return Math.min(this.maxBackoffMs, this.flushIntervalMs * 2 ** exponent);
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}

/** FIFO with O(1) amortised push/take at the ends; `Array#shift` would copy on every dropped row. */
class RowQueue<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  take(count: number): T[] {
    const out = this.items.slice(this.head, this.head + count);
    this.head += out.length;
    this.compact();
    return out;
  }

  unshiftAll(rows: T[]): void {
    if (rows.length <= this.head) {
      this.head -= rows.length;
      for (let i = 0; i < rows.length; i++) this.items[this.head + i] = rows[i];
    } else {
      this.items = rows.concat(this.items.slice(this.head));
      this.head = 0;
    }
  }

  dropOldest(count: number): number {
    const n = Math.min(count, this.size);
    this.head += n;
    this.compact();
    return n;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1_024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
