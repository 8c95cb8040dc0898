import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { childProcessEnv } from '@switchyard/config';
import { activePolicyResponseSchema, type CreatePolicyDiffRequest, createPolicyVersionResponseSchema, policyDiffDetailSchema, policyDiffListResponseSchema } from '@switchyard/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const ROUTING = { defaultRoute: 'gpt-a', routes: { winogrande: ['gpt-a', 'gpt-b'], arc: 'gpt-a' } };
const CHEAPER = { ...ROUTING, routes: { ...ROUTING.routes, winogrande: ['gpt-b', 'gpt-a'] } };

async function admin(h: GatewayHarness, method: 'GET' | 'POST', path: string, body?: unknown, actor?: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${h.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(actor && { 'x-switchyard-actor': actor }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const proposal = (over: Partial<CreatePolicyDiffRequest> = {}): CreatePolicyDiffRequest => ({
  proposedDocument: CHEAPER,
  workloads: ['winogrande'],
  summary: 'winogrande: route to gpt-b (was gpt-a); expected quality −0.4% [−1.1%, +0.3%], cost −50%, projected −$3,840/month at last week’s volume',
  predicted: {
    quality: { delta: -0.004, low: -0.011, high: 0.003 },
    costPerRequest: { delta: -0.0004, low: -0.0005, high: -0.0003, relative: -0.5 },
    latencyP95Ms: { delta: -420 },
    monthlyUsd: -3840,
  },
  evidence: { samplesPerModel: { 'gpt-a': { judge: 380, golden: 32, shadow: 12, feedback: 3 }, 'gpt-b': { judge: 200, golden: 32, shadow: 40, feedback: 0 } }, scorerMix: { 'llm-judge:helpfulness': 580, exact: 64 }, exampleSpanIds: ['0123456789abcdef'] },
  reason: 'cheaper',
  ...over,
});

const detail = (json: unknown) => policyDiffDetailSchema.parse(json);
const list = async (h: GatewayHarness, query: string) => policyDiffListResponseSchema.parse((await admin(h, 'GET', `/admin/policy-diffs?${query}`)).json);
const activeVersion = async (h: GatewayHarness): Promise<string> => activePolicyResponseSchema.parse((await admin(h, 'GET', '/admin/policy')).json).id;
const create = async (h: GatewayHarness, over: Partial<CreatePolicyDiffRequest> = {}) => {
  const res = await admin(h, 'POST', '/admin/policy-diffs', proposal(over), 'optimizer');
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return detail(res.json);
};

describe('policy diffs: proposal, review and audit over real HTTP', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await startGatewayHarness({ routing: ROUTING });
  });
  afterAll(async () => {
    await h.close();
  });

  it('stores a diff against the active version with the server-computed patch and a proposed event', async () => {
    const parent = await activeVersion(h);
    const diff = await create(h);
    expect(diff).toMatchObject({ environment: h.config.environment, parentVersionId: parent, status: 'proposed', workloads: ['winogrande'], reason: 'cheaper', createdBy: 'optimizer', measured: null });
    expect(diff.id).toMatch(/^pd_/);
    expect(diff.patch.length).toBeGreaterThan(0);
    expect(diff.patch.every((op) => op.path.startsWith('/routes/winogrande'))).toBe(true);
    expect(diff.proposedDocument.routes.winogrande?.rules[0]?.target).toMatchObject({ candidates: ['gpt-b', 'gpt-a'] });
    expect(diff.events).toMatchObject([{ action: 'proposed', actor: 'optimizer' }]);
  });

  it('refuses a proposal that does not validate, that changes nothing, or whose parent is unknown', async () => {
    const invalid = await admin(h, 'POST', '/admin/policy-diffs', proposal({ proposedDocument: { ...ROUTING, routes: { winogrande: 'no-such-model' } } }));
    expect(invalid.status).toBe(422);
    expect(invalid.json).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_policy', param: expect.stringMatching(/^proposedDocument/) as string } });
    const same = await admin(h, 'POST', '/admin/policy-diffs', proposal({ proposedDocument: ROUTING }));
    expect(same).toMatchObject({ status: 422, json: { error: { code: 'empty_diff' } } });
    const orphan = await admin(h, 'POST', '/admin/policy-diffs', proposal({ parentVersionId: 'pv_missing' }));
    expect(orphan).toMatchObject({ status: 404, json: { error: { code: 'policy_version_not_found', param: 'parentVersionId' } } });
    const badBody = await admin(h, 'POST', '/admin/policy-diffs', { ...proposal(), predicted: { quality: { delta: 0.1, low: 0.2, high: 0.3 } } });
    expect(badBody.status).toBe(400);
    const unauthenticated = await fetch(`${h.baseUrl}/admin/policy-diffs`);
    expect(unauthenticated.status).toBe(401);
  });

  it('supersedes the older proposal for the same workload, and lists and filters by status and workload', async () => {
    const older = await create(h, { workloads: ['winogrande'] });
    const arc = await create(h, { workloads: ['arc'], proposedDocument: { ...ROUTING, routes: { ...ROUTING.routes, arc: 'gpt-b' } } });
    const newer = await create(h, { workloads: ['winogrande'] });
    const shown = detail((await admin(h, 'GET', `/admin/policy-diffs/${older.id}`)).json);
    expect(shown.status).toBe('superseded');
    expect(shown.events.map((e) => [e.action, e.details])).toEqual([
      ['proposed', expect.anything()],
      ['superseded', { supersededBy: newer.id }],
    ]);

    const proposed = await list(h, 'status=proposed');
    expect(proposed.data.map((d) => d.id)).toEqual([newer.id, arc.id]);
    expect((await list(h, 'workload=arc')).data.map((d) => d.id)).toEqual([arc.id]);
    expect((await list(h, 'status=proposed&workload=winogrande')).data.map((d) => d.id)).toEqual([newer.id]);
    const page = await list(h, 'limit=1');
    expect(page).toMatchObject({ hasMore: true, nextBefore: newer.id });
    expect((await list(h, `limit=1&before=${page.nextBefore ?? ''}`)).data.map((d) => d.id)).toEqual([arc.id]);
    expect((await admin(h, 'GET', '/admin/policy-diffs?status=bogus')).status).toBe(400);
    expect(await admin(h, 'GET', '/admin/policy-diffs/pd_0000000000missing')).toMatchObject({ status: 404, json: { error: { code: 'policy_diff_not_found' } } });
    expect((await admin(h, 'GET', '/admin/policy-diffs/not-an-id')).status).toBe(400);
  });

  it('approves with the actor and comment in the audit log; a second decision is a 409', async () => {
    const diff = await create(h);
    const before = Date.now();
    const res = await admin(h, 'POST', `/admin/policy-diffs/${diff.id}/approve`, { comment: 'cost win, quality within noise' }, 'alice@example.com');
    expect(res.status).toBe(200);
    const approved = detail(res.json);
    expect(approved.status).toBe('approved');
    const event = approved.events.at(-1);
    expect(event).toMatchObject({ action: 'approved', actor: 'alice@example.com', comment: 'cost win, quality within noise' });
    expect(Date.parse(event?.at ?? '')).toBeGreaterThanOrEqual(before - 1_000);
    expect(detail((await admin(h, 'GET', `/admin/policy-diffs/${diff.id}`)).json).events.map((e) => e.action)).toEqual(['proposed', 'approved']);

    const again = await admin(h, 'POST', `/admin/policy-diffs/${diff.id}/approve`, {});
    expect(again).toMatchObject({ status: 409, json: { error: { type: 'invalid_request_error', code: 'illegal_transition' } } });
    const reject = await admin(h, 'POST', `/admin/policy-diffs/${diff.id}/reject`, { comment: 'changed my mind' });
    expect(reject).toMatchObject({ status: 409, json: { error: { code: 'illegal_transition', message: expect.stringContaining('approved policy diff cannot be rejected') as string } } });
  });

  it('approves without a body, as admin-api when no actor is named', async () => {
    const diff = await create(h);
    const res = await fetch(`${h.baseUrl}/admin/policy-diffs/${diff.id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    expect(detail(await res.json()).events.at(-1)).toMatchObject({ action: 'approved', actor: 'admin-api', comment: null });
  });

  it('rejects only with a comment, and a rejected diff is final', async () => {
    const diff = await create(h);
    expect((await admin(h, 'POST', `/admin/policy-diffs/${diff.id}/reject`, {})).status).toBe(400);
    expect((await admin(h, 'POST', `/admin/policy-diffs/${diff.id}/reject`, { comment: '   ' })).status).toBe(400);
    const rejected = detail((await admin(h, 'POST', `/admin/policy-diffs/${diff.id}/reject`, { comment: 'winogrande is customer-facing' }, 'bob')).json);
    expect(rejected.status).toBe('rejected');
    expect(rejected.events.at(-1)).toMatchObject({ action: 'rejected', actor: 'bob', comment: 'winogrande is customer-facing' });
    expect((await admin(h, 'POST', `/admin/policy-diffs/${diff.id}/approve`, {})).status).toBe(409);
  });

  it('drives list, show and approve from the CLI, key and URL from the environment', async () => {
    const diff = await create(h);
    const env = childProcessEnv({ SWITCHYARD_URL: h.baseUrl, SWITCHYARD_ADMIN_KEY: ADMIN_KEY, SWITCHYARD_ACTOR: 'carol-cli' });
    const cli = (...args: string[]) => promisify(execFile)(process.execPath, ['scripts/switchyard-cli.mjs', ...args], { env });

    expect((await cli('diffs', 'list', '--status', 'proposed')).stdout).toContain(`${diff.id}\tproposed\twinogrande\t`);
    const shown = (await cli('diffs', 'show', diff.id)).stdout;
    expect(shown).toContain(`${diff.id} proposed (cheaper)`);
    expect(shown).toContain('predicted: quality −0.4% [−1.1%, +0.3%]');
    expect(shown).toContain('gpt-a\t380/32/12/3');
    expect(shown).toContain('proposed by optimizer');

    expect((await cli('diffs', 'approve', diff.id, '--comment', 'ship it')).stdout).toContain(`approved ${diff.id} as carol-cli`);
    expect(detail((await admin(h, 'GET', `/admin/policy-diffs/${diff.id}`)).json).events.at(-1)).toMatchObject({ action: 'approved', actor: 'carol-cli', comment: 'ship it' });
    const failed = await cli('diffs', 'approve', diff.id).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('HTTP 409 illegal_transition');
  });

  it('refuses to approve a diff whose parent is no longer the active version (409 stale_diff)', async () => {
    const diff = await create(h);
    const moved = await admin(h, 'POST', '/admin/policy/versions', { document: { ...ROUTING, defaultRoute: 'gpt-b' }, reason: 'someone else changed the policy', activate: true });
    expect(moved.status).toBe(201);
    expect(await activeVersion(h)).toBe(createPolicyVersionResponseSchema.parse(moved.json).id);
    const res = await admin(h, 'POST', `/admin/policy-diffs/${diff.id}/approve`, { comment: 'too late' });
    expect(res).toMatchObject({ status: 409, json: { error: { type: 'invalid_request_error', code: 'stale_diff' } } });
    expect(detail((await admin(h, 'GET', `/admin/policy-diffs/${diff.id}`)).json).status).toBe('proposed');
    // Rejecting a stale diff is still fine: it records the decision.
    expect((await admin(h, 'POST', `/admin/policy-diffs/${diff.id}/reject`, { comment: 'stale' })).status).toBe(200);
  });
});

describe('policy diffs: auto-approve when configured', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await startGatewayHarness({ routing: ROUTING, optimizer: { autoApprove: { winogrande: { maxQualityDrop: 0.005 } } } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('approves a diff whose quality interval stays within the allowed drop, as auto-approve, with an event', async () => {
    const diff = await create(h, { predicted: { quality: { delta: 0.001, low: -0.004, high: 0.006 }, costPerRequest: { delta: -0.0004, low: -0.0005, high: -0.0003, relative: -0.5 } } });
    expect(diff.status).toBe('approved');
    expect(diff.events.map((e) => [e.action, e.actor])).toEqual([
      ['proposed', 'optimizer'],
      ['approved', 'auto-approve'],
    ]);
    expect(diff.events[1]).toMatchObject({ comment: expect.stringContaining('auto-approved') as string, details: { maxQualityDrop: 0.005, predictedQualityLow: -0.004 } });
  });

  it('leaves for review a diff whose interval reaches further down, or a workload that did not opt in', async () => {
    expect((await create(h)).status).toBe('proposed');
    expect((await create(h, { workloads: ['arc'], proposedDocument: { ...ROUTING, routes: { ...ROUTING.routes, arc: 'gpt-b' } }, predicted: { quality: { delta: 0, low: 0, high: 0 }, costPerRequest: { delta: 0, low: 0, high: 0, relative: 0 } } })).status).toBe('proposed');
  });
});
