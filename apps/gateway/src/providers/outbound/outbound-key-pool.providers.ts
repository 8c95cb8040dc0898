import type { FactoryProvider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import type { Redis } from 'ioredis';
import { SlidingWindowLimiter } from '../../governance/rate-limits/sliding-window.limiter.js';
import { REDIS_CLIENT } from '../../infra/infra.tokens.js';
import { OutboundKeyPool } from './outbound-key-pool.service.js';

/** The key pool on the gateway's Redis, with a key's 429 cool-down bounded like a deployment's. */
export const outboundKeyPoolProvider: FactoryProvider<OutboundKeyPool> = {
  provide: OutboundKeyPool,
  useFactory: (redis: Redis, config: AppConfig) =>
    new OutboundKeyPool(new SlidingWindowLimiter(redis), {
      redisPrefix: config.redisPrefix,
      rateLimitCooldownMs: config.liveState.rateLimitCooldownMs,
      maxCooldownMs: config.liveState.maxCooldownMs,
    }),
  inject: [REDIS_CLIENT, APP_CONFIG],
};
