import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Logger } from '@nestjs/common';
import type { ProviderConfig, ProviderKey } from '@switchyard/config';
import { loadTestEnv } from '@switchyard/config';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LimitCharge, SlidingWindowLimiter } from '../../governance/rate-limits/sliding-window.limiter.js';
import { type OutboundAdmission, type OutboundGrant, OutboundKeyPool } from './outbound-key-pool.service.js';

/** The real limiter on the real test Redis, counting the round trips the pool makes. */
class CountingLimiter extends SlidingWindowLimiter {
  consumed: LimitCharge[][] = [];
  adjusted = 0;

  override consume(charges: readonly LimitCharge[]): ReturnType<SlidingWindowLimiter['consume']> {
    this.consumed.push([...charges]);
    return super.consume(charges);
  }

  override adjust(key: string, second: number, delta: number): Promise<void> {
    this.adjusted++;
    return super.adjust(key, second, delta);
  }
}

type Ceilings = { requestsPerMinute?: number; tokensPerMinute?: number };

const SECRETS = ['sk-pool-key-zero-0000000000', 'sk-pool-key-one-11111111111', 'sk-pool-key-two-22222222222'];

function provider(keys: Ceilings[], rateLimits?: Ceilings): ProviderConfig {
  const list: ProviderKey[] = keys.map((c, index) => ({ index, env: `KEY_${index}`, secret: SECRETS[index], ...c }));
  return {
    name: 'acme',
    protocol: 'openai',
    baseUrl: 'http://127.0.0.1:1/v1',
    headers: {},
    timeouts: { connectMs: 1_000, firstByteMs: 1_000, totalMs: 10_000 },
    maxConnections: 1,
    unknownPrompt: 'error',
    apiKey: list[0]?.secret,
    keys: list,
    ...(rateLimits ? { rateLimits } : {}),
  };
}

const granted = (a: OutboundAdmission): OutboundGrant => {
  if (!a.ok) throw new Error(`refused: ${a.message}`);
  return a.grant;
};
const SMALL = { inputTokens: 10, maxOutputTokens: 10 };

describe('OutboundKeyPool on real Redis', () => {
  let redis: Redis;
  let now: number;
  let prefix: string;
  let limiter: CountingLimiter;
  const pool = (l: SlidingWindowLimiter = limiter): OutboundKeyPool => new OutboundKeyPool(l, { redisPrefix: prefix, rateLimitCooldownMs: 5_000, maxCooldownMs: 60_000, now: () => now });

  beforeAll(() => {
    redis = new Redis(loadTestEnv().TEST_REDIS_URL);
  });
  afterAll(() => redis.disconnect());
  beforeEach(() => {
    now = 1_700_000_000_000;
    prefix = `pool-test-${randomBytes(6).toString('hex')}`;
    limiter = new CountingLimiter(redis, () => now);
  });
  afterEach(() => vi.restoreAllMocks());

  it('takes turns over the keys without ceilings, with no Redis round trip', async () => {
    const p = pool();
    const acme = provider([{}, {}, {}]);
    const picks = [];
    for (let i = 0; i < 7; i++) picks.push(granted(await p.acquire(acme, SMALL)));
    expect(picks.map((g) => g.keyIndex)).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(picks.map((g) => g.secret)).toEqual([0, 1, 2, 0, 1, 2, 0].map((i) => SECRETS[i]));
    expect(picks.every((g) => g.pooled && !g.metersTokens)).toBe(true);
    picks[0].settle({ inputTokens: 1, outputTokens: 1 });
    expect(limiter.consumed).toEqual([]);
    expect(limiter.adjusted).toBe(0);
  });

  it('spreads two keys of 2 requests a minute 2/2, then refuses with the seconds until the soonest frees up', async () => {
    const p = pool();
    const acme = provider([{ requestsPerMinute: 2 }, { requestsPerMinute: 2 }]);
    const picks: number[] = [];
    for (let i = 0; i < 3; i++) picks.push(granted(await p.acquire(acme, SMALL)).keyIndex);
    now += 20_000;
    picks.push(granted(await p.acquire(acme, SMALL)).keyIndex);
    expect(picks.sort()).toEqual([0, 0, 1, 1]);

    now += 10_000;
    const refused = await p.acquire(acme, SMALL);
    // Keys 0 and 1 each took one request at t=0; the first to free a slot does so at t=60 s, 30 s from now.
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 30, message: "not sent: every acme key's outbound requests-per-minute ceiling is reached; room again in 30s" });

    now += 30_000;
    expect((await p.acquire(acme, SMALL)).ok).toBe(true);
  });

  it('names keys by index in Redis, never by secret', async () => {
    const p = pool();
    const acme = provider([{ requestsPerMinute: 5, tokensPerMinute: 1_000 }, { requestsPerMinute: 5 }], { tokensPerMinute: 5_000 });
    for (let i = 0; i < 4; i++) await p.acquire(acme, SMALL);
    const keys = (await redis.keys(`${prefix}:*`)).sort();
    expect(keys).toEqual([`${prefix}:outbound:acme:0:requests`, `${prefix}:outbound:acme:0:tokens`, `${prefix}:outbound:acme:1:requests`, `${prefix}:outbound:acme:all:tokens`]);
    for (const secret of SECRETS) expect(keys.join(' ')).not.toContain(secret);
  });

  it('shares one limit between pools on the same prefix (two gateway instances), falling through to a key with room', async () => {
    const acme = provider([{ requestsPerMinute: 2 }, { requestsPerMinute: 2 }]);
    const first = pool();
    const second = pool(new CountingLimiter(redis, () => now));
    // Instance one fills key 0 and takes one of key 1's two.
    expect(granted(await first.acquire(acme, SMALL)).keyIndex).toBe(0);
    expect(granted(await first.acquire(acme, SMALL)).keyIndex).toBe(1);
    expect(granted(await first.acquire(acme, SMALL)).keyIndex).toBe(0);
    // Instance two starts at key 0, which is full: it falls through to key 1.
    expect(granted(await second.acquire(acme, SMALL)).keyIndex).toBe(1);
    expect((await second.acquire(acme, SMALL)).ok).toBe(false);
    expect((await first.acquire(acme, SMALL)).ok).toBe(false);
  });

  it('reserves prompt plus max output tokens and corrects the charge to the reported usage', async () => {
    const p = pool();
    const acme = provider([{ tokensPerMinute: 1_000 }]);
    const estimate = { inputTokens: 100, maxOutputTokens: 500 };
    const first = granted(await p.acquire(acme, estimate));
    expect(first.metersTokens).toBe(true);
    expect(limiter.consumed[0]).toEqual([{ key: `${prefix}:outbound:acme:0:tokens`, limit: 1_000, cost: 600, dimension: 'tokens', providerWide: false }]);
    // 600 + 600 > 1,000 while the first call's reservation stands.
    const refused = await p.acquire(acme, estimate);
    expect(refused).toMatchObject({ ok: false, message: "not sent: acme's outbound tokens-per-minute ceiling is reached; room again in 60s" });

    first.settle({ inputTokens: 60, outputTokens: 40 });
    first.settle({ inputTokens: 1_000, outputTokens: 1_000 });
    await vi.waitFor(async () => expect(await redis.hget(`${prefix}:outbound:acme:0:tokens`, String(Math.floor(now / 1000)))).toBe('100'));
    expect(limiter.adjusted).toBe(1);
    // 100 + 600 fits.
    expect((await p.acquire(acme, estimate)).ok).toBe(true);
  });

  it('keeps the reservation when the usage is unknown', async () => {
    const p = pool();
    const acme = provider([{ tokensPerMinute: 1_000 }]);
    granted(await p.acquire(acme, { inputTokens: 100, maxOutputTokens: 300 })).settle(undefined);
    expect(limiter.adjusted).toBe(0);
    expect(await redis.hget(`${prefix}:outbound:acme:0:tokens`, String(Math.floor(now / 1000)))).toBe('400');
  });

  it('lets a call larger than a whole minute of tokens out once the window is empty, instead of never', async () => {
    const p = pool();
    const acme = provider([{ tokensPerMinute: 1_000 }]);
    expect(granted(await p.acquire(acme, { inputTokens: 900, maxOutputTokens: 4_000 })).keyIndex).toBe(0);
    expect(await p.acquire(acme, SMALL)).toMatchObject({ ok: false, retryAfterSeconds: 60 });
  });

  it('applies a provider-wide ceiling across keys, and stops at its refusal without trying the other keys', async () => {
    const p = pool();
    const acme = provider([{ requestsPerMinute: 10 }, { requestsPerMinute: 10 }], { requestsPerMinute: 3 });
    for (let i = 0; i < 3; i++) granted(await p.acquire(acme, SMALL));
    limiter.consumed = [];
    const refused = await p.acquire(acme, SMALL);
    expect(refused).toMatchObject({ ok: false, message: "not sent: acme's provider-wide outbound requests-per-minute ceiling is reached; room again in 60s" });
    expect(limiter.consumed).toHaveLength(1);
  });

  it('meters a provider without a key through its provider-wide ceiling, and sends no key', async () => {
    const p = pool();
    const local = { ...provider([], { requestsPerMinute: 1 }), apiKey: undefined };
    const grant = granted(await p.acquire(local, SMALL));
    expect(grant.secret).toBeUndefined();
    expect(grant.pooled).toBe(false);
    expect((await p.acquire(local, SMALL)).ok).toBe(false);
  });

  it('sends an unset key as an empty credential, never as another key', async () => {
    const p = pool();
    const acme = { ...provider([{}, {}]), keys: [{ index: 0, env: 'A', secret: SECRETS[0] }, { index: 1, env: 'B' }] };
    expect([granted(await p.acquire(acme, SMALL)).secret, granted(await p.acquire(acme, SMALL)).secret]).toEqual([SECRETS[0], '']);
  });

  it('cools a key down after an upstream 429 and uses the others meanwhile; with every key cooling, the deployment cools too', async () => {
    const p = pool();
    const acme = provider([{}, {}, {}]);
    const zero = granted(await p.acquire(acme, SMALL));
    expect(zero.rateLimited(10_000)).toEqual({ allKeysCooling: false });
    const during = [];
    for (let i = 0; i < 4; i++) during.push(granted(await p.acquire(acme, SMALL)).keyIndex);
    expect(during).not.toContain(0);
    // No Retry-After: the default cool-down.
    expect(granted(await p.acquire(acme, SMALL)).rateLimited(undefined)).toEqual({ allKeysCooling: false });
    const last = granted(await p.acquire(acme, SMALL));
    expect(last.keyIndex).toBe(1);
    now += 1_000;
    expect(last.rateLimited(30_000)).toEqual({ allKeysCooling: true, retryAfterMs: 4_000 });

    // Key 2's default cool-down ends first; then key 0's; key 1 sits out its 30 s.
    now += 4_000;
    expect(granted(await p.acquire(acme, SMALL)).keyIndex).toBe(2);
    now += 5_000;
    const after = [];
    for (let i = 0; i < 3; i++) after.push(granted(await p.acquire(acme, SMALL)).keyIndex);
    expect(after.sort()).toEqual([0, 2, 2]);
  });

  it('tries a cooling key last under ceilings too', async () => {
    const p = pool();
    const acme = provider([{ requestsPerMinute: 5 }, { requestsPerMinute: 1 }]);
    granted(await p.acquire(acme, SMALL)).rateLimited(20_000);
    // Key 0 is cooling, so key 1 goes first; once it is full, key 0 is still better than nothing.
    expect(granted(await p.acquire(acme, SMALL)).keyIndex).toBe(1);
    expect(granted(await p.acquire(acme, SMALL)).keyIndex).toBe(0);
  });

  it('passes a 429 on a single key through to the deployment', async () => {
    const p = pool();
    expect(granted(await p.acquire(provider([{}]), SMALL)).rateLimited(7_000)).toEqual({ allKeysCooling: true, retryAfterMs: 7_000 });
  });

  it('sends unmetered when Redis is unreachable, warning once per interval', async () => {
    const port = await closedPort();
    const dead = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const p = pool(new SlidingWindowLimiter(dead, () => now));
      const acme = provider([{ requestsPerMinute: 1 }, { requestsPerMinute: 1 }]);
      const picks = [];
      for (let i = 0; i < 4; i++) picks.push(granted(await p.acquire(acme, SMALL)));
      expect(picks.map((g) => g.secret)).toEqual([SECRETS[0], SECRETS[1], SECRETS[0], SECRETS[1]]);
      expect(picks.every((g) => !g.metersTokens)).toBe(true);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toContain('not enforced');
      for (const secret of SECRETS) expect(String(warn.mock.calls[0]?.[0])).not.toContain(secret);
    } finally {
      dead.disconnect();
    }
  });
});

const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 1));
    });
  });
