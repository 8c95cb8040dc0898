import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from './database.client.js';
import { TenantRepository } from './tenant.repository.js';
import { type NewVirtualKey, VirtualKeyRepository } from './virtual-key.repository.js';

/** Other spec files share the database, so every test works in tenants of its own. */
const freshName = (): string => `tenant-${randomBytes(6).toString('hex')}`;
const at = (iso: string): Date => new Date(iso);

describe('VirtualKeyRepository against Postgres', () => {
  let handle: DatabaseHandle;
  let tenantRepo: TenantRepository;
  let repo: VirtualKeyRepository;

  beforeAll(() => {
    handle = createTestDatabase({ max: 4 });
    tenantRepo = new TenantRepository(handle.db);
    repo = new VirtualKeyRepository(handle.db);
  });

  afterAll(async () => {
    await handle.close();
  });

  const freshTenant = async (): Promise<string> => {
    const created = await tenantRepo.create(freshName());
    if (!created.ok) throw new Error(`tenant not created: ${created.reason}`);
    return created.tenant.id;
  };

  const input = (tenantId: string, over: Partial<NewVirtualKey> = {}): NewVirtualKey => ({
    tenantId,
    name: 'ci',
    allowedModels: ['gpt-4o-mini'],
    allowedWorkloads: ['support'],
    defaultWorkload: 'support',
    metadata: { team: 'search' },
    budgets: [{ window: 'month', usd: 50, timeZone: 'Europe/Berlin', alertFraction: 0.8 }],
    rateLimits: { requestsPerMinute: 60 },
    ...over,
  });

  const issue = async (tenantId: string, over: Partial<NewVirtualKey> = {}) => {
    const issued = await repo.create(input(tenantId, over));
    if (!issued) throw new Error('tenant missing');
    return issued;
  };

  it('issues a secret once, stores only its SHA-256 and a display prefix, and keeps every field', async () => {
    const tenantId = await freshTenant();
    const { key, secret } = await issue(tenantId, { expiresAt: at('2099-01-01T00:00:00Z') });
    expect(secret).toMatch(/^sk-sy-[A-Za-z0-9_-]{43}$/);
    expect(key.prefix).toBe(secret.slice(0, 14));
    expect(key).not.toHaveProperty('secretHash');
    expect(key).toMatchObject({
      tenantId,
      name: 'ci',
      allowedModels: ['gpt-4o-mini'],
      allowedWorkloads: ['support'],
      defaultWorkload: 'support',
      metadata: { team: 'search' },
      budgets: [{ window: 'month', usd: 50, timeZone: 'Europe/Berlin', alertFraction: 0.8 }],
      rateLimits: { requestsPerMinute: 60 },
      expiresAt: at('2099-01-01T00:00:00Z'),
      revokedAt: null,
      lastRotatedAt: null,
    });
    expect(key.id).toMatch(/^vk_[0-9a-z]{26}$/);

    const stored = await handle.pool.query<Record<string, unknown>>('select * from virtual_keys where id = $1', [key.id]);
    const row = stored.rows[0] ?? {};
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.values(row).some((v) => typeof v === 'string' && v.includes(secret.slice(14)))).toBe(false);
    expect(await repo.get(tenantId, key.id)).toEqual(key);
  });

  it('refuses a key for a tenant that does not exist', async () => {
    expect(await repo.create(input('tn_0000000000missing'))).toBeUndefined();
  });

  it('finds a key by its secret only while it is neither revoked nor expired', async () => {
    const tenantId = await freshTenant();
    const { key, secret } = await issue(tenantId, { expiresAt: at('2030-06-01T00:00:00Z') });
    const before = at('2030-05-31T23:59:59Z');
    expect((await repo.findActiveBySecret(secret, before))?.id).toBe(key.id);
    expect(await repo.findActiveBySecret(secret, at('2030-06-01T00:00:00Z'))).toBeNull();
    expect(await repo.findActiveBySecret(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, before)).toBeNull();
    expect(await repo.findActiveBySecret('sk-sy-short', before)).toBeNull();
    expect(await repo.findActiveBySecret('x'.repeat(100_000), before)).toBeNull();

    expect((await repo.setExpiry(tenantId, key.id, null))?.expiresAt).toBeNull();
    expect((await repo.findActiveBySecret(secret, at('2031-01-01T00:00:00Z')))?.id).toBe(key.id);

    const revokedAt = at('2030-05-01T00:00:00Z');
    expect((await repo.revoke(tenantId, key.id, revokedAt))?.revokedAt).toEqual(revokedAt);
    expect(await repo.findActiveBySecret(secret, before)).toBeNull();
    // Revoking again keeps the first time.
    expect((await repo.revoke(tenantId, key.id, at('2030-05-02T00:00:00Z')))?.revokedAt).toEqual(revokedAt);
  });

  it('rotates: the new secret works at once, the old one stops, and the prefix and rotation time move', async () => {
    const tenantId = await freshTenant();
    const { key, secret: old } = await issue(tenantId);
    const now = at('2030-01-01T00:00:00Z');
    const rotated = await repo.rotate(tenantId, key.id, now);
    if (!rotated.ok) throw new Error(rotated.reason);
    expect(rotated.secret).not.toBe(old);
    expect(rotated.key).toMatchObject({ id: key.id, lastRotatedAt: now, prefix: rotated.secret.slice(0, 14), createdAt: key.createdAt });
    expect(await repo.findActiveBySecret(old, now)).toBeNull();
    expect((await repo.findActiveBySecret(rotated.secret, now))?.id).toBe(key.id);

    await repo.revoke(tenantId, key.id, now);
    expect(await repo.rotate(tenantId, key.id, now)).toEqual({ ok: false, reason: 'revoked' });
    expect(await repo.rotate(tenantId, 'vk_missing', now)).toEqual({ ok: false, reason: 'not_found' });
  });

  it("scopes reads and writes to a tenant: another tenant's key is not found", async () => {
    const mine = await freshTenant();
    const theirs = await freshTenant();
    const a = await issue(mine, { name: 'a' });
    const b = await issue(mine, { name: 'b' });
    const other = await issue(theirs, { name: 'other' });

    expect((await repo.list(mine)).map((k) => k.name)).toEqual(['b', 'a']);
    expect((await repo.list(theirs)).map((k) => k.id)).toEqual([other.key.id]);
    const all = (await repo.list(null)).map((k) => k.id);
    expect(all).toEqual(expect.arrayContaining([a.key.id, b.key.id, other.key.id]));

    expect(await repo.get(mine, other.key.id)).toBeUndefined();
    expect((await repo.get(null, other.key.id))?.id).toBe(other.key.id);
    expect(await repo.rotate(mine, other.key.id)).toEqual({ ok: false, reason: 'not_found' });
    expect(await repo.revoke(mine, other.key.id)).toBeUndefined();
    expect(await repo.setExpiry(mine, other.key.id, new Date())).toBeUndefined();
    expect((await repo.findActiveBySecret(other.secret))?.id).toBe(other.key.id);
  });

  it('never lets two keys share a hash', async () => {
    const tenantId = await freshTenant();
    const { key } = await issue(tenantId);
    const { key: second } = await issue(tenantId);
    await expect(handle.pool.query('update virtual_keys set secret_hash = (select secret_hash from virtual_keys where id = $1) where id = $2', [key.id, second.id])).rejects.toThrow(/virtual_keys_secret_hash_idx/);
  });
});
