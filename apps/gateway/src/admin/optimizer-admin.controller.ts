import { Controller, HttpCode, Inject, type OnApplicationShutdown, Post } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import { OptimizerQueue, requestRefit } from '@switchyard/queue';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { OpenAiHttpError } from '../errors/openai-error.js';
import { REDIS_CLIENT } from '../infra/infra.tokens.js';
import { AdminRoute } from './admin-key.guard.js';

/** The optimizer runs apart; this asks it for a refit now instead of at its next scheduled one. */
@Controller('admin/optimizer')
@AdminRoute()
export class OptimizerAdminController implements OnApplicationShutdown {
  private readonly queue: Queue;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(REDIS_CLIENT) redis: Redis) {
    this.queue = new Queue(OptimizerQueue.name, { connection: redis, prefix: config.redisPrefix });
    this.queue.on('error', () => undefined);
  }

  /** 202: queued (or already waiting); the optimizer refits and then proposes. */
  @Post('refit')
  @HttpCode(202)
  async refit(): Promise<{ object: 'optimizer.refit'; queued: true; jobId: string }> {
    try {
      await requestRefit(this.queue, true);
    } catch (err) {
      throw new OpenAiHttpError(503, `Cannot request a refit: Redis is unavailable (${(err as Error).message}).`, 'server_error', 'queue_unavailable', null);
    }
    return { object: 'optimizer.refit', queued: true, jobId: OptimizerQueue.onDemandJobId };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
