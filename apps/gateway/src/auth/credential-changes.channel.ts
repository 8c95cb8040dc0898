import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { z } from 'zod';

const changeSchema = z.union([z.object({ keyId: z.string().min(1).max(64) }).strict(), z.object({ tenantId: z.string().min(1).max(64) }).strict()]);
/** A key was rotated, revoked or re-dated, or a tenant's limits changed: cached copies are stale. */
export type CredentialChange = z.infer<typeof changeSchema>;

/**
 * Tells every gateway instance that a credential changed, so a revoked or rotated key stops
 * working everywhere at once instead of when a cache entry ages out. The local instance hears
 * its own change synchronously; others over Redis pub/sub.
 */
export class CredentialChanges implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CredentialChanges.name);
  private readonly listeners = new Set<(change: CredentialChange) => void>();
  private subscriber: Redis | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
  ) {}

  onChange(listener: (change: CredentialChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  announce(change: CredentialChange): void {
    this.deliver(change);
    this.redis.publish(this.channel, JSON.stringify(change)).catch((err: unknown) => {
      this.logger.warn(`credential change not shared with other instances (${(err as Error).message}); their caches expire it within seconds`);
    });
  }

  /** Idempotent: the instance is shared by two modules, and Nest calls the hook on each. */
  onApplicationBootstrap(): void {
    if (this.subscriber) return;
    const subscriber = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== this.channel) return;
      try {
        const parsed = changeSchema.safeParse(JSON.parse(raw));
        if (parsed.success) this.deliver(parsed.data);
      } catch {
        // Not ours to crash on: a malformed message only means a cache entry lives out its TTL.
      }
    });
    subscriber.subscribe(this.channel).catch((err: unknown) => this.logger.warn(`not subscribed to credential changes: ${(err as Error).message}`));
  }

  onModuleDestroy(): void {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  private deliver(change: CredentialChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
