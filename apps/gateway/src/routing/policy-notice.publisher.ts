import type { Redis } from 'ioredis';
import type { PolicyPublisher } from '../admin/policy-admin.tokens.js';

/** The pub/sub channel on which an environment's activations are announced. */
export const policyChannel = (redisPrefix: string, environment: string): string => `${redisPrefix}:policy:${environment}`;

/** Announces activations to every gateway of an environment (PolicySync listens). */
export class RedisPolicyPublisher implements PolicyPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
  ) {}

  async published(environment: string, versionId: string): Promise<void> {
    await this.redis.publish(policyChannel(this.redisPrefix, environment), JSON.stringify({ versionId }));
  }
}
