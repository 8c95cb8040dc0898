import { randomBytes } from 'node:crypto';
import { tenantSchema, virtualKeyWithSecretResponseSchema } from '@switchyard/contracts';
import { loadOpenAiSchemas } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from './support/admin.client.js';
import { ADMIN_KEY, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();

describe('/v1 needs a key (auth: keys)', () => {
  let h: GatewayHarness;
  let tenantId: string;
  beforeAll(async () => {
    h = await startGatewayHarness({ auth: 'keys' });
    const tenant = await adminCall(h.baseUrl, 'POST', '/admin/tenants', { name: `auth-${randomBytes(4).toString('hex')}` });
    tenantId = tenantSchema.parse(tenant.json).id;
  });
  afterAll(async () => {
    await h.close();
  });

  const newKey = async (fields: Record<string, unknown> = {}) =>
    virtualKeyWithSecretResponseSchema.parse((await adminCall(h.baseUrl, 'POST', '/admin/keys', { tenantId, name: 'k', ...fields })).json);

  const chat = async (key: string | null, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key !== null && { authorization: `Bearer ${key}` }), ...headers },
      body: JSON.stringify({ model: 'gpt-a', messages: [{ role: 'user', content: 'hi' }], ...body }),
    });
    return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
  };

  it('answers 401 in the OpenAI envelope without a key, with a malformed header, or an unknown key', async () => {
    for (const [key, code] of [
      [null, 'missing_api_key'],
      ['sk-sy-' + 'x'.repeat(43), 'invalid_api_key'],
      ['not-a-key', 'invalid_api_key'],
    ] as const) {
      const res = await chat(key);
      expect(res.status).toBe(401);
      schemas.assertValid('ErrorResponse', res.json);
      expect(res.json).toMatchObject({ error: { type: 'authentication_error', code } });
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      if (key) expect(JSON.stringify(res.json)).not.toContain(key);
    }
    const malformed = await fetch(`${h.baseUrl}/v1/models`, { headers: { authorization: 'Basic abc' } });
    expect(malformed.status).toBe(401);
  });

  it('serves a valid key, records its tenant and key on the span, and takes the admin key too', async () => {
    const key = await newKey();
    const res = await chat(key.secret);
    expect(res.status).toBe(200);
    const span = await h.waitForSpan(res.headers.get('x-switchyard-span-id')!);
    expect(span).toMatchObject({ tenant: tenantId, virtualKeyId: key.id });
    const admin = await chat(ADMIN_KEY);
    expect(admin.status).toBe(200);
    expect((await h.waitForSpan(admin.headers.get('x-switchyard-span-id')!)).tenant).toBeNull();
  });

  it('refuses a model or workload the key may not use with 403, and lists only allowed models', async () => {
    const key = await newKey({ allowedModels: ['gpt-a', 'with-fallback'], allowedWorkloads: ['with-fallback'], defaultWorkload: 'with-fallback' });
    const denied = await chat(key.secret, { model: 'gpt-b' });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ error: { type: 'permission_error', code: 'model_not_allowed', param: 'model' } });
    schemas.assertValid('ErrorResponse', denied.json);

    // No workload header: the key's default workload routes it.
    const routed = await chat(key.secret);
    expect(routed.status).toBe(200);
    expect(routed.headers.get('x-switchyard-policy-version')).toBeTruthy();
    expect((await h.waitForSpan(routed.headers.get('x-switchyard-span-id')!)).workload).toBe('with-fallback');
    const otherWorkload = await chat(key.secret, {}, { 'x-switchyard-workload': 'dead-first' });
    expect(otherWorkload.status).toBe(403);
    expect(otherWorkload.json).toMatchObject({ error: { code: 'workload_not_allowed' } });

    const models = (await (await fetch(`${h.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${key.secret}` } })).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id).sort()).toEqual(['gpt-a', 'with-fallback']);
  });

  it('changes a key in place: permissions and limits apply to the next call, the secret stays', async () => {
    const key = await newKey({ allowedModels: ['gpt-a'] });
    expect((await chat(key.secret)).status).toBe(200);
    expect((await chat(key.secret, { model: 'gpt-b' })).status).toBe(403);
    const patched = await adminCall(h.baseUrl, 'PATCH', `/admin/keys/${key.id}`, { allowedModels: ['gpt-b'], rateLimits: { requestsPerMinute: 1 } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ id: key.id, allowedModels: ['gpt-b'], rateLimits: { requestsPerMinute: 1 } });
    expect(JSON.stringify(patched.json)).not.toContain(key.secret);
    // The cached credential was dropped: the old permission is gone at once, the new limit holds.
    expect((await chat(key.secret)).status).toBe(403);
    expect((await chat(key.secret, { model: 'gpt-b' })).status).toBe(200);
    expect((await chat(key.secret, { model: 'gpt-b' })).status).toBe(429);

    const empty = await adminCall(h.baseUrl, 'PATCH', `/admin/keys/${key.id}`, {});
    expect(empty.status).toBe(400);
    const badDefault = await adminCall(h.baseUrl, 'PATCH', `/admin/keys/${key.id}`, { allowedWorkloads: ['with-fallback'], defaultWorkload: 'dead-first' });
    expect(badDefault.json).toMatchObject({ error: { code: 'invalid_default_workload', param: 'defaultWorkload' } });
    const missing = await adminCall(h.baseUrl, 'PATCH', '/admin/keys/vk_0000000000nothere', { name: 'x' });
    expect(missing.status).toBe(404);
  });

  it('stops a key at once when it is revoked, rotated or expired', async () => {
    const revoked = await newKey();
    expect((await chat(revoked.secret)).status).toBe(200);
    await adminCall(h.baseUrl, 'POST', `/admin/keys/${revoked.id}/revoke`);
    expect((await chat(revoked.secret)).status).toBe(401);

    const rotated = await newKey();
    expect((await chat(rotated.secret)).status).toBe(200);
    const fresh = virtualKeyWithSecretResponseSchema.parse((await adminCall(h.baseUrl, 'POST', `/admin/keys/${rotated.id}/rotate`)).json);
    expect((await chat(rotated.secret)).status).toBe(401);
    expect((await chat(fresh.secret)).status).toBe(200);

    const expiring = await newKey();
    expect((await chat(expiring.secret)).status).toBe(200);
    await adminCall(h.baseUrl, 'POST', `/admin/keys/${expiring.id}/expiry`, { expiresAt: new Date(Date.now() - 1_000).toISOString() });
    expect((await chat(expiring.secret)).status).toBe(401);
  });
});
