import { randomBytes } from 'node:crypto';
import { type CreatePolicyDiffRequest, policyDocumentSchema } from '@switchyard/contracts';
import { type DatabaseHandle, PolicyDiffRepository, PolicyVersionRepository, TenantRepository } from '@switchyard/db';
import { type AutoApproveSettings, buildCatalog, type CatalogModel } from '@switchyard/routing';
import { createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiHttpError } from '../../errors/openai-error.js';
import type { AdminPrincipal } from '../auth/admin-principal.js';
import { PolicyDiffsAdminService } from './policy-diffs-admin.service.js';

const ROOT_ADMIN: AdminPrincipal = { kind: 'root' };

const model = (id: string): CatalogModel => ({ id, kind: 'chat', inputUsdPerMTok: 1, outputUsdPerMTok: 2, contextWindow: 128_000 });
const CATALOG = buildCatalog([model('chat-a'), model('chat-b')]);
const ROOT = { defaultRoute: 'chat-a', routes: { w1: 'chat-a' } };
const CHANGED = { defaultRoute: 'chat-a', routes: { w1: 'chat-b' } };

async function httpError(call: Promise<unknown>): Promise<OpenAiHttpError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof OpenAiHttpError) return error;
    throw error;
  }
  throw new Error('expected an OpenAiHttpError, but the call succeeded');
}

const request = (over: Partial<CreatePolicyDiffRequest> = {}): CreatePolicyDiffRequest => ({
  proposedDocument: CHANGED,
  workloads: ['w1'],
  summary: 'w1: route to chat-b',
  predicted: { quality: { delta: 0, low: -0.001, high: 0.001 }, costPerRequest: { delta: -0.001, low: -0.002, high: 0, relative: -0.5 } },
  evidence: { samplesPerModel: {}, scorerMix: {}, exampleSpanIds: [] },
  reason: 'cheaper',
  ...over,
});

describe('PolicyDiffsAdminService with real repositories', () => {
  let handle: DatabaseHandle;
  let versions: PolicyVersionRepository;
  let diffs: PolicyDiffRepository;
  let tenants: TenantRepository;

  beforeAll(() => {
    handle = createTestDatabase({ max: 4 });
    versions = new PolicyVersionRepository(handle.db);
    diffs = new PolicyDiffRepository(handle.db);
    tenants = new TenantRepository(handle.db);
  });
  afterAll(async () => {
    await handle.close();
  });

  /** A service on an environment of its own, whose active version is ROOT. */
  async function serviceWith(autoApprove: AutoApproveSettings = {}) {
    const environment = `svc-${randomBytes(6).toString('hex')}`;
    const root = await versions.create({ parentId: null, createdBy: 'test', reason: 'root', document: policyDocumentSchema.parse(ROOT) });
    await versions.activate(environment, root.id, 'test', null);
    return { service: new PolicyDiffsAdminService(diffs, versions, CATALOG, environment, autoApprove, tenants), environment, root };
  }

  it('computes the patch from the parent and stores the parsed document', async () => {
    const { service, root } = await serviceWith();
    const diff = await service.create(request(), 'optimizer');
    expect(diff).toMatchObject({ parentVersionId: root.id, status: 'proposed', createdBy: 'optimizer', proposedDocument: policyDocumentSchema.parse(CHANGED) });
    expect(diff.patch).toContainEqual({ op: 'replace', path: '/routes/w1/rules/0/target/candidates/0', value: 'chat-b' });
  });

  it('refuses an unknown model with the path of the problem, and a bad actor header', async () => {
    const { service } = await serviceWith();
    const invalid = await httpError(service.create(request({ proposedDocument: { defaultRoute: 'chat-z' } }), undefined));
    expect(invalid).toMatchObject({ status: 422, code: 'invalid_policy' });
    expect(invalid.param).toMatch(/^proposedDocument\./);
    expect(await httpError(service.create(request(), ' \u0007bad '))).toMatchObject({ status: 400, code: 'invalid_actor' });
  });

  it("does not show or move another environment's diffs", async () => {
    const a = await serviceWith();
    const b = await serviceWith();
    const diff = await a.service.create(request(), undefined);
    expect(await httpError(b.service.get(ROOT_ADMIN, diff.id))).toMatchObject({ status: 404, code: 'policy_diff_not_found' });
    expect(await httpError(b.service.approve(diff.id, {}, undefined))).toMatchObject({ status: 404 });
    expect((await b.service.list(ROOT_ADMIN, { limit: 10 })).data).toEqual([]);
  });

  it('refuses to approve a diff made against a version that is not active, but not to reject it', async () => {
    const { service, root } = await serviceWith();
    const older = await versions.create({ parentId: root.id, createdBy: 'test', reason: 'not active', document: policyDocumentSchema.parse({ defaultRoute: 'chat-b' }) });
    const diff = await service.create(request({ parentVersionId: older.id }), undefined);
    expect(await httpError(service.approve(diff.id, {}, undefined))).toMatchObject({ status: 409, code: 'stale_diff' });
    expect((await service.reject(diff.id, { comment: 'stale' }, 'alice')).status).toBe('rejected');
  });

  it('auto-approves only a proposal against the active version', async () => {
    const { service, root } = await serviceWith({ w1: { maxQualityDrop: 0.005 } });
    expect((await service.create(request(), 'optimizer')).status).toBe('approved');
    const older = await versions.create({ parentId: root.id, createdBy: 'test', reason: 'not active', document: policyDocumentSchema.parse({ defaultRoute: 'chat-b' }) });
    expect((await service.create(request({ parentVersionId: older.id }), 'optimizer')).status).toBe('proposed');
  });

  it('pages with hasMore and nextBefore', async () => {
    const { service } = await serviceWith();
    const a = await service.create(request({ workloads: ['w1'] }), undefined);
    const b = await service.create(request({ workloads: ['w2'] }), undefined);
    const first = await service.list(ROOT_ADMIN, { limit: 1 });
    expect(first).toMatchObject({ hasMore: true, nextBefore: b.id, data: [{ id: b.id }] });
    expect(await service.list(ROOT_ADMIN, { limit: 1, before: b.id })).toMatchObject({ hasMore: false, nextBefore: null, data: [{ id: a.id }] });
  });

  it("shows a tenant admin only the diffs of its own workloads, without the other tenants' parts of the policy", async () => {
    const { service } = await serviceWith();
    const mine = `mine-${randomBytes(4).toString('hex')}`;
    const created = await tenants.create(`tenant-${randomBytes(6).toString('hex')}`, { workloads: [mine] });
    if (!created.ok) throw new Error(created.reason);
    const tenant: AdminPrincipal = { kind: 'tenant', tenantId: created.tenant.id, keyId: 'ak_test' };
    const routes: Record<string, string> = { w1: 'chat-b', [mine]: 'chat-b' };
    const quality: Record<string, Record<string, number>> = { w1: { 'chat-b': 0.9 }, [mine]: { 'chat-b': 0.8 }, '*': { 'chat-a': 0.7 } };
    const proposed = { defaultRoute: 'chat-a', routes, quality };
    const ofTenant = await service.create(request({ workloads: [mine], proposedDocument: proposed, summary: `${mine}: route to chat-b` }), undefined);
    const shared = await service.create(request({ workloads: ['w1'] }), undefined);

    expect((await service.list(tenant, { limit: 10 })).data.map((d) => d.id)).toEqual([ofTenant.id]);
    expect(await httpError(service.get(tenant, shared.id))).toMatchObject({ status: 404, code: 'policy_diff_not_found' });
    const seen = await service.get(tenant, ofTenant.id);
    expect(Object.keys(seen.proposedDocument.routes)).toEqual([mine]);
    expect(Object.keys(seen.proposedDocument.quality).sort()).toEqual(['*', mine].sort());
    expect(JSON.stringify(seen)).not.toContain('"w1"');
    expect(seen.patch.length).toBeGreaterThan(0);
    expect(seen.events.map((e) => e.action)).toEqual(['proposed']);
    // The global admin sees it as stored.
    expect(Object.keys((await service.get(ROOT_ADMIN, ofTenant.id)).proposedDocument.routes).sort()).toEqual(['w1', mine].sort());
  });
});
