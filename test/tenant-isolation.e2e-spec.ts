import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import {
  activePolicyResponseSchema,
  adminAuditListResponseSchema,
  adminKeyListResponseSchema,
  adminKeyWithSecretResponseSchema,
  createDatasetVersionResponseSchema,
  datasetItemListResponseSchema,
  datasetListResponseSchema,
  datasetVersionListResponseSchema,
  datasetVersionResponseSchema,
  goldenRunListResponseSchema,
  goldenRunSchema,
  policyDiffDetailSchema,
  policyDiffListResponseSchema,
  qualityOverviewResponseSchema,
  spanListResponseSchema,
  tenantListResponseSchema,
  usageOverviewResponseSchema,
  tenantSchema,
  virtualKeyListResponseSchema,
  virtualKeySchema,
  virtualKeyWithSecretResponseSchema,
} from '@switchyard/contracts';
import { AdminAuditRepository, type DatabaseHandle } from '@switchyard/db';
import { createTestDatabase, loadOpenAiSchemas } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, eventually, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

type Method = 'GET' | 'POST' | 'PATCH';

/** One HTTP call with `key` as the bearer (none when null). */
async function call(baseUrl: string, key: string | null, method: Method, path: string, body?: unknown, init: { contentType?: string; raw?: string } = {}): Promise<Answer> {
  const contentType = init.contentType ?? (body !== undefined ? 'application/json' : undefined);
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(key !== null && { authorization: `Bearer ${key}` }), ...(contentType && { 'content-type': contentType }), 'x-switchyard-actor': 'alice' },
    body: init.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Every `GET /admin/...` route the gateway's admin controllers declare, as `GET /admin/x/:id` patterns. */
async function declaredAdminReads(): Promise<string[]> {
  const root = fileURLToPath(new URL('../apps/gateway/src/admin', import.meta.url));
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.controller.ts'));
  const routes: string[] = [];
  for (const file of files) {
    const exported = (await import(join(root, file))) as Record<string, unknown>;
    for (const candidate of Object.values(exported)) {
      if (typeof candidate !== 'function') continue;
      const base = Reflect.getMetadata(PATH_METADATA, candidate) as unknown;
      if (typeof base !== 'string') continue;
      const proto = (candidate as { prototype: Record<string, unknown> }).prototype;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.GET) continue;
        const sub = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
        const path = [base, typeof sub === 'string' ? sub : ''].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
        routes.push(`GET /${path}`);
      }
    }
  }
  return routes.sort();
}

const fresh = (what: string): string => `${what}-${randomBytes(4).toString('hex')}`;

describe('tenant isolation of the admin API (auth: keys)', () => {
  let h: GatewayHarness;
  let db: DatabaseHandle;
  const root = (method: Method, path: string, body?: unknown) => call(h.baseUrl, ADMIN_KEY, method, path, body);

  /** One tenant's fixtures: its admin key, its /v1 key, a call, a dataset, a golden run, a policy diff. */
  interface TenantWorld {
    id: string;
    workload: string;
    admin: { id: string; secret: string };
    key: { id: string; secret: string };
    spanId: string;
    runId: string;
    diffId: string;
  }
  let a: TenantWorld;
  let b: TenantWorld;
  /** Names a dataset of each tenant, and a global one, all three share. */
  const SHARED = fresh('shared');
  /** Only B has a dataset of this name. */
  const ONLY_B = fresh('only-b');
  let globalRunId: string;
  let policyVersionId: string;

  const asA = (method: Method, path: string, body?: unknown) => call(h.baseUrl, a.admin.secret, method, path, body);

  async function chat(key: string): Promise<string> {
    const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'gpt-a', messages: [{ role: 'user', content: `hello from ${key.slice(0, 10)}` }] }),
    });
    expect(res.status).toBe(200);
    const spanId = res.headers.get('x-switchyard-span-id') ?? '';
    await h.waitForSpan(spanId, 3_000);
    return spanId;
  }

  async function world(proposalBase: Record<string, unknown>): Promise<TenantWorld> {
    const workload = fresh('wl');
    const tenant = await root('POST', '/admin/tenants', { name: fresh('tenant'), workloads: [workload] });
    expect(tenant.status, JSON.stringify(tenant.json)).toBe(201);
    const id = tenantSchema.parse(tenant.json).id;
    const admin = await root('POST', `/admin/tenants/${id}/admin-keys`, { name: 'ops' });
    expect(admin.status, JSON.stringify(admin.json)).toBe(201);
    const adminKey = adminKeyWithSecretResponseSchema.parse(admin.json);
    const key = virtualKeyWithSecretResponseSchema.parse((await root('POST', '/admin/keys', { tenantId: id, name: 'app', allowedWorkloads: [workload], defaultWorkload: workload })).json);
    const spanId = await chat(key.secret);
    // The tenant's own admin key builds its dataset from its own span.
    const dataset = await call(h.baseUrl, adminKey.secret, 'POST', `/admin/datasets/${SHARED}/versions/from-spans`, { spanIds: [spanId], useResponseAsExpected: true });
    expect(dataset.status, JSON.stringify(dataset.json)).toBe(201);
    expect(createDatasetVersionResponseSchema.parse(dataset.json).tenantId).toBe(id);
    // Golden runs spend the gateway's own money: only the global admin starts one, here on the tenant's dataset.
    const run = await root('POST', '/admin/golden-runs', { dataset: SHARED, tenantId: id, models: ['gpt-a'] });
    expect(run.status, JSON.stringify(run.json)).toBe(201);
    const diff = await root('POST', '/admin/policy-diffs', {
      proposedDocument: { ...proposalBase, routes: { ...(proposalBase['routes'] as Record<string, unknown>), [workload]: ['gpt-b', 'gpt-a'] } },
      workloads: [workload],
      summary: `${workload}: route to gpt-b`,
      predicted: { quality: { delta: -0.004, low: -0.011, high: 0.003 }, costPerRequest: { delta: -0.0004, low: -0.0005, high: -0.0003, relative: -0.5 } },
      evidence: { samplesPerModel: {}, scorerMix: {}, exampleSpanIds: [spanId] },
      reason: 'cheaper',
    });
    expect(diff.status, JSON.stringify(diff.json)).toBe(201);
    return {
      id,
      workload,
      admin: { id: adminKey.id, secret: adminKey.secret },
      key: { id: key.id, secret: key.secret },
      spanId,
      runId: goldenRunSchema.parse(run.json).id,
      diffId: policyDiffDetailSchema.parse(diff.json).id,
    };
  }

  beforeAll(async () => {
    h = await startGatewayHarness({ auth: 'keys' });
    db = createTestDatabase({ max: 2 });
    const active = activePolicyResponseSchema.parse((await root('GET', '/admin/policy')).json);
    policyVersionId = active.id;
    a = await world(active.document);
    b = await world(active.document);
    const onlyB = await call(h.baseUrl, b.admin.secret, 'POST', `/admin/datasets/${ONLY_B}/versions?format=jsonl`, undefined, { contentType: 'application/x-ndjson', raw: '{"input":"q","expected":"a"}\n' });
    expect(onlyB.status, JSON.stringify(onlyB.json)).toBe(201);
    // A global dataset of the same name, and a run on it.
    expect((await root('POST', `/admin/datasets/${SHARED}/versions/from-spans`, { spanIds: [a.spanId, b.spanId] })).status).toBe(201);
    globalRunId = goldenRunSchema.parse((await root('POST', '/admin/golden-runs', { dataset: SHARED, models: ['gpt-a'] })).json).id;
    // Feedback, so the spans have scores to show.
    const feedback = await fetch(`${h.baseUrl}/v1/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.key.secret}` },
      body: JSON.stringify({ span_id: a.spanId, score: 1, comment: 'good' }),
    });
    expect(feedback.status).toBe(201);
  });

  afterAll(async () => {
    await h?.close();
    await db?.close();
  });

  const expectNotFound = (answer: Answer, what: string): void => {
    expect(answer.status, `${what}: ${JSON.stringify(answer.json)}`).toBe(404);
    schemas.assertValid('ErrorResponse', answer.json);
  };
  const expectForbidden = (answer: Answer, what: string): void => {
    expect(answer.status, `${what}: ${JSON.stringify(answer.json)}`).toBe(403);
    schemas.assertValid('ErrorResponse', answer.json);
    expect((answer.json as { error: { type: string } }).error.type, what).toBe('permission_error');
  };

  /**
   * Every admin read, by route pattern: what a tenant admin key (A's) may see and what it may not,
   * and that the global key sees both tenants. A route missing here fails the coverage test below.
   */
  const READS: Record<string, () => Promise<void>> = {
    'GET /admin/spans/:id': async () => {
      const own = await asA('GET', `/admin/spans/${a.spanId}`);
      expect(own.status).toBe(200);
      expect(own.json).toMatchObject({ span: { spanId: a.spanId, tenant: a.id }, scores: [{ source: 'feedback', score: 1 }] });
      const foreign = await asA('GET', `/admin/spans/${b.spanId}`);
      const missing = await asA('GET', '/admin/spans/0123456789abcdef');
      expectNotFound(foreign, "B's span");
      // Exactly what a missing span answers, apart from the id it names.
      expect(JSON.stringify(foreign.json).replaceAll(b.spanId, 'ID')).toBe(JSON.stringify(missing.json).replaceAll('0123456789abcdef', 'ID'));
      for (const t of [a, b]) expect((await root('GET', `/admin/spans/${t.spanId}`)).json).toMatchObject({ span: { tenant: t.id } });
    },
    'GET /admin/datasets': async () => {
      const own = datasetListResponseSchema.parse((await asA('GET', '/admin/datasets')).json).data;
      expect(own.map((d) => [d.name, d.tenantId]).sort()).toEqual([[SHARED, a.id]]);
      expectForbidden(await asA('GET', `/admin/datasets?tenantId=${b.id}`), "A listing B's datasets");
      const all = datasetListResponseSchema.parse((await root('GET', '/admin/datasets')).json).data;
      expect(all.filter((d) => d.name === SHARED).map((d) => d.tenantId)).toEqual(expect.arrayContaining([null, a.id, b.id]));
      expect(datasetListResponseSchema.parse((await root('GET', `/admin/datasets?tenantId=${b.id}`)).json).data.map((d) => d.name).sort()).toEqual([ONLY_B, SHARED].sort());
    },
    'GET /admin/datasets/:name/versions': async () => {
      const own = datasetVersionListResponseSchema.parse((await asA('GET', `/admin/datasets/${SHARED}/versions`)).json).data;
      expect(own.map((v) => v.tenantId)).toEqual([a.id]);
      expectNotFound(await asA('GET', `/admin/datasets/${ONLY_B}/versions`), "B's dataset by name");
      expectForbidden(await asA('GET', `/admin/datasets/${SHARED}/versions?tenantId=${b.id}`), "B's dataset by tenant");
      expect(datasetVersionListResponseSchema.parse((await root('GET', `/admin/datasets/${SHARED}/versions`)).json).data.map((v) => v.tenantId)).toEqual([null]);
      expect(datasetVersionListResponseSchema.parse((await root('GET', `/admin/datasets/${SHARED}/versions?tenantId=${b.id}`)).json).data.map((v) => v.tenantId)).toEqual([b.id]);
    },
    'GET /admin/datasets/:name/versions/:version': async () => {
      expect(datasetVersionResponseSchema.parse((await asA('GET', `/admin/datasets/${SHARED}/versions/latest`)).json).tenantId).toBe(a.id);
      expectNotFound(await asA('GET', `/admin/datasets/${ONLY_B}/versions/1`), "B's version");
      expectForbidden(await asA('GET', `/admin/datasets/${ONLY_B}/versions/1?tenantId=${b.id}`), "B's version by tenant");
      expect(datasetVersionResponseSchema.parse((await root('GET', `/admin/datasets/${ONLY_B}/versions/1?tenantId=${b.id}`)).json).tenantId).toBe(b.id);
    },
    'GET /admin/datasets/:name/versions/:version/items': async () => {
      const own = datasetItemListResponseSchema.parse((await asA('GET', `/admin/datasets/${SHARED}/versions/latest/items`)).json).data;
      expect(own.map((i) => i.spanId)).toEqual([a.spanId]);
      expectNotFound(await asA('GET', `/admin/datasets/${ONLY_B}/versions/latest/items`), "B's items");
      const global = datasetItemListResponseSchema.parse((await root('GET', `/admin/datasets/${SHARED}/versions/latest/items`)).json).data;
      expect(global.map((i) => i.spanId).sort()).toEqual([a.spanId, b.spanId].sort());
    },
    'GET /admin/golden-runs': async () => {
      const own = goldenRunListResponseSchema.parse((await asA('GET', '/admin/golden-runs?limit=200')).json).data;
      expect(own.map((r) => [r.id, r.dataset.tenantId])).toEqual([[a.runId, a.id]]);
      const all = goldenRunListResponseSchema.parse((await root('GET', '/admin/golden-runs?limit=200')).json).data.map((r) => r.id);
      expect(all).toEqual(expect.arrayContaining([a.runId, b.runId, globalRunId]));
    },
    'GET /admin/golden-runs/:id': async () => {
      expect(goldenRunSchema.parse((await asA('GET', `/admin/golden-runs/${a.runId}`)).json).dataset).toMatchObject({ name: SHARED, tenantId: a.id });
      expectNotFound(await asA('GET', `/admin/golden-runs/${b.runId}`), "B's run");
      expectNotFound(await asA('GET', `/admin/golden-runs/${globalRunId}`), 'a run on a global dataset');
      expect((await root('GET', `/admin/golden-runs/${b.runId}`)).status).toBe(200);
    },
    'GET /admin/policy-diffs': async () => {
      const own = policyDiffListResponseSchema.parse((await asA('GET', '/admin/policy-diffs?limit=200')).json).data;
      expect(own.map((d) => d.id)).toEqual([a.diffId]);
      // The shared policy is redacted: B's workload appears nowhere in A's view.
      expect(JSON.stringify(own)).not.toContain(b.workload);
      expect(policyDiffListResponseSchema.parse((await asA('GET', `/admin/policy-diffs?workload=${b.workload}`)).json).data).toEqual([]);
      const all = policyDiffListResponseSchema.parse((await root('GET', '/admin/policy-diffs?limit=200')).json).data.map((d) => d.id);
      expect(all).toEqual(expect.arrayContaining([a.diffId, b.diffId]));
    },
    'GET /admin/policy-diffs/:id': async () => {
      const own = policyDiffDetailSchema.parse((await asA('GET', `/admin/policy-diffs/${a.diffId}`)).json);
      expect(own.workloads).toEqual([a.workload]);
      // The policy is shared: A's copy keeps only A's routes, not those of workloads it does not own.
      expect(Object.keys(own.proposedDocument.routes)).toEqual([a.workload]);
      expect(JSON.stringify(own)).not.toContain('with-fallback');
      expectNotFound(await asA('GET', `/admin/policy-diffs/${b.diffId}`), "B's diff");
      const seenByRoot = policyDiffDetailSchema.parse((await root('GET', `/admin/policy-diffs/${a.diffId}`)).json);
      expect(Object.keys(seenByRoot.proposedDocument.routes).sort()).toEqual(['dead-first', 'with-fallback', a.workload].sort());
    },
    'GET /admin/policy-diffs/:id/canary': async () => {
      expect(await asA('GET', `/admin/policy-diffs/${a.diffId}/canary`)).toMatchObject({ status: 200, json: { diffId: a.diffId, status: 'proposed' } });
      expectNotFound(await asA('GET', `/admin/policy-diffs/${b.diffId}/canary`), "B's canary");
      expect((await root('GET', `/admin/policy-diffs/${b.diffId}/canary`)).status).toBe(200);
    },
    'GET /admin/keys': async () => {
      const own = virtualKeyListResponseSchema.parse((await asA('GET', '/admin/keys')).json).data;
      expect(own.every((k) => k.tenantId === a.id)).toBe(true);
      expect(own.map((k) => k.id)).toContain(a.key.id);
      expect(JSON.stringify(own)).not.toContain(b.key.id);
      expectForbidden(await asA('GET', `/admin/keys?tenantId=${b.id}`), "B's keys");
      expect(virtualKeyListResponseSchema.parse((await root('GET', `/admin/keys?tenantId=${b.id}`)).json).data.map((k) => k.id)).toContain(b.key.id);
    },
    'GET /admin/keys/:id': async () => {
      expect(virtualKeySchema.parse((await asA('GET', `/admin/keys/${a.key.id}`)).json).tenantId).toBe(a.id);
      expectNotFound(await asA('GET', `/admin/keys/${b.key.id}`), "B's key");
      expect((await root('GET', `/admin/keys/${b.key.id}`)).status).toBe(200);
    },
    'GET /admin/audit': async () => {
      await eventually(async () => adminAuditListResponseSchema.parse((await asA('GET', '/admin/audit?limit=500')).json).data.some((e) => e.status === 403), 3_000, "A's refusals in its audit log");
      const own = adminAuditListResponseSchema.parse((await asA('GET', '/admin/audit?limit=500')).json).data;
      expect(own.length).toBeGreaterThan(0);
      expect(own.every((e) => e.tenantId === a.id)).toBe(true);
      expectForbidden(await asA('GET', `/admin/audit?tenantId=${b.id}`), "B's audit log");
      const ofB = adminAuditListResponseSchema.parse((await root('GET', `/admin/audit?tenantId=${b.id}&limit=500`)).json).data;
      expect(ofB.length).toBeGreaterThan(0);
      expect(ofB.every((e) => e.tenantId === b.id)).toBe(true);
    },
    'GET /admin/session': async () => {
      expect((await asA('GET', '/admin/session')).json).toMatchObject({ scope: 'tenant', tenantId: a.id, keyId: a.admin.id });
      expect((await root('GET', '/admin/session')).json).toMatchObject({ scope: 'global', tenantId: null });
    },
    'GET /admin/spans': async () => {
      const own = spanListResponseSchema.parse((await asA('GET', '/admin/spans?limit=200')).json).data.map((s) => s.spanId);
      expect(own).toContain(a.spanId);
      expect(own).not.toContain(b.spanId);
      expect(spanListResponseSchema.parse((await asA('GET', `/admin/spans?workload=${b.workload}`)).json).data).toEqual([]);
      const ofB = spanListResponseSchema.parse((await root('GET', `/admin/spans?workload=${b.workload}`)).json).data.map((s) => s.spanId);
      expect(ofB).toContain(b.spanId);
    },
    'GET /admin/overview/usage': async () => {
      const own = usageOverviewResponseSchema.parse((await asA('GET', '/admin/overview/usage')).json).data.map((r) => r.workload);
      expect(own).toContain(a.workload);
      expect(own).not.toContain(b.workload);
      expect(usageOverviewResponseSchema.parse((await root('GET', '/admin/overview/usage')).json).data.map((r) => r.workload)).toEqual(expect.arrayContaining([a.workload, b.workload]));
    },
    'GET /admin/overview/quality': async () => {
      const own = qualityOverviewResponseSchema.parse((await asA('GET', '/admin/overview/quality')).json).data;
      expect(own.map((c) => c.workload)).toEqual([a.workload]);
      expect(qualityOverviewResponseSchema.parse((await root('GET', '/admin/overview/quality')).json).data.map((c) => c.workload)).toContain(a.workload);
    },
    // Global operational reads: the global admin key only.
    'GET /admin/overview/exploration': () => rootOnly('/admin/overview/exploration'),
    'GET /admin/policy': () => rootOnly('/admin/policy'),
    'GET /admin/policy/versions': () => rootOnly('/admin/policy/versions'),
    'GET /admin/policy/versions/:id': () => rootOnly(`/admin/policy/versions/${policyVersionId}`),
    'GET /admin/policy/diff': () => rootOnly(`/admin/policy/diff?from=${policyVersionId}&to=${policyVersionId}`),
    'GET /admin/policy/activations': () => rootOnly('/admin/policy/activations'),
    'GET /admin/deployments': () => rootOnly('/admin/deployments'),
    'GET /admin/queues/:name/failed': () => rootOnly('/admin/queues/judge/failed'),
    'GET /admin/tenants': () => rootOnly('/admin/tenants'),
    'GET /admin/tenants/:id/admin-keys': async () => {
      await rootOnly(`/admin/tenants/${a.id}/admin-keys`);
      expect(adminKeyListResponseSchema.parse((await root('GET', `/admin/tenants/${a.id}/admin-keys`)).json).data.map((k) => k.id)).toContain(a.admin.id);
    },
  };

  async function rootOnly(path: string): Promise<void> {
    expectForbidden(await asA('GET', path), `${path} for a tenant admin`);
    expect((await root('GET', path)).status, path).toBe(200);
  }

  it('has an isolation check for every admin read endpoint the gateway declares', async () => {
    expect(Object.keys(READS).sort()).toEqual(await declaredAdminReads());
  });

  for (const route of Object.keys(READS)) {
    it(`${route}: a tenant admin key sees its own tenant's data and never another's`, async () => {
      await READS[route]?.();
    });
  }

  it("answers 403 to a tenant admin key on every change of shared state, and changes nothing", async () => {
    const changes: [Method, string, unknown][] = [
      ['POST', '/admin/tenants', { name: fresh('tenant') }],
      ['PATCH', `/admin/tenants/${a.id}`, { workloads: [a.workload, b.workload] }],
      ['POST', `/admin/tenants/${a.id}/admin-keys`, { name: 'more' }],
      ['POST', `/admin/admin-keys/${b.admin.id}/revoke`, {}],
      ['POST', '/admin/policy/validate', { document: { defaultRoute: 'gpt-a' } }],
      ['POST', '/admin/policy/versions', { document: { defaultRoute: 'gpt-b' }, reason: 'mine now', activate: true }],
      ['POST', '/admin/policy/activate', { versionId: policyVersionId }],
      ['POST', '/admin/policy-diffs', { proposedDocument: {}, workloads: [a.workload], summary: 's', predicted: {}, evidence: {}, reason: 'cheaper' }],
      ['POST', `/admin/policy-diffs/${a.diffId}/approve`, {}],
      ['POST', `/admin/policy-diffs/${a.diffId}/reject`, { comment: 'no' }],
      ['POST', `/admin/policy-diffs/${a.diffId}/canary`, {}],
      ['POST', `/admin/policy-diffs/${a.diffId}/canary/abort`, { comment: 'stop' }],
      ['POST', '/admin/golden-runs', { dataset: SHARED, models: ['gpt-a'] }],
      ['POST', `/admin/golden-runs/${a.runId}/cancel`, {}],
      ['POST', '/admin/optimizer/refit', {}],
    ];
    for (const [method, path, body] of changes) expectForbidden(await asA(method, path, body), `${method} ${path}`);
    expect(policyDiffDetailSchema.parse((await root('GET', `/admin/policy-diffs/${a.diffId}`)).json).status).toBe('proposed');
    expect(activePolicyResponseSchema.parse((await root('GET', '/admin/policy')).json).id).toBe(policyVersionId);
    expect(tenantListResponseSchema.parse((await root('GET', '/admin/tenants')).json).data.find((t) => t.id === a.id)?.workloads).toEqual([a.workload]);
    expect((await call(h.baseUrl, b.admin.secret, 'GET', '/admin/datasets')).status).toBe(200);
  });

  it("lets a tenant admin key manage its own tenant's virtual keys, and not another's", async () => {
    const created = await asA('POST', '/admin/keys', { tenantId: a.id, name: 'batch' });
    expect(created.status).toBe(201);
    const own = virtualKeyWithSecretResponseSchema.parse(created.json);
    expect(own.tenantId).toBe(a.id);
    expectForbidden(await asA('POST', '/admin/keys', { tenantId: b.id, name: 'sneaky' }), "a key for B");
    expectNotFound(await asA('POST', `/admin/keys/${b.key.id}/revoke`, {}), "revoking B's key");
    expectNotFound(await asA('POST', `/admin/keys/${b.key.id}/rotate`, {}), "rotating B's key");
    expectNotFound(await asA('POST', `/admin/keys/${b.key.id}/expiry`, { expiresAt: null }), "re-dating B's key");
    // B's key still works; A's own revocation takes.
    await chat(b.key.secret);
    expect((await asA('POST', `/admin/keys/${own.id}/revoke`, {})).status).toBe(200);
  });

  it("builds a tenant's dataset from its own spans only: another tenant's span is as unknown as a missing one", async () => {
    const foreign = await asA('POST', `/admin/datasets/${fresh('steal')}/versions/from-spans`, { spanIds: [b.spanId] });
    const missing = await asA('POST', `/admin/datasets/${fresh('steal')}/versions/from-spans`, { spanIds: ['0123456789abcdef'] });
    expect(foreign.status).toBe(422);
    expect(JSON.stringify(foreign.json).replaceAll(b.spanId, 'ID')).toBe(JSON.stringify(missing.json).replaceAll('0123456789abcdef', 'ID'));
    const byFilter = await asA('POST', `/admin/datasets/${fresh('all-mine')}/versions/from-spans`, { filter: { limit: 1_000 } });
    expect(byFilter.status, JSON.stringify(byFilter.json)).toBe(201);
    const { dataset } = createDatasetVersionResponseSchema.parse(byFilter.json);
    const items = datasetItemListResponseSchema.parse((await asA('GET', `/admin/datasets/${dataset}/versions/latest/items`)).json).data;
    expect(items.length).toBeGreaterThan(0);
    expect(items.map((i) => i.spanId)).not.toContain(b.spanId);
  });

  it('keeps the credential classes apart: a /v1 key never opens /admin, a tenant admin key never calls /v1', async () => {
    for (const path of ['/admin/datasets', '/admin/spans/0123456789abcdef', '/admin/audit']) {
      const res = await call(h.baseUrl, a.key.secret, 'GET', path);
      expect(res.status, path).toBe(401);
      schemas.assertValid('ErrorResponse', res.json);
    }
    // Refused on the request line, before an upload's body is read.
    const upload = await call(h.baseUrl, a.key.secret, 'POST', `/admin/datasets/${fresh('up')}/versions?format=jsonl`, undefined, { contentType: 'application/x-ndjson', raw: '{"input":"q"}\n' });
    expect(upload.status).toBe(401);
    const v1 = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.admin.secret}` },
      body: JSON.stringify({ model: 'gpt-a', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(v1.status).toBe(401);
    schemas.assertValid('ErrorResponse', await v1.json());
    expect((await fetch(`${h.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${a.admin.secret}` } })).status).toBe(401);
  });

  it('refuses a revoked tenant admin key at once, although it was just used', async () => {
    const issued = adminKeyWithSecretResponseSchema.parse((await root('POST', `/admin/tenants/${a.id}/admin-keys`, { name: 'temp' })).json);
    expect((await call(h.baseUrl, issued.secret, 'GET', '/admin/datasets')).status).toBe(200);
    const revoked = await root('POST', `/admin/admin-keys/${issued.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({ id: issued.id, revokedAt: expect.any(String) as unknown });
    expect(JSON.stringify(revoked.json)).not.toContain(issued.secret);
    expect((await call(h.baseUrl, issued.secret, 'GET', '/admin/datasets')).status).toBe(401);
    // The other keys are untouched.
    expect((await asA('GET', '/admin/datasets')).status).toBe(200);
    const listed = adminKeyListResponseSchema.parse((await root('GET', `/admin/tenants/${a.id}/admin-keys`)).json).data;
    expect(listed.find((k) => k.id === issued.id)?.revokedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(issued.secret.slice(15));
  });

  it("answers another tenant's virtual key with the unknown-span 404 on feedback", async () => {
    const feedback = (key: string, spanId: string) =>
      fetch(`${h.baseUrl}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ span_id: spanId, score: 0 }) });
    const foreign = await feedback(b.key.secret, a.spanId);
    const missing = await feedback(b.key.secret, '0123456789abcdef');
    expect(foreign.status).toBe(404);
    const [foreignJson, missingJson] = [await foreign.json(), await missing.json()];
    schemas.assertValid('ErrorResponse', foreignJson);
    expect(JSON.stringify(foreignJson).replaceAll(a.spanId, 'ID')).toBe(JSON.stringify(missingJson).replaceAll('0123456789abcdef', 'ID'));
    expect((await feedback(a.key.secret, a.spanId)).status).toBe(201);
  });

  it('audit-logs changes and refusals, with who and what, and no secret anywhere', async () => {
    const audit = new AdminAuditRepository(db.db);
    type Row = Awaited<ReturnType<AdminAuditRepository['list']>>[number];
    let rows: Row[] = [];
    const has = (match: Partial<Row>): boolean => rows.some((r) => Object.entries(match).every(([k, v]) => r[k as keyof Row] === v));
    const expected: Partial<Row>[] = [
      // Changes by the global admin, with the created id as target.
      { method: 'POST', route: '/admin/tenants', statusCode: 201, principalKind: 'root', actor: 'alice', targetId: a.id },
      { method: 'POST', route: '/admin/tenants/:id/admin-keys', statusCode: 201, principalKind: 'root', targetId: a.id },
      { method: 'POST', route: '/admin/admin-keys/:id/revoke', statusCode: 200, principalKind: 'root' },
      // Changes by a tenant admin, under its tenant and key.
      { method: 'POST', route: '/admin/keys', statusCode: 201, principalKind: 'tenant', tenantId: a.id, adminKeyId: a.admin.id },
      { method: 'POST', route: '/admin/datasets/:name/versions/from-spans', statusCode: 201, principalKind: 'tenant', tenantId: b.id, targetId: SHARED },
      { method: 'POST', route: '/admin/datasets/:name/versions/from-spans', statusCode: 422, principalKind: 'tenant', tenantId: a.id },
      // Refusals: a tenant admin on root-only routes, reads included; unauthenticated callers.
      { method: 'GET', route: '/admin/policy', statusCode: 403, principalKind: 'tenant', tenantId: a.id },
      { method: 'POST', route: '/admin/policy/activate', statusCode: 403, principalKind: 'tenant', tenantId: a.id },
      { method: 'GET', route: '/admin/keys', statusCode: 403, principalKind: 'tenant', tenantId: a.id },
      { method: 'GET', route: '/admin/datasets', statusCode: 401, principalKind: 'none', actor: 'unauthenticated' },
      { method: 'POST', route: '/admin/datasets/:name/versions', statusCode: 401, principalKind: 'none' },
    ];
    await eventually(
      async () => {
        rows = await audit.list(null, { limit: 10_000 });
        return expected.every(has);
      },
      3_000,
      'the expected audit events',
    );
    for (const match of expected) expect(has(match), JSON.stringify(match)).toBe(true);
    // Reads that were allowed are not logged.
    expect(rows.some((r) => r.method === 'GET' && r.statusCode === 200)).toBe(false);
    const everything = JSON.stringify(rows);
    for (const secret of [ADMIN_KEY, a.admin.secret, b.admin.secret, a.key.secret, b.key.secret]) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/sk-sya?-/);
    expect(everything).not.toMatch(/bearer/i);
    // The global admin reads it all over HTTP too, newest first.
    const listed = adminAuditListResponseSchema.parse((await root('GET', '/admin/audit?limit=5')).json);
    expect(listed.data).toHaveLength(5);
    expect(listed.hasMore).toBe(true);
    const ids = listed.data.map((e) => e.id);
    expect([...ids].sort((x, y) => y - x)).toEqual(ids);
    const next = adminAuditListResponseSchema.parse((await root('GET', `/admin/audit?limit=5&before=${listed.nextBefore ?? 0}`)).json);
    expect(Math.max(...next.data.map((e) => e.id))).toBeLessThan(Math.min(...ids));
  });
});
