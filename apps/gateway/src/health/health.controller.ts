import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { SpanRepository } from '@switchyard/db';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../infra/infra.tokens.js';
import { JudgeSampler, type SamplingStats } from '../evaluation/judge-sampler.service.js';
import { SpanWriter } from '../spans/span-writer.service.js';

const withTimeout = async (p: Promise<unknown>, ms: number): Promise<boolean> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)))]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
};

@Controller()
export class HealthController {
  constructor(
    private readonly spans: SpanRepository,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly writer: SpanWriter,
    private readonly sampler: JudgeSampler,
  ) {}

  @Get()
  root(): { name: string; status: string; docs: string } {
    return { name: 'switchyard', status: 'ok', docs: 'OpenAI-compatible API under /v1' };
  }

  /** Liveness: the process serves HTTP. Dependencies are readiness's business. */
  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ status: string; checks: Record<string, string>; spans: ReturnType<SpanWriter['stats']>; sampling: SamplingStats }> {
    const [db, redis] = await Promise.all([withTimeout(this.spans.ping(), 1_000), withTimeout(this.redis.ping(), 1_000)]);
    const ready = db && redis;
    void reply.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not_ready', checks: { database: db ? 'ok' : 'unreachable', redis: redis ? 'ok' : 'unreachable' }, spans: this.writer.stats(), sampling: this.sampler.snapshot() };
  }
}
