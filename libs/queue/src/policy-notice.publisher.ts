import type { Redis } from 'ioredis';

/** The pub/sub channel on which an environment's activations are announced. */
export const policyChannel = (redisPrefix: string, environment: string): string => `${redisPrefix}:policy:${environment}`;

/** Announces activations to every gateway of an environment (the gateway's PolicySync listens). */
export class RedisPolicyPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
  ) {}

  async published(environment: string, versionId: string): Promise<void> {
    await this.redis.publish(policyChannel(this.redisPrefix, environment), JSON.stringify({ versionId }));
  }
}
