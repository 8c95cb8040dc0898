import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import type { JudgeJob } from '@switchyard/contracts';
import type { NewSpanRow } from '@switchyard/db';
import { JudgeQueue } from '@switchyard/queue';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../infra/infra.tokens.js';
import { SpanWriter } from '../spans/span-writer.service.js';
import type { CallRecord, CallSampling } from '../tracing/call-record.js';

export interface SamplingStats {
  /** Judge jobs handed to Redis. */
  enqueued: number;
  /** Sampled spans whose judge job could not be enqueued (Redis down): lost to evaluation, never to the client. */
  dropped: number;
}

const DROP_LOG_INTERVAL_MS = 10_000;

/** A span id's position in [0, 1): span ids are random, so this is a fair, replayable coin. */
const spanFraction = (spanId: string, salt = 0): number => ((Number.parseInt(spanId.slice(0, 8), 16) ^ salt) >>> 0) / 0x1_0000_0000;
const SHADOW_SALT = 0x5bd1e995;

/**
 * Decides which live calls get judged, deterministically by span id and at the workload's rate
 * (the canary's when the call took the canary side), and enqueues a judge job once the span is in
 * Postgres. Enqueueing never blocks or fails a request: with Redis down, jobs are counted and dropped.
 */
@Injectable()
export class JudgeSampler implements OnApplicationShutdown {
  private readonly logger = new Logger(JudgeSampler.name);
  private readonly queue: Queue<JudgeJob>;
  private readonly stats: SamplingStats = { enqueued: 0, dropped: 0 };
  private droppedSinceLog = 0;
  private lastDropLogAt = Number.NEGATIVE_INFINITY;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig, @Inject(REDIS_CLIENT) redis: Redis, writer: SpanWriter) {
    this.queue = new Queue<JudgeJob>(JudgeQueue.name, { connection: redis, prefix: config.redisPrefix });
    this.queue.on('error', (e: Error) => this.logger.debug(`judge queue: ${e.message}`));
    writer.onPersisted((rows) => this.enqueueSampled(rows));
  }

  snapshot(): SamplingStats {
    return { ...this.stats };
  }

  /**
   * Whether this ended call is judged (and shadowed). Only successful live chat calls that reached a
   * model are: never the gateway's own, nor cache hits (their answer was judged, if at all, when first made).
   */
  decide(spanId: string, record: CallRecord): CallSampling | undefined {
    const decision = record.plan?.decision;
    if (record.provenance.origin !== 'live' || record.status !== 'ok' || record.operation !== 'chat' || record.cache || !decision) return undefined;
    const ev = decision.evaluation;
    const rate = decision.canary?.arm === 'canary' ? ev.canarySampleRate : ev.sampleRate;
    if (!(spanFraction(spanId) < rate)) return undefined;
    const shadowed = ev.shadow.rate > 0 && spanFraction(spanId, SHADOW_SALT) < ev.shadow.rate;
    if (!shadowed) return { rubric: ev.rubric };
    // The models this call could have gone to, other than the one that answered: what exploration is for.
    const served = record.target?.model.id;
    const considered = ev.shadow.models ?? [...decision.ranked.map((r) => r.model), ...decision.fallbacks, ...decision.excluded.map((e) => e.model)];
    const models = [...new Set(considered)].filter((m) => m !== served);
    return models.length ? { rubric: ev.rubric, shadow: { k: ev.shadow.k, models } } : { rubric: ev.rubric };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }

  private enqueueSampled(rows: readonly NewSpanRow[]): void {
    const { attempts, backoffMs } = this.config.evaluation.queues.judge;
    for (const row of rows) {
      const sampling = row.metadata?.['sampling'] as CallSampling | undefined;
      if (!sampling) continue;
      const job: JudgeJob = { spanId: row.spanId, rubric: sampling.rubric, ...(sampling.shadow && { shadow: sampling.shadow }) };
      this.queue.add('judge', job, { ...JudgeQueue.defaults(attempts, backoffMs), jobId: JudgeQueue.jobId(row.spanId, sampling.rubric) }).then(
        () => this.stats.enqueued++,
        (err: unknown) => this.countDrop(err),
      );
    }
  }

  private countDrop(err: unknown): void {
    this.stats.dropped++;
    this.droppedSinceLog++;
    const now = Date.now();
    if (now - this.lastDropLogAt >= DROP_LOG_INTERVAL_MS) {
      this.logger.warn(`judge enqueue failed, ${this.droppedSinceLog} sampled span(s) dropped from evaluation: ${(err as Error).message}`);
      this.droppedSinceLog = 0;
      this.lastDropLogAt = now;
    }
  }
}
