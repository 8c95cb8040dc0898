import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import { QueueName } from '@switchyard/queue';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../infra/infra.tokens.js';

export type QueueState = 'waiting' | 'active' | 'delayed' | 'failed';
export const QUEUE_STATES: readonly QueueState[] = ['waiting', 'active', 'delayed', 'failed'];

/** One queue's job counts, or why they could not be read (Redis down or too slow). */
export type QueueDepth = { queue: string; counts: Record<QueueState, number> } | { queue: string; error: string };

export interface QueueDepthSource {
  /** Resolves within about `timeoutMs` whatever Redis does, and never rejects. */
  depths(timeoutMs: number): Promise<QueueDepth[]>;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Reads every BullMQ queue's job counts for GET /metrics; the gateway only produces to them, so it opens the queues lazily. */
@Injectable()
export class QueueDepthService implements QueueDepthSource, OnApplicationShutdown {
  private queues: Queue[] | undefined;
  private readonly pending = new Map<Queue, Promise<Record<string, number>>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  async depths(timeoutMs: number): Promise<QueueDepth[]> {
    return Promise.all(this.open().map((q) => this.depthOf(q, timeoutMs)));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all((this.queues ?? []).map((q) => q.close()));
  }

  private open(): Queue[] {
    this.queues ??= Object.values(QueueName).map((name) => {
      const q = new Queue(name, { connection: this.redis, prefix: this.config.redisPrefix });
      // Connection trouble shows as a failed read below; the client's own listener logs it.
      q.on('error', () => undefined);
      return q;
    });
    return this.queues;
  }

  /** A read still waiting on Redis from an earlier scrape is joined, not repeated: a dead Redis must not pile them up. */
  private countsOf(queue: Queue): Promise<Record<string, number>> {
    let read = this.pending.get(queue);
    if (!read) {
      read = queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
      this.pending.set(queue, read);
      // It may settle after the scrape's deadline, when nobody awaits it.
      read.catch(() => undefined).finally(() => this.pending.delete(queue));
    }
    return read;
  }

  private async depthOf(queue: Queue, timeoutMs: number): Promise<QueueDepth> {
    let timer: NodeJS.Timeout | undefined;
    // A shared client that is reconnecting makes BullMQ wait for 'ready' indefinitely: the timer bounds the scrape.
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Redis within ${timeoutMs} ms`)), timeoutMs);
    });
    const read = this.countsOf(queue);
    try {
      const c = await Promise.race([read, expired]);
      // Prioritized jobs are waiting too; BullMQ only keeps them in a separate set.
      return { queue: queue.name, counts: { waiting: (c['waiting'] ?? 0) + (c['prioritized'] ?? 0), active: c['active'] ?? 0, delayed: c['delayed'] ?? 0, failed: c['failed'] ?? 0 } };
    } catch (error) {
      return { queue: queue.name, error: messageOf(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}
