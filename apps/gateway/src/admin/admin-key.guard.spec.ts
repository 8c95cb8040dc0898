import { randomBytes } from 'node:crypto';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { loadTestEnv } from '@switchyard/config';
import { AdminKeyRepository, type DatabaseHandle, TenantRepository } from '@switchyard/db';
import { createTestDatabase } from '@switchyard/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialChanges } from '../auth/credential-changes.channel.js';
import { OpenAiHttpError } from '../errors/openai-error.js';
import { AdminKeyGuard } from './admin-key.guard.js';
import { AdminCredentialCache } from './auth/admin-credential.cache.js';
import { type AdminPrincipal, TenantAdmins } from './auth/admin-principal.js';

const KEY = 'sy-admin-0123456789abcdef';
const UNKNOWN_TENANT_SECRET = `sk-sya-${'t'.repeat(43)}`;

class Routes {
  rootOnly(): void {}
  @TenantAdmins()
  forTenants(): void {}
}

/** A request to one of Routes' handlers with these headers; the guard writes the principal onto it. */
const contextWith = (headers: Record<string, string>, handler: keyof Routes = 'rootOnly') => {
  const request: { headers: Record<string, string>; adminPrincipal?: AdminPrincipal } = { headers };
  const context = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
  } as unknown as ExecutionContext;
  return { context, request };
};

/** Tenant admin keys in the real test database, with a real change channel. */
let handle: DatabaseHandle;
let redis: Redis;
let keys: AdminKeyRepository;
let changes: CredentialChanges;
let tenantId: string;

beforeAll(async () => {
  handle = createTestDatabase({ max: 2 });
  redis = new Redis(loadTestEnv().TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  keys = new AdminKeyRepository(handle.db);
  changes = new CredentialChanges(redis, `guard-spec-${randomBytes(4).toString('hex')}`);
  const created = await new TenantRepository(handle.db).create(`guard-spec-${randomBytes(6).toString('hex')}`);
  if (!created.ok) throw new Error(created.reason);
  tenantId = created.tenant.id;
});

afterAll(async () => {
  redis.disconnect();
  await handle.close();
});

const issue = async (): Promise<{ id: string; secret: string }> => {
  const issued = await keys.create(tenantId, 'ops');
  if (!issued) throw new Error('tenant missing');
  return { id: issued.key.id, secret: issued.secret };
};

/** The error the guard throws for these headers, or undefined when it lets the request through. */
const rejection = async (guard: AdminKeyGuard, headers: Record<string, string>, handler: keyof Routes = 'rootOnly'): Promise<OpenAiHttpError | undefined> => {
  try {
    expect(await guard.canActivate(contextWith(headers, handler).context)).toBe(true);
    return undefined;
  } catch (error) {
    if (error instanceof OpenAiHttpError) return error;
    throw error;
  }
};

describe('AdminKeyGuard', () => {
  const guard = new AdminKeyGuard(KEY, new Reflector());

  it('lets the admin key through as a bearer token, whatever the scheme case, as root', async () => {
    expect(await rejection(guard, { authorization: `Bearer ${KEY}` })).toBeUndefined();
    expect(await rejection(guard, { authorization: `bearer ${KEY}` })).toBeUndefined();
    expect(await rejection(guard, { authorization: `  BEARER  ${KEY} ` })).toBeUndefined();
    const { context, request } = contextWith({ authorization: `Bearer ${KEY}` });
    await guard.canActivate(context);
    expect(request.adminPrincipal).toEqual({ kind: 'root' });
  });

  it('answers 401 in the OpenAI envelope, with a bearer challenge, when the key is missing', async () => {
    const cases: Record<string, string>[] = [{}, { authorization: '' }, { authorization: '   ' }];
    for (const headers of cases) {
      const error = await rejection(guard, headers);
      expect(error?.status).toBe(401);
      expect(error?.toEnvelope()).toEqual({ error: { message: expect.stringContaining('Missing admin key') as string, type: 'authentication_error', code: 'missing_admin_key', param: null } });
      expect(error?.headers).toEqual({ 'www-authenticate': 'Bearer realm="switchyard-admin"' });
    }
  });

  it('refuses any other key, including ones that share a prefix with it', async () => {
    for (const presented of ['wrong', KEY.slice(0, -1), `${KEY}x`, KEY.toUpperCase(), `x${KEY}`]) {
      const error = await rejection(guard, { authorization: `Bearer ${presented}` });
      expect(error?.status, presented).toBe(401);
      expect(error?.code).toBe('invalid_admin_key');
      expect(error?.message).not.toContain(presented);
    }
  });

  it('refuses other schemes and malformed headers', async () => {
    for (const authorization of [KEY, `Basic ${KEY}`, `Bearer ${KEY} extra`, 'Bearer', `Bearer${KEY}`]) {
      expect((await rejection(guard, { authorization }))?.code, authorization).toBe('invalid_admin_key');
    }
  });

  it('refuses everything when no admin key is configured', async () => {
    const { secret } = await issue();
    const disabled = new AdminKeyGuard('', new Reflector(), new AdminCredentialCache(keys, changes));
    for (const authorization of ['Bearer ', 'Bearer x', `Bearer ${KEY}`, `Bearer ${secret}`]) {
      const error = await rejection(disabled, { authorization });
      expect(error?.status).toBe(401);
      expect(error?.code).toBe('admin_api_disabled');
    }
  });

  it('knows tenant admin keys only when given their store', async () => {
    const { secret } = await issue();
    expect((await rejection(guard, { authorization: `Bearer ${secret}` }, 'forTenants'))?.code).toBe('invalid_admin_key');
  });

  it('lets a tenant admin key onto tenant routes only, as its tenant, and 403s it elsewhere', async () => {
    const { id, secret } = await issue();
    const withTenants = new AdminKeyGuard(KEY, new Reflector(), new AdminCredentialCache(keys, changes));
    const { context, request } = contextWith({ authorization: `Bearer ${secret}` }, 'forTenants');
    expect(await withTenants.canActivate(context)).toBe(true);
    expect(request.adminPrincipal).toEqual({ kind: 'tenant', tenantId, keyId: id });
    const refused = await rejection(withTenants, { authorization: `Bearer ${secret}` });
    expect(refused).toMatchObject({ status: 403, type: 'permission_error', code: 'root_admin_required' });
    // The root key still opens both.
    expect(await rejection(withTenants, { authorization: `Bearer ${KEY}` })).toBeUndefined();
    expect(await rejection(withTenants, { authorization: `Bearer ${KEY}` }, 'forTenants')).toBeUndefined();
    // Unknown secrets, and a virtual key's secret of the right shape, are no admin keys.
    expect((await rejection(withTenants, { authorization: `Bearer ${UNKNOWN_TENANT_SECRET}` }, 'forTenants'))?.status).toBe(401);
    expect((await rejection(withTenants, { authorization: `Bearer ${secret.replace('sk-sya-', 'sk-sy-')}` }, 'forTenants'))?.status).toBe(401);
  });

  it('refuses a revoked tenant admin key from the next request on, although it was cached', async () => {
    const { id, secret } = await issue();
    const cache = new AdminCredentialCache(keys, changes);
    const withTenants = new AdminKeyGuard(KEY, new Reflector(), cache);
    expect(await rejection(withTenants, { authorization: `Bearer ${secret}` }, 'forTenants')).toBeUndefined();
    expect(await rejection(withTenants, { authorization: `Bearer ${secret}` }, 'forTenants')).toBeUndefined();
    await keys.revoke(null, id);
    cache.revoked(id);
    expect((await rejection(withTenants, { authorization: `Bearer ${secret}` }, 'forTenants'))?.status).toBe(401);
  });
});
