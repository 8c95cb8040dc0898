import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { activatePolicyResponseSchema, activePolicyResponseSchema, createPolicyVersionResponseSchema, errorEnvelopeSchema, policyDiffResponseSchema, policyVersionListResponseSchema } from '@switchyard/contracts';
import { type DatabaseHandle, PolicyVersionRepository } from '@switchyard/db';
import { buildCatalog } from '@switchyard/routing';
import { createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiErrorFilter } from '../errors/openai-error.filter.js';
import { PolicyAdminModule } from './policy-admin.module.js';
import { ADMIN_KEY, POLICY_CATALOG, POLICY_ENVIRONMENT, POLICY_PUBLISHER, type PolicyPublisher } from './policy-admin.tokens.js';

const KEY = 'admin-key-for-the-controller-spec';
const auth = { authorization: `Bearer ${KEY}` };

/** The module over real HTTP routing, pipes, guard and error filter, with the providers the gateway will give it. */
describe('PolicyAdminModule over HTTP', () => {
  const environment = `http-${randomBytes(4).toString('hex')}`;
  const published: [string, string][] = [];
  const publisher: PolicyPublisher = {
    published: (env, versionId) => {
      published.push([env, versionId]);
      return Promise.resolve();
    },
  };
  let handle: DatabaseHandle;
  let app: NestFastifyApplication;

  const call = async (method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = auth): Promise<{ status: number; json: unknown; headers: Record<string, unknown> }> => {
    const res = await app.getHttpAdapter().getInstance().inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as Record<string, unknown> }) });
    return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as unknown) : undefined, headers: res.headers };
  };
  const envelope = (json: unknown) => errorEnvelopeSchema.parse(json).error;

  beforeAll(async () => {
    handle = createTestDatabase({ max: 2 });
    const module = PolicyAdminModule.register({
      providers: [
        { provide: ADMIN_KEY, useValue: KEY },
        { provide: POLICY_CATALOG, useValue: buildCatalog([{ id: 'chat-a', kind: 'chat', inputUsdPerMTok: 1, outputUsdPerMTok: 1, contextWindow: 8_000 }]) },
        { provide: POLICY_ENVIRONMENT, useValue: environment },
        { provide: POLICY_PUBLISHER, useValue: publisher },
        { provide: PolicyVersionRepository, useValue: new PolicyVersionRepository(handle.db) },
      ],
    });
    app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), { logger: false, abortOnError: false });
    app.useGlobalFilters(new OpenAiErrorFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    await handle?.close();
  });

  it('answers 401 in the OpenAI envelope on every route without the admin key', async () => {
    for (const [method, url] of [
      ['GET', '/admin/policy'],
      ['GET', '/admin/policy/versions'],
      ['GET', '/admin/policy/versions/pv_x'],
      ['GET', '/admin/policy/diff'],
      ['GET', '/admin/policy/activations'],
      ['POST', '/admin/policy/validate'],
      ['POST', '/admin/policy/versions'],
      ['POST', '/admin/policy/activate'],
    ] as const) {
      const res = await call(method, url, method === 'POST' ? {} : undefined, { authorization: 'Bearer wrong' });
      expect(res.status, `${method} ${url}`).toBe(401);
      expect(envelope(res.json)).toMatchObject({ type: 'authentication_error', code: 'invalid_admin_key' });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="switchyard-admin"');
    }
    expect(envelope((await call('GET', '/admin/policy', undefined, {})).json).code).toBe('missing_admin_key');
  });

  it('validates without storing: 200 either way, 400 only for a malformed body', async () => {
    expect(await call('POST', '/admin/policy/validate', { document: { defaultRoute: 'chat-a' } })).toMatchObject({ status: 200, json: { valid: true } });
    expect(await call('POST', '/admin/policy/validate', { document: { defaultRoute: 'nope' } })).toMatchObject({
      status: 200,
      json: { valid: false, issues: [{ path: 'defaultRoute.rules.0.target.candidates.0', message: 'unknown model "nope"' }] },
    });
    const malformed = await call('POST', '/admin/policy/validate', { policy: {} });
    expect(malformed.status).toBe(400);
    expect(envelope(malformed.json)).toMatchObject({ type: 'invalid_request_error' });
  });

  it('creates, activates, lists, diffs and audits versions', async () => {
    expect(await call('GET', '/admin/policy')).toMatchObject({ status: 404, json: { error: { code: 'no_active_policy' } } });

    const invalid = await call('POST', '/admin/policy/versions', { document: { defaultRoute: 'nope' }, reason: 'bad' });
    expect(invalid.status).toBe(422);
    expect(envelope(invalid.json)).toMatchObject({ code: 'invalid_policy', param: 'document.defaultRoute.rules.0.target.candidates.0' });

    const first = await call('POST', '/admin/policy/versions', { document: { defaultRoute: 'chat-a' }, reason: 'first', activate: true }, { ...auth, 'x-switchyard-actor': 'dana' });
    expect(first.status).toBe(201);
    const v1 = createPolicyVersionResponseSchema.parse(first.json);
    expect(v1).toMatchObject({ createdBy: 'dana', parentId: null, activation: { environment, previousVersionId: null, activatedBy: 'dana', published: true } });

    const second = createPolicyVersionResponseSchema.parse((await call('POST', '/admin/policy/versions', { document: { defaultRoute: 'chat-a', expectedOutputTokens: 64 }, reason: 'shorter' })).json);
    expect(second).toMatchObject({ parentId: v1.id, createdBy: 'admin-api', activation: null });

    const activated = await call('POST', '/admin/policy/activate', { versionId: second.id, reason: 'go' });
    expect(activated.status).toBe(200);
    expect(activatePolicyResponseSchema.parse(activated.json)).toMatchObject({ versionId: second.id, previousVersionId: v1.id });
    expect(published).toEqual([
      [environment, v1.id],
      [environment, second.id],
    ]);

    const active = activePolicyResponseSchema.parse((await call('GET', '/admin/policy')).json);
    expect(active).toMatchObject({ id: second.id, parentId: v1.id, reason: 'shorter', activatedBy: 'admin-api', document: { expectedOutputTokens: 64 } });

    const one = await call('GET', `/admin/policy/versions/${v1.id}`);
    expect(one).toMatchObject({ status: 200, json: { id: v1.id, document: v1.document } });
    expect(await call('GET', '/admin/policy/versions/pv_missing')).toMatchObject({ status: 404, json: { error: { code: 'policy_version_not_found' } } });

    // Other spec files add versions to this database concurrently, so only the page's shape is pinned here.
    const page = policyVersionListResponseSchema.parse((await call('GET', `/admin/policy/versions?limit=1&before=${second.id}`)).json);
    expect(page.data).toHaveLength(1);
    expect(page.data[0].createdAt <= second.createdAt && page.data[0].id !== second.id).toBe(true);
    expect(page.nextBefore).toBe(page.hasMore ? page.data[0].id : null);
    const badLimit = await call('GET', '/admin/policy/versions?limit=abc');
    expect(badLimit.status).toBe(400);
    expect(envelope(badLimit.json).param).toBe('limit');

    const diff = policyDiffResponseSchema.parse((await call('GET', '/admin/policy/diff')).json);
    expect(diff).toEqual({ from: v1.id, to: second.id, patch: [{ op: 'replace', path: '/expectedOutputTokens', value: 64 }] });
    expect((await call('GET', `/admin/policy/diff?from=${second.id}&to=${v1.id}`)).json).toMatchObject({ patch: [{ op: 'replace', path: '/expectedOutputTokens', value: 256 }] });

    expect((await call('GET', '/admin/policy/activations?limit=5')).json).toMatchObject({
      data: [
        { versionId: second.id, previousVersionId: v1.id, reason: 'go' },
        { versionId: v1.id, previousVersionId: null, activatedBy: 'dana' },
      ],
    });
  });
});
