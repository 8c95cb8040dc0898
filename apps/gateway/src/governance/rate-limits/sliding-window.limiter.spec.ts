import { randomBytes } from 'node:crypto';
import { loadTestEnv } from '@switchyard/config';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from './sliding-window.limiter.js';

describe('SlidingWindowLimiter on real Redis', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(loadTestEnv().TEST_REDIS_URL);
  });
  afterAll(() => redis.disconnect());
  const key = (): string => `limiter-test:${randomBytes(6).toString('hex')}`;

  it('admits exactly the limit under concurrency and says when to retry', async () => {
    let now = 1_000_000_000_000;
    const limiter = new SlidingWindowLimiter(redis, () => now);
    const k = key();
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => limiter.consume([{ key: k, limit: 10, cost: 1 }])));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(10);
    const refused = outcomes.find((o) => !o.ok);
    expect(refused && !refused.ok && refused.retryAfterSeconds).toBe(60);
    now += 59_000;
    expect((await limiter.consume([{ key: k, limit: 10, cost: 1 }])).ok).toBe(false);
    now += 1_000;
    const later = await limiter.consume([{ key: k, limit: 10, cost: 1 }]);
    expect(later).toMatchObject({ ok: true, states: [{ limit: 10, remaining: 9 }] });
  });

  it('slides: old seconds drain one by one', async () => {
    let now = 2_000_000_000_000;
    const limiter = new SlidingWindowLimiter(redis, () => now);
    const k = key();
    for (let i = 0; i < 3; i++) {
      expect((await limiter.consume([{ key: k, limit: 3, cost: 1 }])).ok).toBe(true);
      now += 10_000;
    }
    const refused = await limiter.consume([{ key: k, limit: 3, cost: 1 }]);
    expect(refused).toMatchObject({ ok: false, retryAfterSeconds: 30 });
    now += 30_000;
    expect((await limiter.consume([{ key: k, limit: 3, cost: 1 }])).ok).toBe(true);
  });

  it('charges all limits or none, refuses a cost above the limit outright, and adjusts charges', async () => {
    const now = 3_000_000_000_000;
    const limiter = new SlidingWindowLimiter(redis, () => now);
    const requests = key();
    const tokens = key();
    const first = await limiter.consume([
      { key: requests, limit: 100, cost: 1 },
      { key: tokens, limit: 1_000, cost: 900 },
    ]);
    expect(first.ok).toBe(true);
    const second = await limiter.consume([
      { key: requests, limit: 100, cost: 1 },
      { key: tokens, limit: 1_000, cost: 200 },
    ]);
    expect(second).toMatchObject({ ok: false, index: 1 });
    // The refused request charged nothing: one request used.
    expect(await redis.hvals(requests)).toEqual(['1']);
    expect(await limiter.consume([{ key: tokens, limit: 1_000, cost: 5_000 }])).toMatchObject({ ok: false, retryAfterSeconds: null });
    if (first.ok) await limiter.adjust(tokens, first.second, -800);
    expect((await limiter.consume([{ key: tokens, limit: 1_000, cost: 200 }])).ok).toBe(true);
  });
});
