import { activePolicyResponseSchema, createPolicyVersionResponseSchema, deploymentListResponseSchema, policyDiffResponseSchema, validatePolicyResponseSchema } from '@switchyard/contracts';
import { loadTestEnv } from '@switchyard/config';
import { OptimizerQueue } from '@switchyard/queue';
import { loadOpenAiSchemas } from '@switchyard/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, eventually, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();

describe('admin API over real HTTP', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const admin = async (method: 'GET' | 'POST', path: string, body?: unknown, key: string | null = ADMIN_KEY): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${h.baseUrl}${path}`, {
      method,
      headers: { ...(key !== null && { authorization: `Bearer ${key}` }), ...(body !== undefined && { 'content-type': 'application/json' }), 'x-switchyard-actor': 'e2e' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) };
  };

  const servedBy = async (): Promise<{ model: string | null; version: string | null }> => {
    const { response } = await h.client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    return { model: response.headers.get('x-switchyard-model'), version: response.headers.get('x-switchyard-policy-version') };
  };

  it('refuses calls without the admin key, in the OpenAI envelope', async () => {
    for (const key of [null, 'wrong-key-wrong-key']) {
      const res = await admin('GET', '/admin/policy', undefined, key);
      expect(res.status).toBe(401);
      schemas.assertValid('ErrorResponse', res.json);
    }
  });

  it('queues an on-demand optimizer refit for the admin key only, once while one waits', async () => {
    expect((await admin('POST', '/admin/optimizer/refit', undefined, null)).status).toBe(401);
    const first = await admin('POST', '/admin/optimizer/refit');
    expect(first).toMatchObject({ status: 202, json: { object: 'optimizer.refit', queued: true, jobId: OptimizerQueue.onDemandJobId } });
    expect((await admin('POST', '/admin/optimizer/refit')).status).toBe(202);
    // No optimizer runs beside this gateway: the request waits on the optimizer's queue, as one job.
    const redis = new Redis(loadTestEnv().TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(OptimizerQueue.name, { connection: redis, prefix: h.config.redisPrefix });
    try {
      expect(await queue.getJobState(OptimizerQueue.onDemandJobId)).toBe('waiting');
      expect(await queue.getWaitingCount()).toBe(1);
      expect((await queue.getJob(OptimizerQueue.onDemandJobId))?.data).toEqual({ force: true });
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });

  it('refuses a dataset upload without the admin key before reading its body', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    const res = await fetch(`${h.baseUrl}/admin/datasets/any/versions`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: big });
    expect(res.status).toBe(401);
    schemas.assertValid('ErrorResponse', await res.json());
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('serves the version seeded from the config file, and routes by it', async () => {
    const res = await admin('GET', '/admin/policy');
    expect(res.status).toBe(200);
    const active = activePolicyResponseSchema.parse(res.json);
    expect(active.createdBy).toBe('config');
    expect(active.environment).toBe(h.config.environment);
    expect(await servedBy()).toEqual({ model: 'gpt-a', version: active.id });
  });

  it('rejects an invalid version, stores nothing, and keeps routing as before', async () => {
    const before = activePolicyResponseSchema.parse((await admin('GET', '/admin/policy')).json);
    const invalid = { reason: 'typo', activate: true, document: { defaultRoute: ['gpt-a', 'no-such-model'] } };
    const checked = validatePolicyResponseSchema.parse((await admin('POST', '/admin/policy/validate', { document: invalid.document })).json);
    expect(checked.valid).toBe(false);
    const res = await admin('POST', '/admin/policy/versions', invalid);
    expect(res.status).toBe(422);
    schemas.assertValid('ErrorResponse', res.json);
    expect(JSON.stringify(res.json)).toContain('no-such-model');
    expect(activePolicyResponseSchema.parse((await admin('GET', '/admin/policy')).json).id).toBe(before.id);
    expect((await servedBy()).model).toBe('gpt-a');
  });

  it('activates a new version: this gateway routes by it at once, and the diff shows the change', async () => {
    const before = activePolicyResponseSchema.parse((await admin('GET', '/admin/policy')).json);
    const document = { ...before.document, defaultRoute: ['gpt-b', 'gpt-a'] };
    const res = await admin('POST', '/admin/policy/versions', { reason: 'move default traffic to gpt-b', parentId: before.id, activate: true, document });
    expect(res.status).toBe(201);
    const created = createPolicyVersionResponseSchema.parse(res.json);
    expect(created.activation?.previousVersionId).toBe(before.id);
    // The notice goes over Redis pub/sub; the gateway that activated also hears it.
    await eventually(async () => (await servedBy()).version === created.id, 1_000, 'new version in use');
    expect(await servedBy()).toEqual({ model: 'gpt-b', version: created.id });

    const diff = policyDiffResponseSchema.parse((await admin('GET', `/admin/policy/diff?from=${before.id}&to=${created.id}`)).json);
    expect(diff.patch.length).toBeGreaterThan(0);
    expect(diff.patch.every((op) => op.path.startsWith('/defaultRoute'))).toBe(true);

    const span = await h.waitForSpan((await h.client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'x' }] }).withResponse()).response.headers.get('x-switchyard-span-id') ?? '');
    expect(span).toMatchObject({ policyVersion: created.id, rule: 'default', model: 'gpt-b' });
    expect(span.metadata).toMatchObject({ routing: { workloadSource: 'default', ranked: [{ model: 'gpt-b' }, { model: 'gpt-a' }] } });
  });

  it('lists live deployment state with breaker details', async () => {
    const res = await admin('GET', '/admin/deployments');
    expect(res.status).toBe(200);
    // Strict: a field the gateway adds or renames without the contract fails here.
    const body = deploymentListResponseSchema.parse(res.json);
    expect(body.data.map((d) => d.model)).toEqual(h.config.models.map((m) => m.id));
    const b = body.data.find((d) => d.model === 'gpt-b');
    expect(b).toMatchObject({ observed: true, breaker: { state: 'closed' } });
    expect(b?.snapshot?.samples).toBeGreaterThan(0);
    expect(body.data.find((d) => d.model === 'dead-model')).toMatchObject({ observed: false });
    expect(body.data.filter((d) => d.kind === 'embedding').map((d) => d.model)).toEqual(h.config.models.filter((m) => m.kind === 'embedding').map((m) => m.id));
    expect(body.data.some((d) => d.kind === 'embedding')).toBe(true);
  });
});
