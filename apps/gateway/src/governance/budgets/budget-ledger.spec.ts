import { randomBytes } from 'node:crypto';
import { loadTestEnv } from '@switchyard/config';
import type { Budget } from '@switchyard/contracts';
import { type DatabaseHandle, SpanRepository, SpendRepository } from '@switchyard/db';
import { buildSpanRow, createTestDatabase } from '@switchyard/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetLedger, type ScopedBudget } from './budget-ledger.js';

const month = (usd: number, timeZone = 'UTC'): Budget => ({ window: 'month', timeZone, usd, alertFraction: 0.8 });

describe('BudgetLedger on real Redis and Postgres', () => {
  let redis: Redis;
  let database: DatabaseHandle;
  let spend: SpendRepository;
  beforeAll(() => {
    redis = new Redis(loadTestEnv().TEST_REDIS_URL);
    database = createTestDatabase({ max: 2 });
    spend = new SpendRepository(database.db);
  });
  afterAll(async () => {
    redis.disconnect();
    await database.close();
  });

  const fresh = (clock?: () => number) => new BudgetLedger(redis, `ledger-test-${randomBytes(6).toString('hex')}`, spend, clock);
  const keyScope = (): ScopedBudget['scope'] => ({ kind: 'key', id: `vk_${randomBytes(8).toString('hex')}` });

  it('lets 200 concurrent reservations overspend by at most one reservation, and settles to the exact spend', async () => {
    const ledger = fresh();
    const budgets = [{ scope: keyScope(), budget: month(0.05) }];
    // Reserve 0.002 each, spend between 0.0005 and 0.002.
    const outcomes = await Promise.all(Array.from({ length: 200 }, () => ledger.reserve(budgets, 0.002)));
    const admitted = outcomes.filter((o) => o.ok);
    expect(admitted.length).toBe(25);
    expect(outcomes.filter((o) => !o.ok).every((o) => !o.ok && o.scope.kind === 'key')).toBe(true);
    let actual = 0;
    await Promise.all(
      admitted.map(async (o, i) => {
        const usd = 0.0005 + (i % 4) * 0.0005;
        actual += usd;
        if (o.ok) await ledger.settle(o.reservation, usd);
      }),
    );
    expect(await ledger.spentUsd(budgets[0])).toBeCloseTo(actual, 9);
    expect(actual).toBeLessThanOrEqual(0.05 + 0.002);
  });

  it('fires the soft alert exactly once per window', async () => {
    const ledger = fresh();
    const budgets = [{ scope: keyScope(), budget: month(1) }];
    let alerts = 0;
    for (let i = 0; i < 12; i++) {
      const r = await ledger.reserve(budgets, 0.2);
      if (!r.ok) break;
      alerts += (await ledger.settle(r.reservation, 0.1)).alerts.length;
    }
    expect(alerts).toBe(1);
  });

  it('resets a monthly budget at the month boundary of its time zone, with nothing carried over', async () => {
    let now = new Date('2026-11-30T22:00:00Z').getTime(); // 23:00 in Berlin, still November
    const ledger = fresh(() => now);
    const budgets = [{ scope: keyScope(), budget: month(0.01, 'Europe/Berlin') }];
    const first = await ledger.reserve(budgets, 0.01);
    expect(first.ok).toBe(true);
    if (first.ok) await ledger.settle(first.reservation, 0.01);
    expect((await ledger.reserve(budgets, 0.001)).ok).toBe(false);
    now = new Date('2026-11-30T22:59:59Z').getTime();
    expect((await ledger.reserve(budgets, 0.001)).ok).toBe(false);
    now = new Date('2026-11-30T23:00:00Z').getTime(); // midnight Dec 1 in Berlin
    const december = await ledger.reserve(budgets, 0.001);
    expect(december.ok).toBe(true);
    expect(await ledger.spentUsd(budgets[0])).toBeCloseTo(0.001, 9);
  });

  it('rebuilds a window Redis lost from the spans in Postgres', async () => {
    const scope = keyScope();
    const spans = new SpanRepository(database.db);
    const tenantRows = [0.004, 0.003].map((costUsd) => buildSpanRow({ virtualKeyId: scope.id, costUsd, startedAt: new Date() }));
    // A span from last month must not count.
    tenantRows.push(buildSpanRow({ virtualKeyId: scope.id, costUsd: 5, startedAt: new Date(Date.now() - 40 * 86_400_000) }));
    await spans.insertMany(tenantRows);
    const ledger = fresh();
    const budgets = [{ scope, budget: { window: 'rolling', days: 30, usd: 0.01, alertFraction: 0.8 } as Budget }];
    const r = await ledger.reserve(budgets, 0.001);
    expect(r.ok).toBe(true);
    expect(await ledger.spentUsd(budgets[0])).toBeCloseTo(0.008, 9);
    // 0.008 and 0.009 are under the cap; at 0.010 the window is full.
    expect((await ledger.reserve(budgets, 0.001)).ok).toBe(true);
    expect((await ledger.reserve(budgets, 0.001)).ok).toBe(true);
    expect((await ledger.reserve(budgets, 0.001)).ok).toBe(false);
  });
});
