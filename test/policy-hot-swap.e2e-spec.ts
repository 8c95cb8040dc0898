import { randomBytes } from 'node:crypto';
import { activePolicyResponseSchema, createPolicyVersionResponseSchema, policyActivationListResponseSchema, policyVersionListResponseSchema } from '@switchyard/contracts';
import { loadOpenAiSchemas } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();
const messages = [{ role: 'user' as const, content: 'hi' }];

/** The config file's routing: the `swap` workload goes to gpt-a. */
const ROUTING = { defaultRoute: 'gpt-a', routes: { swap: ['gpt-a', 'gpt-b'] } };

interface Sample {
  instance: number;
  /** Epoch ms just before the request was sent, and when its answer had arrived. */
  sentAt: number;
  doneAt: number;
  ok: boolean;
  model: string | null;
  version: string | null;
  error?: string;
}

async function admin(h: GatewayHarness, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${h.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'x-switchyard-actor': 'e2e-hot-swap', ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) };
}

const activeVersion = async (h: GatewayHarness): Promise<string> => activePolicyResponseSchema.parse((await admin(h, 'GET', '/admin/policy')).json).id;

async function call(h: GatewayHarness, instance: number): Promise<Sample> {
  const sentAt = Date.now();
  try {
    const { data, response } = await h.client.chat.completions.create({ model: 'swap', messages }).withResponse();
    const ok = typeof data.choices[0]?.message.content === 'string';
    return { instance, sentAt, doneAt: Date.now(), ok, model: response.headers.get('x-switchyard-model'), version: response.headers.get('x-switchyard-policy-version') };
  } catch (err) {
    return { instance, sentAt, doneAt: Date.now(), ok: false, model: null, version: null, error: String(err) };
  }
}

describe('policy hot swap across gateway instances', () => {
  // Both instances follow this environment's active-policy pointer, and only they do.
  const environment = `e2e-swap-${randomBytes(5).toString('hex')}`;
  let h1: GatewayHarness;
  let h2: GatewayHarness | undefined;
  let h3: GatewayHarness | undefined;
  beforeAll(async () => {
    h1 = await startGatewayHarness({ environment, routing: ROUTING });
    h2 = await startGatewayHarness({ environment, routing: ROUTING });
  });
  afterAll(async () => {
    await Promise.all([h1.close(), h2?.close(), h3?.close()]);
  });

  it('switches both instances within 1 s of the activation, under load, without failing a request', async () => {
    const instances = [h1, h2!];
    const oldVersion = await activeVersion(h1);
    expect(await activeVersion(h2!)).toBe(oldVersion);

    // 10 workers, 5 per instance, for about 3 s: 1 s before the activation and 2 s after it.
    const samples: Sample[] = [];
    let stopAt = Date.now() + 10_000;
    const hardStop = Date.now() + 10_000;
    const worker = async (instance: number): Promise<void> => {
      for (let n = 0; n < 2_000 && Date.now() < Math.min(stopAt, hardStop); n++) {
        samples.push(await call(instances[instance], instance));
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const load = Promise.all(Array.from({ length: 10 }, (_, i) => worker(i % 2)));

    await new Promise((r) => setTimeout(r, 1_000));
    const document = { ...ROUTING, routes: { swap: ['gpt-b', 'gpt-a'] } };
    const activationSentAt = Date.now();
    const res = await admin(h1, 'POST', '/admin/policy/versions', { reason: 'move swap to gpt-b', activate: true, document });
    const activatedAt = Date.now();
    stopAt = activatedAt + 2_000;
    await load;

    expect(res.status).toBe(201);
    const created = createPolicyVersionResponseSchema.parse(res.json);
    expect(created.activation).toMatchObject({ versionId: created.id, previousVersionId: oldVersion, published: true });

    expect(samples.filter((s) => !s.ok)).toEqual([]);
    // Every answer names the version that routed it, and that version's model served it.
    for (const s of samples) expect([s.version, s.model]).toEqual(s.version === created.id ? [created.id, 'gpt-b'] : [oldVersion, 'gpt-a']);
    for (const instance of [0, 1]) {
      const mine = samples.filter((s) => s.instance === instance);
      const before = mine.filter((s) => s.doneAt < activationSentAt);
      const after = mine.filter((s) => s.sentAt >= activatedAt + 1_000);
      // Enough calls on both sides of the activation for the checks below to mean something.
      expect(before.length).toBeGreaterThanOrEqual(5);
      expect(after.length).toBeGreaterThanOrEqual(10);
      expect(before.every((s) => s.version === oldVersion)).toBe(true);
      // One swap, never back: every old-version call was sent before any new-version call had its answer.
      const lastOldSent = Math.max(...mine.filter((s) => s.version === oldVersion).map((s) => s.sentAt));
      const firstNewDone = Math.min(...mine.filter((s) => s.version === created.id).map((s) => s.doneAt));
      expect(lastOldSent).toBeLessThan(firstNewDone);
      // The acceptance bound: nothing sent a second after the activation answered is routed by the old version.
      expect(after.filter((s) => s.version !== created.id)).toEqual([]);
    }
    expect(await activeVersion(h2!)).toBe(created.id);
  });

  it('rejects an invalid version with a 422 envelope, and never stores or activates it', async () => {
    const current = await activeVersion(h1);
    const activationsBefore = policyActivationListResponseSchema.parse((await admin(h1, 'GET', '/admin/policy/activations?limit=200')).json).data;
    const reason = `invalid on purpose ${randomBytes(4).toString('hex')}`;

    for (const document of [{ ...ROUTING, routes: { swap: ['gpt-b', 'no-such-model'] } }, { defaultRoute: 42 }]) {
      const res = await admin(h2!, 'POST', '/admin/policy/versions', { reason, activate: true, document });
      expect(res.status).toBe(422);
      schemas.assertValid('ErrorResponse', res.json);
      expect(res.json).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_policy' } });
    }
    // A malformed request never reaches validation.
    const malformed = await admin(h2!, 'POST', '/admin/policy/versions', { activate: true, document: ROUTING });
    expect(malformed.status).toBe(400);
    schemas.assertValid('ErrorResponse', malformed.json);
    // Nor can an unknown version be activated.
    const unknown = await admin(h2!, 'POST', '/admin/policy/activate', { versionId: 'pv_does_not_exist' });
    expect(unknown.status).toBe(404);
    schemas.assertValid('ErrorResponse', unknown.json);

    for (const h of [h1, h2!]) expect(await activeVersion(h)).toBe(current);
    const activationsAfter = policyActivationListResponseSchema.parse((await admin(h1, 'GET', '/admin/policy/activations?limit=200')).json).data;
    expect(activationsAfter).toEqual(activationsBefore);
    // Versions are listed newest first: anything stored since `current` was created comes before it.
    let before: string | undefined;
    let reachedCurrent = false;
    for (let page = 0; page < 50 && !reachedCurrent; page++) {
      const list = policyVersionListResponseSchema.parse((await admin(h1, 'GET', `/admin/policy/versions?limit=100${before ? `&before=${before}` : ''}`)).json);
      expect(list.data.filter((v) => v.reason === reason)).toEqual([]);
      reachedCurrent = list.data.some((v) => v.id === current);
      if (!list.hasMore || !list.nextBefore) break;
      before = list.nextBefore;
    }
    expect(reachedCurrent).toBe(true);
    for (const h of [h1, h2!]) {
      const { response } = await h.client.chat.completions.create({ model: 'swap', messages }).withResponse();
      expect(response.headers.get('x-switchyard-policy-version')).toBe(current);
    }
  });

  it('an instance that was down while a version was activated routes by it once it starts', async () => {
    await h2!.close();
    h2 = undefined;
    const res = await admin(h1, 'POST', '/admin/policy/versions', { reason: 'move swap to claude while an instance is down', activate: true, document: { ...ROUTING, routes: { swap: ['claude', 'gpt-a'] } } });
    expect(res.status).toBe(201);
    const created = createPolicyVersionResponseSchema.parse(res.json);

    // Same environment, same config file: the activated version wins over the file's routing.
    h3 = await startGatewayHarness({ environment, routing: ROUTING });
    expect(await activeVersion(h3)).toBe(created.id);
    const { response } = await h3.client.chat.completions.create({ model: 'swap', messages }).withResponse();
    expect(response.headers.get('x-switchyard-policy-version')).toBe(created.id);
    expect(response.headers.get('x-switchyard-model')).toBe('claude');
    expect(h3.anthropic.requests).toHaveLength(1);
  });
});
