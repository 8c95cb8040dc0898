import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminAuditRepository, type NewAdminAuditEvent } from './admin-audit.repository.js';
import type { DatabaseHandle } from './database.client.js';

describe('AdminAuditRepository against Postgres', () => {
  let handle: DatabaseHandle;
  let repo: AdminAuditRepository;

  beforeAll(() => {
    handle = createTestDatabase({ max: 2 });
    repo = new AdminAuditRepository(handle.db);
  });

  afterAll(async () => {
    await handle.close();
  });

  const event = (over: Partial<NewAdminAuditEvent> = {}): NewAdminAuditEvent => ({
    actor: 'alice',
    principalKind: 'root',
    tenantId: null,
    adminKeyId: null,
    method: 'POST',
    route: '/admin/tenants',
    path: '/admin/tenants',
    statusCode: 201,
    targetId: null,
    ...over,
  });

  it('appends events and reads them newest first, per tenant or all, page by page', async () => {
    const tenant = `tn_${randomBytes(6).toString('hex')}`;
    const other = `tn_${randomBytes(6).toString('hex')}`;
    const first = await repo.append(event({ principalKind: 'tenant', tenantId: tenant, adminKeyId: 'ak_1', targetId: 'vk_1' }));
    const foreign = await repo.append(event({ principalKind: 'tenant', tenantId: other, adminKeyId: 'ak_2' }));
    const second = await repo.append(event({ principalKind: 'tenant', tenantId: tenant, adminKeyId: 'ak_1', method: 'GET', route: '/admin/policy', path: '/admin/policy', statusCode: 403 }));
    const anonymous = await repo.append(event({ principalKind: 'none', actor: 'admin-api', statusCode: 401, route: null }));
    expect(first).toMatchObject({ id: expect.any(Number) as unknown, at: expect.any(Date) as unknown, tenantId: tenant, targetId: 'vk_1', statusCode: 201 });

    expect((await repo.list(tenant, { limit: 10 })).map((e) => e.id)).toEqual([second.id, first.id]);
    expect((await repo.list(tenant, { limit: 1, before: second.id })).map((e) => e.id)).toEqual([first.id]);
    expect(await repo.list(tenant, { limit: 10, before: first.id })).toEqual([]);
    // Other files may append meanwhile: look at this test's rows among everyone's.
    const mine = new Set([first.id, foreign.id, second.id, anonymous.id]);
    const all = (await repo.list(null, { limit: 500, before: anonymous.id + 1 })).map((e) => e.id).filter((id) => mine.has(id));
    expect(all).toEqual([anonymous.id, second.id, foreign.id, first.id]);
  });
});
