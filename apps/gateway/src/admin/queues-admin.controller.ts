import { Controller, Get, Inject, type OnApplicationShutdown, Param, Query } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import { QueueName } from '@switchyard/queue';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { OpenAiHttpError } from '../errors/openai-error.js';
import { REDIS_CLIENT } from '../infra/infra.tokens.js';
import { AdminRoute } from './admin-key.guard.js';

interface FailedJob {
  id: string | undefined;
  name: string;
  data: unknown;
  failedReason: string;
  attemptsMade: number;
  enqueuedAt: string;
  finishedAt: string | null;
}

const INSPECTABLE: readonly string[] = [QueueName.Judge, QueueName.Golden, QueueName.Shadow];

/** Failed evaluation jobs stay in Redis (see each queue's removeOnFail); this lists them for inspection. */
@Controller('admin/queues')
@AdminRoute()
export class QueuesAdminController implements OnApplicationShutdown {
  private readonly queues = new Map<string, Queue>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  @Get(':name/failed')
  async failed(@Param('name') name: string, @Query('limit') limit?: string): Promise<{ object: 'list'; queue: string; total: number; data: FailedJob[] }> {
    if (!INSPECTABLE.includes(name)) throw new OpenAiHttpError(404, `No queue '${name}'; use one of ${INSPECTABLE.join(', ')}.`, 'invalid_request_error', 'queue_not_found', 'name');
    const n = Math.min(Math.max(Number(limit ?? 50) || 50, 1), 500);
    const queue = this.queue(name);
    try {
      const [total, jobs] = await Promise.all([queue.getFailedCount(), queue.getFailed(0, n - 1)]);
      return {
        object: 'list',
        queue: name,
        total,
        data: jobs.map((j) => ({
          id: j.id,
          name: j.name,
          data: j.data as unknown,
          failedReason: j.failedReason,
          attemptsMade: j.attemptsMade,
          enqueuedAt: new Date(j.timestamp).toISOString(),
          finishedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
        })),
      };
    } catch (err) {
      throw new OpenAiHttpError(503, `Redis is unavailable: ${(err as Error).message}`, 'server_error', 'redis_unavailable', null);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.redis, prefix: this.config.redisPrefix });
      q.on('error', () => undefined);
      this.queues.set(name, q);
    }
    return q;
  }
}
