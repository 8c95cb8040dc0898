import { randomUUID } from 'node:crypto';
import { loadTestEnv } from '@switchyard/config';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeploymentStateService } from './deployment-state.service.js';
import { LiveStateSync } from './live-state.sync.service.js';

const redisUrl = loadTestEnv().TEST_REDIS_URL;

class RecordingLogger {
  readonly warnings: string[] = [];
  log(): void {}
  warn(message: string): void {
    this.warnings.push(message);
  }
  error(message: string): void {
    this.warnings.push(message);
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The gateway's own client settings: the request path never queues commands for a dead Redis. */
async function connect(): Promise<Redis> {
  const redis = new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  await redis.connect();
  return redis;
}

interface Instance {
  id: string;
  redis: Redis;
  state: DeploymentStateService;
  sync: LiveStateSync;
  logger: RecordingLogger;
}

describe('LiveStateSync over Redis', () => {
  const cleanups: (() => void)[] = [];
  let channel: string;
  // Both instances read the same clock, so absolute `until` times compare exactly.
  const now = Date.now();

  beforeEach(() => {
    channel = `switchyard-test:live-state:${randomUUID()}`;
  });

  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  });

  const instance = async (id: string): Promise<Instance> => {
    const redis = await connect();
    const logger = new RecordingLogger();
    const state = new DeploymentStateService({ now: () => now }, logger);
    const sync = new LiveStateSync(redis, { channel, instanceId: id }, state, logger);
    cleanups.push(() => redis.disconnect());
    await sync.start();
    cleanups.push(() => sync.stop());
    return { id, redis, state, sync, logger };
  };

  const trip = (state: DeploymentStateService, model: string): void => {
    for (let i = 0; i < 5; i++) state.begin(model)?.fail('server_error');
  };

  it('keeps the other instance off a deployment whose breaker tripped here, within a second', async () => {
    const a = await instance('a');
    const b = await instance('b');
    const forcedOnA = vi.spyOn(a.state, 'forceOpen');
    trip(a.state, 'gpt-x');
    expect(a.state.get('gpt-x')?.available).toBe(false);

    await until(() => b.state.get('gpt-x')?.available === false, 1_000);
    expect(b.state.get('gpt-x')).toMatchObject({ breaker: 'open', available: false });
    expect(b.state.begin('gpt-x')).toBeUndefined();
    const [details] = b.state.all();
    expect(details?.breaker.reopensAt).toBe(now + 30_000);
    // The sender ignores its own message. A later message on the same connection proves A has read it.
    await a.redis.publish(channel, JSON.stringify({ instance: 'c', model: 'marker', kind: 'cooldown', until: now + 1_000 }));
    await until(() => a.state.get('marker') !== undefined, 1_000);
    expect(forcedOnA).not.toHaveBeenCalled();
    expect(a.state.all()[0]?.breaker.opens).toBe(1);
    expect(b.logger.warnings).toEqual([]);
  });

  it('shares a 429 cool-down, within a second', async () => {
    const a = await instance('a');
    const b = await instance('b');
    a.state.begin('claude-y')?.fail('rate_limited', { retryAfterMs: 7_000 });

    await until(() => b.state.get('claude-y')?.available === false, 1_000);
    expect(b.state.get('claude-y')).toMatchObject({ breaker: 'closed', cooldownUntil: now + 7_000 });
    expect(b.state.begin('claude-y')).toBeDefined();
  });

  it('drops malformed messages with a warning and still applies good ones, extra fields included', async () => {
    const b = await instance('b');
    const raw = await connect();
    cleanups.push(() => raw.disconnect());

    await raw.publish(channel, 'not json');
    await raw.publish(channel, JSON.stringify({ instance: 'c', model: 'm', kind: 'melted', until: 'soon' }));
    await raw.publish(channel, JSON.stringify({ instance: 'c', model: 'm', kind: 'cooldown', until: now + 4_000, reason: 'from a newer version' }));

    await until(() => b.state.get('m') !== undefined, 1_000);
    expect(b.state.get('m')).toMatchObject({ available: false, cooldownUntil: now + 4_000 });
    // Warnings are throttled: the second bad message is held back and counted.
    expect(b.logger.warnings).toEqual([`dropped a live-state message on ${channel}: not JSON`]);
  });

  it('never throws into the request path when publishing fails, and warns once per interval', async () => {
    const a = await instance('a');
    a.redis.disconnect();
    for (let i = 0; i < 3; i++) trip(a.state, `m${i}`);
    expect(a.state.get('m0')?.breaker).toBe('open');
    await until(() => a.logger.warnings.length > 0, 1_000);
    expect(a.logger.warnings).toHaveLength(1);
    expect(a.logger.warnings[0]).toMatch(/^live-state publish failed \(breaker_open for m0\): /);
  });

  it('stops publishing local trips after stop', async () => {
    const a = await instance('a');
    const listener = await connect();
    const seen: string[] = [];
    const sub = listener.duplicate({ enableOfflineQueue: true });
    cleanups.push(() => sub.disconnect());
    sub.on('message', (_channel: string, message: string) => seen.push(message));
    await sub.subscribe(channel);
    listener.disconnect();

    trip(a.state, 'before');
    await until(() => seen.length === 1, 1_000);
    a.sync.stop();
    trip(a.state, 'after');
    // Same connection as the sync's publishes, so the marker arrives after anything the trip sent.
    await a.redis.publish(channel, 'marker');
    await until(() => seen.includes('marker'), 1_000);
    expect(seen.map((m) => (m === 'marker' ? m : (JSON.parse(m) as { model: string }).model))).toEqual(['before', 'marker']);
  });
});
