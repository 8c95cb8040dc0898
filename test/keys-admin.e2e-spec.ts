import { randomBytes } from 'node:crypto';
import { tenantSchema, virtualKeyListResponseSchema, virtualKeySchema, virtualKeyWithSecretResponseSchema } from '@switchyard/contracts';
import { VirtualKeyRepository } from '@switchyard/db';
import { createTestDatabase, loadOpenAiSchemas } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();

describe('tenants and virtual keys over the admin API', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const admin = async (method: 'GET' | 'POST', path: string, body?: unknown, key: string | null = ADMIN_KEY): Promise<{ status: number; json: unknown; text: string }> => {
    const res = await fetch(`${h.baseUrl}${path}`, {
      method,
      headers: { ...(key !== null && { authorization: `Bearer ${key}` }), ...(body !== undefined && { 'content-type': 'application/json' }), 'x-switchyard-actor': 'e2e' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: JSON.parse(text) as unknown, text };
  };

  it('creates a tenant and a key whose secret is shown once and works only until rotated or revoked', async () => {
    const name = `acme-${randomBytes(4).toString('hex')}`;
    const tenant = await admin('POST', '/admin/tenants', { name });
    expect(tenant.status).toBe(201);
    const tenantId = tenantSchema.parse(tenant.json).id;
    expect((await admin('POST', '/admin/tenants', { name })).json).toMatchObject({ error: { code: 'tenant_exists', param: 'name' } });

    const created = await admin('POST', '/admin/keys', { tenantId, name: 'ci', allowedModels: ['gpt-a'], budgets: [{ window: 'day', usd: 5 }], rateLimits: { requestsPerMinute: 60 } });
    expect(created.status).toBe(201);
    const key = virtualKeyWithSecretResponseSchema.parse(created.json);
    expect(key.secret.startsWith(key.prefix)).toBe(true);

    // Never again: not in the list, not in one key's view, and the database keeps only a hash.
    const listed = await admin('GET', `/admin/keys?tenantId=${tenantId}`);
    expect(virtualKeyListResponseSchema.parse(listed.json).data.map((k) => k.id)).toEqual([key.id]);
    expect(listed.text).not.toContain(key.secret);
    const shown = await admin('GET', `/admin/keys/${key.id}`);
    expect(virtualKeySchema.strict().parse(shown.json)).toMatchObject({ id: key.id, allowedModels: ['gpt-a'], revokedAt: null });
    expect(shown.text).not.toContain(key.secret);
    const database = createTestDatabase({ max: 1 });
    const keys = new VirtualKeyRepository(database.db);
    try {
      expect((await keys.findActiveBySecret(key.secret))?.id).toBe(key.id);
      const { rows } = await database.pool.query<Record<string, unknown>>('select * from virtual_keys where id = $1', [key.id]);
      expect(JSON.stringify(rows)).not.toContain(key.secret);

      const rotated = virtualKeyWithSecretResponseSchema.parse((await admin('POST', `/admin/keys/${key.id}/rotate`)).json);
      expect(rotated.secret).not.toBe(key.secret);
      expect(rotated.lastRotatedAt).not.toBeNull();
      expect(await keys.findActiveBySecret(key.secret)).toBeNull();
      expect((await keys.findActiveBySecret(rotated.secret))?.id).toBe(key.id);

      const soon = new Date(Date.now() + 3_600_000).toISOString();
      expect(virtualKeySchema.parse((await admin('POST', `/admin/keys/${key.id}/expiry`, { expiresAt: soon })).json).expiresAt).toBe(soon);
      expect(virtualKeySchema.parse((await admin('POST', `/admin/keys/${key.id}/expiry`, { expiresAt: null })).json).expiresAt).toBeNull();

      const revoked = await admin('POST', `/admin/keys/${key.id}/revoke`);
      expect(virtualKeySchema.parse(revoked.json).revokedAt).not.toBeNull();
      expect(await keys.findActiveBySecret(rotated.secret)).toBeNull();
      expect((await admin('POST', `/admin/keys/${key.id}/rotate`)).json).toMatchObject({ error: { code: 'virtual_key_revoked' } });
    } finally {
      await database.close();
    }
  });

  it('answers bad input, unknown ids and a missing admin key in the OpenAI error envelope', async () => {
    const cases = [
      [await admin('POST', '/admin/keys', { tenantId: 'tn_0000000000missing', name: 'x' }), 404, 'tenant_not_found'],
      [await admin('GET', '/admin/keys/vk_0000000000missing'), 404, 'virtual_key_not_found'],
      [await admin('POST', '/admin/keys', { tenantId: 'not-a-tenant', name: '' }), 400, undefined],
      [await admin('POST', '/admin/keys', { tenantId: 'tn_0000000000missing', name: 'x', allowedWorkloads: ['a'], defaultWorkload: 'b' }), 400, undefined],
      [await admin('GET', '/admin/keys', undefined, null), 401, undefined],
      [await admin('POST', '/admin/tenants', { name: 'x' }, 'wrong-admin-key-000'), 401, undefined],
    ] as const;
    for (const [res, status, code] of cases) {
      expect(res.status, res.text).toBe(status);
      schemas.assertValid('ErrorResponse', res.json);
      if (code) expect(res.json).toMatchObject({ error: { code } });
    }
  });
});
