import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { loadTestEnv } from '@switchyard/config';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseCacheRepository } from './response-cache.repository.js';

describe('ResponseCacheRepository (real Redis)', () => {
  let redis: Redis;
  const prefix = `switchyard-test-cache-${randomBytes(4).toString('hex')}:cache:`;
  beforeAll(() => {
    // The gateway's own client settings: no offline queue, one try per command.
    redis = new Redis(loadTestEnv().TEST_REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    return redis.connect();
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('stores bytes under its prefix with the TTL, and reads them back unchanged', async () => {
    const repo = new ResponseCacheRepository(redis, prefix);
    const value = Buffer.concat([Buffer.from('{"v":1}\n'), randomBytes(64)]);
    await repo.set('abc', value, 60_000);
    expect((await repo.get('abc'))?.equals(value)).toBe(true);
    const ttl = await redis.pttl(`${prefix}abc`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await repo.get('missing')).toBeUndefined();
  });

  it('rejects when Redis is gone, for the service to count as a miss', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 1));
      });
    });
    const gone = new Redis(`redis://127.0.0.1:${port}`, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
    gone.on('error', () => undefined);
    const repo = new ResponseCacheRepository(gone, prefix);
    await expect(repo.get('abc')).rejects.toThrow();
    gone.disconnect();
  });
});
