import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadTestEnv } from '@switchyard/config';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BudgetReservation, ExplorationBudgetRepository, type ReserveResult, toMicros } from './exploration-budget.repository.js';

const grantOf = async (result: Promise<ReserveResult>): Promise<BudgetReservation | undefined> => {
  const r = await result;
  return r.granted ? r.reservation : undefined;
};

// Real Redis, never a mock: the guarantee under test is the atomicity of the Lua scripts.
describe('ExplorationBudgetRepository (real Redis)', () => {
  /** Several connections, as several worker processes would have. */
  let connections: Redis[];
  const prefix = (): string => `budget-spec-${randomBytes(6).toString('hex')}`;

  beforeAll(() => {
    connections = Array.from({ length: 5 }, () => new Redis(loadTestEnv().TEST_REDIS_URL, { maxRetriesPerRequest: null }));
  });

  afterAll(() => {
    for (const c of connections) c.disconnect();
  });

  const repositories = (keyPrefix: string, now?: () => Date): ExplorationBudgetRepository[] => connections.map((c) => new ExplorationBudgetRepository(c, keyPrefix, now));

  it('50 probes racing for a $0.01 budget spend at most $0.01 plus one probe, and the ledger ends balanced', async () => {
    const repos = repositories(prefix());
    const budget = 0.01;
    // About what a 400-token prompt and a 60-token answer cost at $2.50 / $10 per million tokens.
    const estimate = 0.0016;
    const actuals: number[] = [];
    let grants = 0;
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const repo = repos[i % repos.length];
        const reservation = await grantOf(repo.reserve(budget, estimate));
        if (!reservation) return 'refused';
        // Counted over grants, not over i: which connection's probes win the race is up to Redis.
        const grant = grants++;
        await sleep(Math.random() * 20);
        // Every fifth granted probe fails before its call and gives the estimate back.
        if (grant % 5 === 4) {
          expect(await repo.release(reservation)).toBe(true);
          return 'released';
        }
        // Actual costs come in under the estimate, as an upper-bound estimate should.
        const actual = estimate * (0.5 + Math.random() * 0.5);
        actuals.push(actual);
        expect(await repo.settle(reservation, actual)).toBe(true);
        return 'settled';
      }),
    );
    const usage = await repos[0].usage();
    const spent = actuals.reduce((a, b) => a + b, 0);
    expect(outcomes.filter((o) => o === 'refused').length).toBeGreaterThan(0);
    expect(usage.spentUsd).toBeGreaterThan(0);
    expect(usage.spentUsd).toBeLessThanOrEqual(budget + estimate);
    // The ledger holds exactly the settled costs (each rounded up to the micro-dollar), and nothing is left reserved.
    expect(Math.round(usage.spentUsd * 1e6)).toBe(actuals.reduce((a, b) => a + toMicros(b), 0));
    expect(spent).toBeLessThanOrEqual(usage.spentUsd);
    expect(usage).toMatchObject({ reservedUsd: 0, openReservations: 0 });
  });

  it('probes that wait while the budget is held end the day between the budget and one probe over it', async () => {
    const repos = repositories(prefix());
    const budget = 0.01;
    const estimate = 0.0016;
    const settled: number[] = [];
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const repo = repos[i % repos.length];
        for (;;) {
          const r = await repo.reserve(budget, estimate);
          if (r.granted) {
            await sleep(Math.random() * 10);
            const actual = estimate * (0.6 + Math.random() * 0.4);
            await repo.settle(r.reservation, actual);
            settled.push(toMicros(actual));
            return 'ran';
          }
          if (r.reason === 'exhausted') return 'exhausted';
          // Held by probes in flight: there may be room once they settle.
          await sleep(2);
        }
      }),
    );
    const usage = await repos[0].usage();
    expect(outcomes.filter((o) => o === 'exhausted').length).toBeGreaterThan(0);
    expect(usage.spentUsd).toBeGreaterThanOrEqual(budget);
    expect(usage.spentUsd).toBeLessThanOrEqual(budget + estimate);
    expect(Math.round(usage.spentUsd * 1e6)).toBe(settled.reduce((a, b) => a + b, 0));
    expect(usage).toMatchObject({ reservedUsd: 0, openReservations: 0 });
    expect(await repos[0].reserve(budget, 0.000_001)).toEqual({ granted: false, reason: 'exhausted' });
  });

  it('tells a budget that is spent from one that probes in flight hold', async () => {
    const [repo] = repositories(prefix());
    const first = await grantOf(repo.reserve(0.01, 0.006));
    expect(await grantOf(repo.reserve(0.01, 0.006))).toBeDefined();
    expect(await repo.reserve(0.01, 0.006)).toEqual({ granted: false, reason: 'held' });
    await repo.settle(first as BudgetReservation, 0.003);
    // 0.003 spent and 0.006 held: under the budget, so one more is granted.
    expect(await grantOf(repo.reserve(0.01, 0.006))).toBeDefined();
    expect(await repo.reserve(0.01, 0.006)).toEqual({ granted: false, reason: 'held' });
  });

  it('settles a reservation once: a second settle or release changes nothing, and nothing goes negative', async () => {
    const [repo] = repositories(prefix());
    const r = await grantOf(repo.reserve(1, 0.002));
    expect(r).toBeDefined();
    const reservation = r as BudgetReservation;
    expect(await repo.usage()).toMatchObject({ spentUsd: 0, reservedUsd: 0.002, openReservations: 1 });
    expect(await repo.settle(reservation, 0.0015)).toBe(true);
    expect(await repo.settle(reservation, 0.0015)).toBe(false);
    expect(await repo.release(reservation)).toBe(false);
    expect(await repo.release({ ...reservation, id: 'never-made' })).toBe(false);
    expect(await repo.usage()).toMatchObject({ spentUsd: 0.0015, reservedUsd: 0, openReservations: 0 });
  });

  it('counts in integer micro-dollars: a thousand $0.00001 probes make exactly $0.01', async () => {
    const [repo] = repositories(prefix());
    for (let i = 0; i < 1_000; i++) {
      const r = await grantOf(repo.reserve(1, 0.000_01));
      await repo.settle(r as BudgetReservation, 0.000_01);
    }
    expect((await repo.usage()).spentUsd).toBe(0.01);
  });

  it('refuses everything when the budget is zero', async () => {
    const [repo] = repositories(prefix());
    expect(await repo.reserve(0, 0.001)).toEqual({ granted: false, reason: 'exhausted' });
    expect(await repo.usage()).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });

  it('keeps one key per UTC day that expires after two days; a probe settles on the day it reserved', async () => {
    const keyPrefix = prefix();
    let now = new Date('2026-03-01T23:59:59.500Z');
    const [repo] = repositories(keyPrefix, () => now);
    const r = (await grantOf(repo.reserve(0.01, 0.01))) as BudgetReservation;
    expect(r.day).toBe('2026-03-01');
    expect(await repo.reserve(0.01, 0.001)).toEqual({ granted: false, reason: 'held' });

    now = new Date('2026-03-02T00:00:00.100Z');
    // A new day, a new budget.
    const next = await grantOf(repo.reserve(0.01, 0.001));
    expect(next?.day).toBe('2026-03-02');
    await repo.settle(r, 0.0125);
    expect(await repo.usage('2026-03-01')).toMatchObject({ spentUsd: 0.0125, reservedUsd: 0 });
    expect(await repo.usage('2026-03-02')).toMatchObject({ spentUsd: 0, reservedUsd: 0.001 });

    const redis = connections[0];
    const keys = (await redis.keys(`${keyPrefix}:*`)).sort();
    expect(keys).toEqual([`${keyPrefix}:exploration-budget:shadow:2026-03-01`, `${keyPrefix}:exploration-budget:shadow:2026-03-02`]);
    for (const key of keys) {
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(2 * 24 * 3_600 - 60);
      expect(ttl).toBeLessThanOrEqual(2 * 24 * 3_600);
    }
  });
});
