import { describe, expect, it } from 'vitest';
import { createTenantRequestSchema } from './tenant.schema.js';
import { rateLimitsSchema } from './limits.schema.js';
import { createVirtualKeyRequestSchema, virtualKeySchema, virtualKeyWithSecretResponseSchema } from './virtual-key.schema.js';

const tenantId = 'tn_0000000000abcdef';

describe('virtual key contracts', () => {
  it('fills in open defaults: all models and workloads, no budgets, no limits, no tags, no forced caching', () => {
    expect(createVirtualKeyRequestSchema.parse({ tenantId, name: ' ci ' })).toEqual({
      tenantId,
      name: 'ci',
      allowedModels: [],
      allowedWorkloads: [],
      metadata: {},
      budgets: [],
      rateLimits: {},
      cacheResponses: false,
    });
  });

  it('takes calendar budgets with a time zone and alert share, and rolling ones with a day count', () => {
    const parsed = createVirtualKeyRequestSchema.parse({
      tenantId,
      name: 'k',
      budgets: [{ window: 'month', usd: 50, timeZone: 'Europe/Berlin' }, { window: 'day', usd: 2, alertFraction: 0.5 }, { window: 'rolling', days: 7, usd: 10 }],
    });
    expect(parsed.budgets).toEqual([
      { window: 'month', usd: 50, timeZone: 'Europe/Berlin', alertFraction: 0.8 },
      { window: 'day', usd: 2, timeZone: 'UTC', alertFraction: 0.5 },
      { window: 'rolling', days: 7, usd: 10, alertFraction: 0.8 },
    ]);
    const bad = (budget: unknown): boolean => createVirtualKeyRequestSchema.safeParse({ tenantId, name: 'k', budgets: [budget] }).success;
    expect(bad({ window: 'month', usd: 5, timeZone: 'Mars/Olympus' })).toBe(false);
    expect(bad({ window: 'week', usd: 5 })).toBe(false);
    expect(bad({ window: 'rolling', usd: 5 })).toBe(false);
    expect(bad({ window: 'day', usd: 0 })).toBe(false);
    expect(bad({ window: 'day', usd: 5, alertFraction: 1.5 })).toBe(false);
    expect(bad({ window: 'rolling', days: 3, usd: 5, timeZone: 'UTC' })).toBe(false);
  });

  it('keeps the default workload among the allowed ones', () => {
    expect(createVirtualKeyRequestSchema.safeParse({ tenantId, name: 'k', allowedWorkloads: ['support'], defaultWorkload: 'support' }).success).toBe(true);
    expect(createVirtualKeyRequestSchema.safeParse({ tenantId, name: 'k', defaultWorkload: 'support' }).success).toBe(true);
    const outside = createVirtualKeyRequestSchema.safeParse({ tenantId, name: 'k', allowedWorkloads: ['support'], defaultWorkload: 'code' });
    expect(outside.error?.issues[0]?.path).toEqual(['defaultWorkload']);
  });

  it('rejects unknown fields, bad ids, naive expiry times, too many tags and fractional limits', () => {
    const ok = (over: Record<string, unknown>): boolean => createVirtualKeyRequestSchema.safeParse({ tenantId, name: 'k', ...over }).success;
    expect(ok({ expiresAt: '2030-01-01T00:00:00Z' })).toBe(true);
    expect(ok({ expiresAt: '2030-01-01T00:00:00' })).toBe(false);
    expect(ok({ expiresAt: 'tomorrow' })).toBe(false);
    expect(ok({ tenantId: 'acme' })).toBe(false);
    expect(ok({ secret: 'sk-sy-chosen' })).toBe(false);
    expect(ok({ metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`t${i}`, 'x'])) })).toBe(false);
    expect(ok({ metadata: { team: 'search' } })).toBe(true);
    expect(rateLimitsSchema.safeParse({ requestsPerMinute: 1.5 }).success).toBe(false);
    expect(rateLimitsSchema.safeParse({ requestsPerMinute: 60, tokensPerMinute: 100_000 }).success).toBe(true);
  });

  it('shows no hash on a key and carries the secret only on the with-secret shape', () => {
    const key = {
      id: 'vk_0000000000abcdef',
      tenantId,
      name: 'k',
      prefix: 'sk-sy-AbCd1234',
      allowedModels: [],
      allowedWorkloads: [],
      defaultWorkload: null,
      metadata: {},
      budgets: [],
      rateLimits: {},
      cacheResponses: false,
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: null,
      revokedAt: null,
      lastRotatedAt: null,
    };
    expect(Object.keys(virtualKeySchema.parse({ ...key, secretHash: 'ab', secret: 'sk-sy-x' }))).not.toContain('secretHash');
    expect(Object.keys(virtualKeySchema.parse({ ...key, secret: 'sk-sy-x' }))).not.toContain('secret');
    expect(virtualKeyWithSecretResponseSchema.parse({ ...key, secret: 'sk-sy-x' }).secret).toBe('sk-sy-x');
    expect(virtualKeyWithSecretResponseSchema.safeParse({ ...key, secret: 'other' }).success).toBe(false);
  });

  it('needs a tenant name', () => {
    expect(createTenantRequestSchema.parse({ name: ' acme ' })).toEqual({ name: 'acme', budgets: [], rateLimits: {}, workloads: [] });
    expect(createTenantRequestSchema.safeParse({ name: ' ' }).success).toBe(false);
  });
});
