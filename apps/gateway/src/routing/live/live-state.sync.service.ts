import { Inject, Injectable, Logger, type LoggerService, type OnApplicationBootstrap, type OnModuleDestroy, Optional } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../../infra/infra.tokens.js';
import { DeploymentStateService, type LiveStateEvent } from './deployment-state.service.js';
import { type LiveStateMessage, liveStateMessageSchema } from './live-state-message.schema.js';

export const LIVE_STATE_SYNC_OPTIONS = Symbol('LIVE_STATE_SYNC_OPTIONS');

export interface LiveStateSyncOptions {
  /** Pub/sub channel shared by every instance of one deployment, e.g. `${redisPrefix}:live-state`. */
  channel: string;
  /** Unique per process, so an instance can skip its own messages. */
  instanceId: string;
}

type SyncLogger = Pick<LoggerService, 'log' | 'warn'>;

const WARN_INTERVAL_MS = 10_000;

/** One warning per interval for a repeating problem, with a count of the ones held back. */
class ThrottledWarning {
  private lastAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(private readonly logger: SyncLogger) {}

  warn(message: string): void {
    const now = Date.now();
    if (now - this.lastAt < WARN_INTERVAL_MS) {
      this.suppressed++;
      return;
    }
    this.logger.warn(this.suppressed > 0 ? `${message} (${this.suppressed} similar since the last report)` : message);
    this.lastAt = now;
    this.suppressed = 0;
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Shares breaker trips and 429 cool-downs between gateway instances over Redis pub/sub, so one
 * instance's discovery keeps the others off a failing deployment too. Publishing is
 * fire-and-forget: the request path that tripped the breaker never waits on Redis.
 */
@Injectable()
export class LiveStateSync implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly channel: string;
  private readonly instanceId: string;
  private readonly logger: SyncLogger;
  private readonly publishWarning: ThrottledWarning;
  private readonly inboundWarning: ThrottledWarning;
  private readonly subscriberWarning: ThrottledWarning;
  private subscriber: Redis | undefined;
  private stopListening: (() => void) | undefined;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(LIVE_STATE_SYNC_OPTIONS) options: LiveStateSyncOptions,
    private readonly state: DeploymentStateService,
    @Optional() @Inject(Logger) logger?: SyncLogger,
  ) {
    this.channel = options.channel;
    this.instanceId = options.instanceId;
    this.logger = logger ?? new Logger(LiveStateSync.name);
    this.publishWarning = new ThrottledWarning(this.logger);
    this.inboundWarning = new ThrottledWarning(this.logger);
    this.subscriberWarning = new ThrottledWarning(this.logger);
  }

  /** Boot does not wait on Redis: without it the instance just works alone until it is back. */
  onApplicationBootstrap(): void {
    this.start().catch((error: unknown) => {
      this.logger.warn(`live-state sync did not subscribe to ${this.channel}: ${messageOf(error)}`);
    });
  }

  onModuleDestroy(): void {
    this.stop();
  }

  /** Publishes local trips from now on; resolves once subscribed to the other instances' messages. */
  async start(): Promise<void> {
    if (this.subscriber) return;
    this.stopListening = this.state.onTrip((event) => this.publish(event));
    // Its own connection: a subscribed connection can do nothing else. It queues the SUBSCRIBE
    // until Redis is reachable and resubscribes after reconnects.
    const subscriber = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, lazyConnect: false });
    this.subscriber = subscriber;
    subscriber.on('error', (error: Error) => this.subscriberWarning.warn(`live-state subscriber: ${error.message}`));
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel === this.channel) this.receive(raw);
    });
    await subscriber.subscribe(this.channel);
  }

  stop(): void {
    this.stopListening?.();
    this.stopListening = undefined;
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    subscriber?.disconnect();
  }

  private publish(event: LiveStateEvent): void {
    const message: LiveStateMessage = { instance: this.instanceId, model: event.model, kind: event.kind, until: event.until };
    this.redis.publish(this.channel, JSON.stringify(message)).catch((error: unknown) => {
      this.publishWarning.warn(`live-state publish failed (${event.kind} for ${event.model}): ${messageOf(error)}`);
    });
  }

  private receive(raw: string): void {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      this.inboundWarning.warn(`dropped a live-state message on ${this.channel}: not JSON`);
      return;
    }
    const parsed = liveStateMessageSchema.safeParse(json);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
      this.inboundWarning.warn(`dropped a live-state message on ${this.channel}: invalid ${fields}`);
      return;
    }
    const message = parsed.data;
    if (message.instance === this.instanceId) return;
    switch (message.kind) {
      case 'breaker_open':
        this.state.forceOpen(message.model, message.until);
        return;
      case 'cooldown':
        this.state.setCooldown(message.model, message.until);
        return;
    }
  }
}
