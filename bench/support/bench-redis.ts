import { Redis } from 'ioredis';

/** Whatever a bench's processes put under the run's prefix (judge jobs, counters) goes with the run. */
export async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) if (keys.length) await redis.del(...keys);
  } catch {
    // Redis gone: nothing to clean.
  } finally {
    redis.disconnect();
  }
}
