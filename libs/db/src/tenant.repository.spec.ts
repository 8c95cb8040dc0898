import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from './database.client.js';
import type { TenantRow } from './tables/index.js';
import { TenantRepository, type TenantWriteResult } from './tenant.repository.js';

/** Other spec files share the database, so every test works in tenants and workloads of its own. */
const fresh = (what: string): string => `${what}-${randomBytes(6).toString('hex')}`;

const created = (result: TenantWriteResult): TenantRow => {
  if (!result.ok) throw new Error(`tenant not written: ${result.reason}`);
  return result.tenant;
};

describe('TenantRepository against Postgres', () => {
  let handle: DatabaseHandle;
  let repo: TenantRepository;

  beforeAll(() => {
    handle = createTestDatabase({ max: 4 });
    repo = new TenantRepository(handle.db);
  });

  afterAll(async () => {
    await handle.close();
  });

  it('creates tenants with unique names and lists them oldest first', async () => {
    const name = fresh('tenant');
    const tenant = created(await repo.create(name));
    expect(tenant.id).toMatch(/^tn_[0-9a-z]{26}$/);
    expect(tenant).toMatchObject({ budgets: [], rateLimits: {}, workloads: [] });
    expect(await repo.create(name)).toEqual({ ok: false, reason: 'name_taken' });
    const later = created(await repo.create(fresh('tenant')));
    const ids = (await repo.list()).map((t) => t.id);
    expect(ids.indexOf(tenant.id)).toBeLessThan(ids.indexOf(later.id));
    expect(await repo.get(tenant.id)).toEqual(tenant);
  });

  it('gives each workload one owner at most, at creation and on update', async () => {
    const [w1, w2, w3] = [fresh('w'), fresh('w'), fresh('w')];
    const a = created(await repo.create(fresh('tenant'), { workloads: [w1, w2] }));
    expect(a.workloads).toEqual([w1, w2]);
    expect(await repo.create(fresh('tenant'), { workloads: [w3, w2] })).toEqual({ ok: false, reason: 'workload_owned', workload: w2 });
    const b = created(await repo.create(fresh('tenant'), { workloads: [w3] }));
    expect(await repo.update(b.id, { workloads: [w3, w1] })).toEqual({ ok: false, reason: 'workload_owned', workload: w1 });
    expect((await repo.get(b.id))?.workloads).toEqual([w3]);
    // A tenant may keep (or re-list) its own workloads; giving one up frees it for another.
    expect(created(await repo.update(a.id, { workloads: [w1] })).workloads).toEqual([w1]);
    expect(created(await repo.update(b.id, { workloads: [w3, w2] })).workloads).toEqual([w3, w2]);
  });

  it('updates only the fields given, and says when the tenant does not exist', async () => {
    const tenant = created(await repo.create(fresh('tenant'), { rateLimits: { requestsPerMinute: 5 } }));
    const budgets = [{ window: 'day' as const, usd: 3, timeZone: 'UTC', alertFraction: 0.8 }];
    expect(created(await repo.update(tenant.id, { budgets }))).toMatchObject({ budgets, rateLimits: { requestsPerMinute: 5 }, workloads: [] });
    expect(created(await repo.update(tenant.id, {}))).toMatchObject({ budgets });
    expect(await repo.update('tn_0000000000missing', { budgets: [] })).toEqual({ ok: false, reason: 'not_found' });
    expect(await repo.update('tn_0000000000missing', {})).toEqual({ ok: false, reason: 'not_found' });
  });
});
