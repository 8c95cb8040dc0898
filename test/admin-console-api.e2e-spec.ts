import { randomBytes } from 'node:crypto';
import { loadTestEnv } from '@switchyard/config';
import {
  adminKeyWithSecretResponseSchema,
  adminSessionSchema,
  explorationOverviewResponseSchema,
  qualityOverviewResponseSchema,
  spanListResponseSchema,
  tenantSchema,
  usageOverviewResponseSchema,
} from '@switchyard/contracts';
import { type DatabaseHandle, type NewScore, ScoreRepository, SpanRepository } from '@switchyard/db';
import { wilsonInterval } from '@switchyard/scoring';
import { buildSpanRow, createTestDatabase, loadOpenAiSchemas, newSpanId } from '@switchyard/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExplorationBudgetRepository } from '../apps/worker/src/shadow/exploration-budget.repository.js';
import { ADMIN_KEY, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();
const fresh = (what: string): string => `${what}-${randomBytes(4).toString('hex')}`;
const MIN = 60_000;

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

/** The admin API endpoints the review console reads, over real HTTP against Postgres and Redis. */
describe('admin API for the console: session, span search, overview', () => {
  let h: GatewayHarness;
  let db: DatabaseHandle;
  let redis: Redis;
  // A random hour in 2001: no other test writes spans there, so totals are exactly this file's.
  const t0 = Date.UTC(2001, 0, 1 + Math.floor(Math.random() * 300), 3);
  const at = (minutes: number): Date => new Date(t0 + minutes * MIN);
  const since = new Date(Date.now() - MIN);
  const wlA = fresh('wl-a');
  const wlB = fresh('wl-b');
  let tenantA: { id: string; name: string };
  let adminA: { id: string; name: string; secret: string };
  const spanIds = { a1: newSpanId(), a2: newSpanId(), a3: newSpanId(), b1: newSpanId(), judge: newSpanId(), shadow: newSpanId() };

  const call = async (key: string | null, path: string): Promise<Answer> => {
    const res = await fetch(`${h.baseUrl}${path}`, { headers: { ...(key !== null && { authorization: `Bearer ${key}` }) } });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const root = (path: string): Promise<Answer> => call(ADMIN_KEY, path);
  const asA = (path: string): Promise<Answer> => call(adminA.secret, path);
  const post = async (path: string, body: unknown): Promise<Answer> => {
    const res = await fetch(`${h.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const expectBadParam = (answer: Answer, param: string): void => {
    expect(answer.status, JSON.stringify(answer.json)).toBe(400);
    schemas.assertValid('ErrorResponse', answer.json);
    expect((answer.json as { error: { param: string | null } }).error.param).toBe(param);
  };

  beforeAll(async () => {
    h = await startGatewayHarness({ auth: 'keys', evaluation: { shadowBudgetUsdPerDay: 2 } });
    db = createTestDatabase({ max: 2 });
    redis = new Redis(loadTestEnv().TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    const tenants = [];
    for (const workload of [wlA, wlB]) {
      const created = await post('/admin/tenants', { name: fresh('tenant'), workloads: [workload] });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      tenants.push(tenantSchema.parse(created.json));
    }
    const [a, b] = tenants;
    if (!a || !b) throw new Error('tenants not created');
    tenantA = { id: a.id, name: a.name };
    const key = await post(`/admin/tenants/${a.id}/admin-keys`, { name: 'console' });
    expect(key.status, JSON.stringify(key.json)).toBe(201);
    const issued = adminKeyWithSecretResponseSchema.parse(key.json);
    adminA = { id: issued.id, name: 'console', secret: issued.secret };

    const live = { origin: 'live' as const, provider: 'fake-a', strategy: 'static' };
    await new SpanRepository(db.db).insertMany([
      buildSpanRow({ ...live, spanId: spanIds.a1, tenant: a.id, workload: wlA, model: 'gpt-a', startedAt: at(1), latencyMs: 100, costUsd: 0.01, rule: 'r1' }),
      buildSpanRow({ ...live, spanId: spanIds.a2, tenant: a.id, workload: wlA, model: 'gpt-a', startedAt: at(2), latencyMs: 300, costUsd: null, status: 'error', httpStatus: 502 }),
      buildSpanRow({ ...live, spanId: spanIds.a3, tenant: a.id, workload: wlA, model: 'gpt-a', startedAt: at(65), latencyMs: 200, costUsd: 0.02 }),
      buildSpanRow({ ...live, spanId: spanIds.b1, tenant: b.id, workload: wlB, model: 'gpt-b', startedAt: at(3), latencyMs: 50, costUsd: 0.04 }),
      // The gateway's own calls carry no tenant.
      buildSpanRow({ spanId: spanIds.judge, origin: 'judge', internal: true, workload: wlA, model: 'gpt-b', startedAt: at(4), costUsd: 0.005 }),
      buildSpanRow({ spanId: spanIds.shadow, origin: 'shadow', internal: true, workload: wlB, model: 'gpt-a', startedAt: at(5), costUsd: 0.007 }),
    ]);
    const score = (spanId: string, workload: string, model: string, source: NewScore['source'], value: number, version = 'v1'): NewScore => ({
      spanId,
      scorer: 'rubric',
      scorerVersion: version,
      source,
      status: 'ok',
      score: value,
      workload,
      model,
    });
    await new ScoreRepository(db.db).recordMany([
      score(spanIds.a1, wlA, 'gpt-a', 'judge', 1),
      score(spanIds.a3, wlA, 'gpt-a', 'judge', 0),
      score(newSpanId(), wlA, 'gpt-a', 'judge', 1),
      score(spanIds.a3, wlA, 'gpt-a', 'feedback', 0.2),
      score(spanIds.a1, wlA, 'gpt-a', 'feedback', 0.6),
      score(spanIds.b1, wlB, 'gpt-b', 'judge', 1),
      { ...score(newSpanId(), wlA, 'gpt-a', 'judge', 0), status: 'failed', score: null },
    ]);
  });

  afterAll(async () => {
    redis?.disconnect();
    await h?.close();
    await db?.close();
  });

  describe('GET /admin/session', () => {
    it('names the global admin key as global, with no tenant or key', async () => {
      const res = await root('/admin/session');
      expect(res.status).toBe(200);
      expect(adminSessionSchema.parse(res.json)).toEqual({ scope: 'global', tenantId: null, tenantName: null, keyId: null, keyName: null });
    });

    it("names a tenant admin key's tenant and key", async () => {
      const res = await asA('/admin/session');
      expect(res.status).toBe(200);
      expect(adminSessionSchema.parse(res.json)).toEqual({ scope: 'tenant', tenantId: tenantA.id, tenantName: tenantA.name, keyId: adminA.id, keyName: adminA.name });
    });

    it('answers 401 in the OpenAI envelope without a key or with a wrong one', async () => {
      for (const key of [null, 'wrong-key-wrong-key', 'sk-sya-not-a-real-key-0123456789']) {
        const res = await call(key, '/admin/session');
        expect(res.status, String(key)).toBe(401);
        schemas.assertValid('ErrorResponse', res.json);
      }
    });
  });

  describe('GET /admin/spans', () => {
    const window = `from=${at(0).toISOString()}&to=${at(120).toISOString()}`;

    it("lists a workload's spans newest first, with their scores", async () => {
      const res = await root(`/admin/spans?workload=${wlA}&origin=live&${window}`);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      const list = spanListResponseSchema.parse(res.json);
      expect(list.data.map((s) => s.spanId)).toEqual([spanIds.a3, spanIds.a2, spanIds.a1]);
      expect(list.nextBefore).toBeNull();
      expect(list.data[2]).toEqual({
        spanId: spanIds.a1,
        startedAt: at(1).toISOString(),
        workload: wlA,
        model: 'gpt-a',
        provider: 'fake-a',
        status: 'ok',
        httpStatus: 200,
        latencyMs: 100,
        costUsd: 0.01,
        inputTokens: 12,
        outputTokens: 34,
        origin: 'live',
        rule: 'r1',
        strategy: 'static',
        scores: { n: 2, mean: 0.8 },
      });
      expect(list.data[1]).toMatchObject({ status: 'error', httpStatus: 502, costUsd: null, scores: { n: 0, mean: null } });
    });

    it('pages with nextBefore until the last page', async () => {
      const seen: string[] = [];
      let before: string | null = null;
      for (let page = 0; page < 5; page++) {
        const res = await root(`/admin/spans?workload=${wlA}&origin=live&limit=1${before ? `&before=${encodeURIComponent(before)}` : ''}`);
        const list = spanListResponseSchema.parse(res.json);
        seen.push(...list.data.map((s) => s.spanId));
        before = list.nextBefore;
        if (!before) break;
      }
      expect(seen).toEqual([spanIds.a3, spanIds.a2, spanIds.a1]);
      expect(before).toBeNull();
    });

    it('filters by status, model, origin and score range', async () => {
      const ids = async (query: string): Promise<string[]> => spanListResponseSchema.parse((await root(`/admin/spans?${window}&${query}`)).json).data.map((s) => s.spanId);
      expect(await ids(`workload=${wlA}&status=error`)).toEqual([spanIds.a2]);
      expect(await ids('model=gpt-b&origin=live')).toEqual([spanIds.b1]);
      expect(await ids('origin=judge')).toEqual([spanIds.judge]);
      expect(await ids('origin=shadow')).toEqual([spanIds.shadow]);
      expect(await ids(`workload=${wlA}&minScore=0.9`)).toEqual([spanIds.a1]);
      expect(await ids(`workload=${wlA}&maxScore=0.3`)).toEqual([spanIds.a3]);
      expect(await ids(`workload=${wlA}&minScore=0.3&maxScore=0.7`)).toEqual([spanIds.a1]);
      const narrow = await root(`/admin/spans?workload=${wlA}&from=${at(2).toISOString()}&to=${at(65).toISOString()}`);
      expect(spanListResponseSchema.parse(narrow.json).data.map((s) => s.spanId)).toEqual([spanIds.judge, spanIds.a2]);
    });

    it("shows a tenant admin its own tenant's spans only", async () => {
      const own = spanListResponseSchema.parse((await asA(`/admin/spans?${window}`)).json).data.map((s) => s.spanId);
      expect(own).toEqual([spanIds.a3, spanIds.a2, spanIds.a1]);
      expect(spanListResponseSchema.parse((await asA(`/admin/spans?workload=${wlB}`)).json).data).toEqual([]);
      expect(spanListResponseSchema.parse((await root(`/admin/spans?workload=${wlB}`)).json).data.map((s) => s.spanId)).toEqual([spanIds.shadow, spanIds.b1]);
    });

    it('answers 400 naming the parameter for a bad value', async () => {
      expectBadParam(await root('/admin/spans?limit=0'), 'limit');
      expectBadParam(await root('/admin/spans?limit=201'), 'limit');
      expectBadParam(await root('/admin/spans?status=fine'), 'status');
      expectBadParam(await root('/admin/spans?origin=elsewhere'), 'origin');
      expectBadParam(await root('/admin/spans?from=yesterday'), 'from');
      expectBadParam(await root(`/admin/spans?from=${at(5).toISOString()}&to=${at(1).toISOString()}`), 'to');
      expectBadParam(await root('/admin/spans?minScore=1.5'), 'minScore');
      expectBadParam(await root('/admin/spans?minScore=0.8&maxScore=0.2'), 'maxScore');
      expectBadParam(await root('/admin/spans?before=not-a-cursor'), 'before');
    });
  });

  describe('GET /admin/overview/usage', () => {
    const window = `from=${at(0).toISOString()}&to=${at(120).toISOString()}`;

    it('counts live calls per bucket × workload × model, and internal spend apart', async () => {
      const res = await root(`/admin/overview/usage?${window}&bucket=1h`);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      const usage = usageOverviewResponseSchema.parse(res.json);
      expect(usage).toMatchObject({ from: at(0).toISOString(), to: at(120).toISOString(), bucket: '1h' });
      expect(usage.data).toEqual([
        { bucket: at(0).toISOString(), workload: wlA, model: 'gpt-a', requests: 2, errors: 1, costUsd: 0.01, latencyP95Ms: 290 },
        { bucket: at(0).toISOString(), workload: wlB, model: 'gpt-b', requests: 1, errors: 0, costUsd: 0.04, latencyP95Ms: 50 },
        { bucket: at(60).toISOString(), workload: wlA, model: 'gpt-a', requests: 1, errors: 0, costUsd: 0.02, latencyP95Ms: 200 },
      ]);
      expect(usage.internal.byOrigin).toEqual([
        { origin: 'judge', requests: 1, costUsd: 0.005 },
        { origin: 'shadow', requests: 1, costUsd: 0.007 },
      ]);
      expect(usage.internal.costUsd).toBeCloseTo(0.012, 10);
    });

    it("gives a tenant admin its own calls, and the internal calls on its workloads", async () => {
      const usage = usageOverviewResponseSchema.parse((await asA(`/admin/overview/usage?${window}&bucket=1d`)).json);
      expect(usage.data).toEqual([{ bucket: at(0).toISOString(), workload: wlA, model: 'gpt-a', requests: 3, errors: 1, costUsd: 0.03, latencyP95Ms: 290 }]);
      expect(usage.internal).toEqual({ costUsd: 0.005, byOrigin: [{ origin: 'judge', requests: 1, costUsd: 0.005 }] });
    });

    it('defaults to the last 24 hours by the hour', async () => {
      const usage = usageOverviewResponseSchema.parse((await root('/admin/overview/usage')).json);
      expect(usage.bucket).toBe('1h');
      expect(Date.parse(usage.to) - Date.parse(usage.from)).toBe(24 * 60 * MIN);
      expect(Math.abs(Date.parse(usage.to) - Date.now())).toBeLessThan(MIN);
    });

    it('refuses too many buckets and bad windows, naming the parameter', async () => {
      expectBadParam(await root(`/admin/overview/usage?from=${at(0).toISOString()}&to=${at(2 * 24 * 60).toISOString()}&bucket=5m`), 'bucket');
      expectBadParam(await root('/admin/overview/usage?bucket=2h'), 'bucket');
      expectBadParam(await root(`/admin/overview/usage?from=${at(10).toISOString()}&to=${at(0).toISOString()}`), 'from');
      expectBadParam(await root('/admin/overview/usage?to=soon'), 'to');
      // 500 buckets is the most one answer holds.
      expect((await root(`/admin/overview/usage?from=${at(0).toISOString()}&to=${at(500 * 5).toISOString()}&bucket=5m`)).status).toBe(200);
    });
  });

  describe('GET /admin/overview/quality', () => {
    it('gives n, mean and a 95% interval per workload × model × source', async () => {
      const res = await root(`/admin/overview/quality?since=${since.toISOString()}`);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      const quality = qualityOverviewResponseSchema.parse(res.json);
      const mine = quality.data.filter((c) => c.workload === wlA || c.workload === wlB);
      const judgeA = mine.find((c) => c.workload === wlA && c.source === 'judge');
      // Two of three pass/fail scores; the failed judgement is not a score.
      const wilson = wilsonInterval(2, 3);
      expect(judgeA).toEqual({ workload: wlA, model: 'gpt-a', source: 'judge', n: 3, mean: expect.closeTo(2 / 3, 10) as unknown, low: wilson.low, high: wilson.high, method: 'wilson' });
      const feedbackA = mine.find((c) => c.workload === wlA && c.source === 'feedback');
      // Graded: mean 0.4, sd 0.2828 over 2: 0.4 ± 0.392.
      expect(feedbackA).toMatchObject({ n: 2, method: 'normal' });
      expect(feedbackA?.mean).toBeCloseTo(0.4, 10);
      expect(feedbackA?.low).toBeCloseTo(0.4 - 1.96 * Math.sqrt(0.08 / 2), 10);
      expect(feedbackA?.high).toBeCloseTo(0.4 + 1.96 * Math.sqrt(0.08 / 2), 10);
      expect(mine.filter((c) => c.workload === wlB)).toEqual([{ workload: wlB, model: 'gpt-b', source: 'judge', n: 1, mean: 1, ...wilsonInterval(1, 1), method: 'wilson' }]);
    });

    it("shows a tenant admin the workloads it owns only", async () => {
      const quality = qualityOverviewResponseSchema.parse((await asA(`/admin/overview/quality?since=${since.toISOString()}`)).json);
      expect(new Set(quality.data.map((c) => c.workload))).toEqual(new Set([wlA]));
      expect(quality.data.map((c) => c.source).sort()).toEqual(['feedback', 'judge']);
    });

    it('leaves out scores before since, and refuses a bad since', async () => {
      const later = qualityOverviewResponseSchema.parse((await root(`/admin/overview/quality?since=${new Date(Date.now() + MIN).toISOString()}`)).json);
      expect(later.data.filter((c) => c.workload === wlA)).toEqual([]);
      expectBadParam(await root('/admin/overview/quality?since=last-week'), 'since');
    });
  });

  describe('GET /admin/overview/exploration', () => {
    it("reads today's shadow spend from the ledger the worker enforces the budget on", async () => {
      const ledger = new ExplorationBudgetRepository(redis, h.config.redisPrefix);
      const before = explorationOverviewResponseSchema.parse((await root('/admin/overview/exploration')).json);
      expect(before).toMatchObject({ day: new Date().toISOString().slice(0, 10), budgetUsd: 2, spentUsd: 0, reservedUsd: 0, openReservations: 0, remainingUsd: 2 });
      const settled = await ledger.reserve(2, 0.5);
      if (!settled.granted) throw new Error('reservation refused');
      await ledger.settle(settled.reservation, 0.3);
      expect((await ledger.reserve(2, 0.1)).granted).toBe(true);
      const now = await db.db.$client.query<{ n: number }>("select count(*)::int as n from spans where origin = 'shadow' and started_at >= date_trunc('day', now() at time zone 'utc') at time zone 'utc'");
      const after = explorationOverviewResponseSchema.parse((await root('/admin/overview/exploration')).json);
      expect(after).toMatchObject({ budgetUsd: 2, spentUsd: 0.3, reservedUsd: 0.1, openReservations: 1 });
      expect(after.remainingUsd).toBeCloseTo(1.6, 10);
      expect(after.shadowSpans.requests).toBeGreaterThanOrEqual(now.rows[0]?.n ?? 0);
    });

    it('is for the global admin key only: the budget is shared by every tenant', async () => {
      const res = await asA('/admin/overview/exploration');
      expect(res.status).toBe(403);
      schemas.assertValid('ErrorResponse', res.json);
    });
  });
});
