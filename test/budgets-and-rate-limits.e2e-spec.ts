import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Budget, tenantSchema, virtualKeyWithSecretResponseSchema } from '@switchyard/contracts';
import { SpendRepository } from '@switchyard/db';
import { loadTestEnv } from '@switchyard/config';
import { createTestDatabase, loadOpenAiSchemas, startTcpProxy } from '@switchyard/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetLedger } from '../apps/gateway/src/governance/budgets/budget-ledger.js';
import { adminCall } from './support/admin.client.js';
import { ADMIN_KEY, eventually, type GatewayHarness, type HarnessOptions, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();
// gpt-a costs $2 in and $8 out per million tokens: each answer below costs $0.006.
const USAGE = { inputTokens: 1_000, outputTokens: 500 };
const COST = 0.006;
const MAX_TOKENS = 1_000;

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

describe('budgets and rate limits, shared by two gateway instances', () => {
  let a: GatewayHarness;
  let b: GatewayHarness;
  let hook: Server;
  let hookUrl: string;
  const alerts: Record<string, unknown>[] = [];
  let tenantId: string;

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        alerts.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`;
    const environment = `gov-${randomBytes(4).toString('hex')}`;
    const options = { auth: 'keys' as const, environment, budgets: { alertWebhookUrl: hookUrl }, upstream: { respond: () => ({ kind: 'ok' as const, usage: USAGE }) } };
    [a, b] = await Promise.all([startGatewayHarness(options), startGatewayHarness(options)]);
    tenantId = tenantSchema.parse((await adminCall(a.baseUrl, 'POST', '/admin/tenants', { name: `gov-${environment}` })).json).id;
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await new Promise((r) => hook.close(r));
  });

  const newKey = async (fields: Record<string, unknown>) =>
    virtualKeyWithSecretResponseSchema.parse((await adminCall(a.baseUrl, 'POST', '/admin/keys', { tenantId, name: 'k', ...fields })).json);

  const chat = async (h: GatewayHarness, secret: string, body: Record<string, unknown> = {}): Promise<Answer> => {
    const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model: 'gpt-a', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: 'hi' }], ...body }),
    });
    return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
  };

  const spendOf = async (keyId: string): Promise<number> => {
    const database = createTestDatabase({ max: 1 });
    try {
      const hours = await new SpendRepository(database.db).hourlySince({ kind: 'key', id: keyId }, new Date(Date.now() - 86_400_000));
      return hours.reduce((s, h) => s + h.usd, 0);
    } finally {
      await database.close();
    }
  };

  it('200 concurrent requests over two instances stay within a $0.05 cap plus one reservation, and refuse the rest with budget_exceeded', async () => {
    const budget: Budget = { window: 'month', timeZone: 'UTC', usd: 0.05, alertFraction: 1 };
    const key = await newKey({ budgets: [budget] });
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => chat(i % 2 ? a : b, key.secret)));
    const served = answers.filter((x) => x.status === 200);
    const refused = answers.filter((x) => x.status !== 200);
    expect(served.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(r.json).toMatchObject({ error: { type: 'rate_limit_error', code: 'budget_exceeded' } });
      schemas.assertValid('ErrorResponse', r.json);
    }
    // The largest reservation: a prompt of a few tokens at $2/M plus max_tokens at $8/M.
    const largestReservation = (10 * 2 + MAX_TOKENS * 8) / 1e6;
    await eventually(async () => Math.abs((await spendOf(key.id)) - served.length * COST) < 1e-9, 5_000, 'every served call in Postgres');
    const spent = await spendOf(key.id);
    expect(spent).toBeLessThanOrEqual(0.05 + largestReservation);
    // After settlement the Redis window holds exactly what the spans say.
    const redis = new Redis(a.config.redisUrl);
    try {
      const ledger = new BudgetLedger(redis, a.config.redisPrefix, new SpendRepository(createTestDatabase({ max: 1 }).db));
      await eventually(async () => Math.abs((await ledger.spentUsd({ scope: { kind: 'key', id: key.id }, budget })) - spent) < 1e-9, 3_000, 'settled spend in Redis');
    } finally {
      redis.disconnect();
    }
  });

  it('fires the soft-alert webhook exactly once per window', async () => {
    const key = await newKey({ budgets: [{ window: 'day', timeZone: 'Europe/Berlin', usd: 0.02, alertFraction: 0.5 }] });
    let last: Answer | undefined;
    for (let i = 0; i < 8; i++) {
      last = await chat(i % 2 ? a : b, key.secret);
      if (last.status !== 200) break;
      // Settlement follows the reply by a tick; wait for it so spend grows one call at a time.
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(last?.json).toMatchObject({ error: { code: 'budget_exceeded' } });
    await new Promise((r) => setTimeout(r, 300));
    const mine = alerts.filter((x) => (x['scope'] as { id: string }).id === key.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ type: 'budget.soft_alert', scope: { kind: 'key', id: key.id }, windowKind: 'day', capUsd: 0.02, thresholdUsd: 0.01 });
    expect(mine[0]['spentUsd']).toBeGreaterThanOrEqual(0.01);
  });

  it('enforces one requests-per-minute limit across both instances, with Retry-After and x-ratelimit headers', async () => {
    const key = await newKey({ rateLimits: { requestsPerMinute: 10 } });
    const answers: Answer[] = [];
    for (let i = 0; i < 16; i++) answers.push(await chat(i % 2 ? a : b, key.secret));
    expect(answers.filter((x) => x.status === 200)).toHaveLength(10);
    expect(answers[0].headers.get('x-ratelimit-limit-requests')).toBe('10');
    expect(answers[0].headers.get('x-ratelimit-remaining-requests')).toBe('9');
    expect(answers[9].headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(answers[0].headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(m\d+)?s$/);
    for (const r of answers.slice(10)) {
      expect(r.status).toBe(429);
      expect(r.json).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
      schemas.assertValid('ErrorResponse', r.json);
      const retry = Number(r.headers.get('retry-after'));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(60);
      expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    }
  });

  it('counts real tokens against tokens per minute, and refuses a request larger than the limit outright', async () => {
    const key = await newKey({ rateLimits: { tokensPerMinute: 1_600 } });
    const first = await chat(a, key.secret);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('1600');
    // Charged ~1,001 up front (a 1-token prompt + max_tokens), corrected to the 1,500 the upstream
    // reported once the call ended: 1,500 + ~151 is over 1,600, where 1,001 + ~151 would not be.
    const redis = new Redis(a.config.redisUrl);
    try {
      const charged = async (): Promise<number> => (await redis.hvals(`${a.config.redisPrefix}:ratelimit:key:${key.id}:tokens`)).reduce((sum, v) => sum + Number(v), 0);
      await eventually(async () => (await charged()) === 1_500, 3_000, 'the token charge corrected to the reported usage');
    } finally {
      redis.disconnect();
    }
    const second = await chat(b, key.secret, { max_tokens: 150 });
    expect(second.status).toBe(429);
    expect(second.json).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    const huge = await chat(a, key.secret, { max_tokens: 5_000 });
    expect(huge.status).toBe(429);
    expect((huge.json['error'] as { message: string }).message).toMatch(/Request too large/);
  });

  it('applies tenant budgets to all of its keys together', async () => {
    const tenant = tenantSchema.parse((await adminCall(a.baseUrl, 'POST', '/admin/tenants', { name: `shared-${randomBytes(4).toString('hex')}`, budgets: [{ window: 'month', usd: 0.012 }] })).json);
    const make = async () => virtualKeyWithSecretResponseSchema.parse((await adminCall(a.baseUrl, 'POST', '/admin/keys', { tenantId: tenant.id, name: 'team' })).json);
    const [k1, k2] = [await make(), await make()];
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await chat(i % 2 ? a : b, (i % 2 ? k1 : k2).secret)).status);
      await new Promise((r) => setTimeout(r, 30));
    }
    // 0.006 + 0.006 reaches the cap: two calls between both keys, then refusals.
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
  });

  it('rebuilds a budget window from Postgres when Redis lost it', async () => {
    const key = await newKey({ budgets: [{ window: 'month', usd: 0.012 }] });
    expect((await chat(a, key.secret)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 30));
    expect((await chat(b, key.secret)).status).toBe(200);
    await eventually(async () => (await spendOf(key.id)) >= 2 * COST - 1e-9, 5_000, 'spans in Postgres');
    const redis = new Redis(a.config.redisUrl);
    try {
      const lost = await redis.keys(`${a.config.redisPrefix}:budget:key:${key.id}:*`);
      expect(lost.length).toBeGreaterThan(0);
      await redis.del(...lost);
    } finally {
      redis.disconnect();
    }
    const after = await chat(a, key.secret);
    expect(after.status).toBe(429);
    expect(after.json).toMatchObject({ error: { code: 'budget_exceeded' } });
  });
});

describe('workload budgets', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({ workloadBudgets: { 'with-fallback': [{ window: 'day', usd: 0.006 }] }, upstream: { respond: () => ({ kind: 'ok', usage: USAGE }) } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('caps a workload whichever client calls it', async () => {
    const send = () =>
      fetch(`${h.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-switchyard-workload': 'with-fallback' },
        body: JSON.stringify({ model: 'gpt-a', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: `hi ${randomBytes(4).toString('hex')}` }] }),
      });
    expect((await send()).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const refused = await send();
    expect(refused.status).toBe(429);
    const error = ((await refused.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('budget_exceeded');
    expect(error.message).toContain("workload 'with-fallback'");
  });
});

describe('limits and budgets while Redis is unreachable', () => {
  const call = (h: GatewayHarness, secret: string) =>
    fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model: 'gpt-a', messages: [{ role: 'user', content: 'hi' }] }),
    });

  /** A gateway whose Redis goes away (connections refused) once a key with a budget and a limit exists. */
  async function withRedisGone(options: HarnessOptions, check: (h: GatewayHarness, secret: string) => Promise<void>): Promise<void> {
    const url = new URL(loadTestEnv().TEST_REDIS_URL);
    const proxy = await startTcpProxy(url.hostname, Number(url.port || 6379));
    const h = await startGatewayHarness({ ...options, auth: 'keys', redisUrl: proxy.urlFor(loadTestEnv().TEST_REDIS_URL) });
    try {
      const tenant = tenantSchema.parse((await adminCall(h.baseUrl, 'POST', '/admin/tenants', { name: `down-${randomBytes(4).toString('hex')}` })).json);
      const created = await adminCall(h.baseUrl, 'POST', '/admin/keys', { tenantId: tenant.id, name: 'k', budgets: [{ window: 'day', usd: 1 }], rateLimits: { requestsPerMinute: 100 } });
      const { secret } = virtualKeyWithSecretResponseSchema.parse(created.json);
      proxy.pause('refuse');
      await check(h, secret);
    } finally {
      proxy.resume();
      await h.close();
      await proxy.close();
    }
  }

  it('boots and serves when Redis refuses connections from the start', async () => {
    const h = await startGatewayHarness({ auth: 'keys', redisUrl: 'redis://127.0.0.1:1' });
    try {
      expect((await call(h, ADMIN_KEY)).status).toBe(200);
      expect((await adminCall(h.baseUrl, 'POST', '/admin/tenants', { name: `cold-${randomBytes(4).toString('hex')}` })).status).toBe(201);
    } finally {
      await h.close();
    }
  });

  it('serves unmetered by default', async () => {
    await withRedisGone({}, async (h, secret) => {
      expect((await call(h, secret)).status).toBe(200);
    });
  });

  it('refuses with 503 governance_unavailable when configured to', async () => {
    await withRedisGone({ budgets: { whenRedisDown: 'refuse' } }, async (h, secret) => {
      const res = await call(h, secret);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      const json = (await res.json()) as Record<string, unknown>;
      schemas.assertValid('ErrorResponse', json);
      expect(json).toMatchObject({ error: { code: 'governance_unavailable' } });
      // A caller without limits or budgets needs no Redis and is served.
      expect((await call(h, ADMIN_KEY)).status).toBe(200);
    });
  });
});
