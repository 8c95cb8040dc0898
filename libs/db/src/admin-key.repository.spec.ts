import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '@switchyard/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminKeyRepository } from './admin-key.repository.js';
import { hashSecret } from './secret.minter.js';
import type { DatabaseHandle } from './database.client.js';
import { TenantRepository } from './tenant.repository.js';

describe('AdminKeyRepository against Postgres', () => {
  let handle: DatabaseHandle;
  let repo: AdminKeyRepository;
  let tenants: TenantRepository;

  beforeAll(() => {
    handle = createTestDatabase({ max: 4 });
    repo = new AdminKeyRepository(handle.db);
    tenants = new TenantRepository(handle.db);
  });

  afterAll(async () => {
    await handle.close();
  });

  /** Other spec files share the database, so every test works in tenants of its own. */
  const freshTenant = async (): Promise<string> => {
    const created = await tenants.create(`tenant-${randomBytes(6).toString('hex')}`);
    if (!created.ok) throw new Error(created.reason);
    return created.tenant.id;
  };

  const issue = async (tenantId: string, name = 'ops') => {
    const issued = await repo.create(tenantId, name);
    if (!issued) throw new Error('tenant missing');
    return issued;
  };

  it('issues an sk-sya- secret once and stores only its SHA-256 and a display prefix', async () => {
    const tenantId = await freshTenant();
    const { key, secret } = await issue(tenantId);
    expect(secret).toMatch(/^sk-sya-[A-Za-z0-9_-]{43}$/);
    expect(key).toEqual({ id: expect.stringMatching(/^ak_[0-9a-z]{26}$/) as unknown, tenantId, name: 'ops', prefix: secret.slice(0, 15), createdAt: expect.any(Date) as unknown, revokedAt: null });
    expect(key).not.toHaveProperty('secretHash');
    const stored = await handle.db.execute<Record<string, unknown>>(sql`select * from admin_keys where id = ${key.id}`);
    expect(stored.rows[0]?.['secret_hash']).toBe(hashSecret(secret));
    expect(JSON.stringify(stored.rows)).not.toContain(secret.slice(15));
    expect(await repo.create('tn_0000000000missing', 'x')).toBeUndefined();
  });

  it('finds an unrevoked key by its secret only', async () => {
    const tenantId = await freshTenant();
    const { key, secret } = await issue(tenantId);
    expect(await repo.findActiveBySecret(secret)).toEqual(key);
    for (const wrong of [secret.slice(0, -1), `${secret}x`, secret.replace('sk-sya-', 'sk-sy-'), `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, '']) {
      expect(await repo.findActiveBySecret(wrong), wrong).toBeNull();
    }
    const revoked = await repo.revoke(null, key.id);
    expect(revoked?.revokedAt).toBeInstanceOf(Date);
    expect(await repo.findActiveBySecret(secret)).toBeNull();
  });

  it('lists, reads and revokes within a tenant scope; revoking twice keeps the first time', async () => {
    const [a, b] = [await freshTenant(), await freshTenant()];
    const first = await issue(a, 'first');
    const second = await issue(a, 'second');
    const ofB = await issue(b);
    expect((await repo.list(a)).map((k) => k.id)).toEqual([second.key.id, first.key.id]);
    expect((await repo.list(null)).map((k) => k.id)).toEqual(expect.arrayContaining([first.key.id, second.key.id, ofB.key.id]));
    expect(await repo.get(b, first.key.id)).toBeUndefined();
    expect((await repo.get(a, first.key.id))?.name).toBe('first');
    expect(await repo.revoke(b, first.key.id)).toBeUndefined();
    expect(await repo.findActiveBySecret(first.secret)).not.toBeNull();
    const at = new Date('2030-01-01T00:00:00Z');
    expect((await repo.revoke(a, first.key.id, at))?.revokedAt).toEqual(at);
    expect((await repo.revoke(null, first.key.id, new Date('2031-01-01T00:00:00Z')))?.revokedAt).toEqual(at);
  });
});
