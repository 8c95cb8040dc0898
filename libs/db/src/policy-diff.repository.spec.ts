import { randomBytes } from 'node:crypto';
import { type PolicyDiffDeltas, type PolicyDocument, policyDocumentSchema } from '@switchyard/contracts';
import { createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from './database.client.js';
import { type NewPolicyDiff, PolicyDiffRepository } from './policy-diff.repository.js';
import { PolicyVersionRepository } from './policy-version.repository.js';
import { TenantRepository } from './tenant.repository.js';

const doc = (model: string): PolicyDocument => policyDocumentSchema.parse({ defaultRoute: model });
/** Other spec files share the database, so every test works in environments of its own. */
const freshEnvironment = (): string => `test-${randomBytes(6).toString('hex')}`;
const deltas = (quality: number): PolicyDiffDeltas => ({
  quality: { delta: quality, low: quality - 0.01, high: quality + 0.01 },
  costPerRequest: { delta: -0.002, low: -0.003, high: -0.001, relative: -0.61 },
  latencyP95Ms: { delta: -420 },
  monthlyUsd: -3840,
});

describe('PolicyDiffRepository against Postgres', () => {
  let handle: DatabaseHandle;
  let repo: PolicyDiffRepository;
  let parentVersionId: string;

  beforeAll(async () => {
    handle = createTestDatabase({ max: 8 });
    repo = new PolicyDiffRepository(handle.db);
    parentVersionId = (await new PolicyVersionRepository(handle.db).create({ parentId: null, createdBy: 'test', reason: 'root', document: doc('m-a') })).id;
  });

  afterAll(async () => {
    await handle.close();
  });

  const input = (environment: string, workloads = ['winogrande'], over: Partial<NewPolicyDiff> = {}): NewPolicyDiff => ({
    environment,
    parentVersionId,
    proposedDocument: doc('m-b'),
    patch: [{ op: 'replace', path: '/defaultRoute/rules/0/target/candidates/0', value: 'm-b' }],
    workloads,
    summary: `${workloads.join(', ')}: route to m-b`,
    predicted: deltas(-0.004),
    evidence: { samplesPerModel: { 'm-a': { judge: 380, golden: 32, shadow: 0, feedback: 1 } }, scorerMix: { 'llm-judge:helpfulness': 380, exact: 32 }, exampleSpanIds: ['0123456789abcdef'] },
    reason: 'cheaper',
    createdBy: 'optimizer',
    ...over,
  });

  it('stores a proposed diff with its proposed event and reads it back as stored', async () => {
    const env = freshEnvironment();
    const { diff, superseded } = await repo.propose(input(env));
    expect(diff.id).toMatch(/^pd_[0-9a-z]{26}$/);
    expect(diff).toMatchObject({ environment: env, status: 'proposed', measured: null, workloads: ['winogrande'], predicted: deltas(-0.004), reason: 'cheaper' });
    expect(superseded).toEqual([]);
    expect(await repo.get(diff.id)).toEqual(diff);
    expect(await repo.get('pd_missing')).toBeUndefined();
    const events = await repo.events(diff.id);
    expect(events).toMatchObject([{ action: 'proposed', actor: 'optimizer', comment: null, details: { parentVersionId, workloads: ['winogrande'] } }]);
    expect(events[0]?.at).toBeInstanceOf(Date);
  });

  it('refuses a parent version that does not exist', async () => {
    await expect(repo.propose(input(freshEnvironment(), ['x'], { parentVersionId: 'pv_missing' }))).rejects.toThrow();
  });

  it('supersedes older proposed diffs of the same environment that share a workload, with events, and nothing else', async () => {
    const env = freshEnvironment();
    const a = (await repo.propose(input(env, ['winogrande', 'arc']))).diff;
    const other = (await repo.propose(input(env, ['gsm8k']))).diff;
    const elsewhere = (await repo.propose(input(freshEnvironment(), ['arc']))).diff;
    const approved = (await repo.propose(input(env, ['mmlu']))).diff;
    await repo.transition(approved.id, 'approved', 'alice');

    const b = await repo.propose(input(env, ['arc', 'mmlu']));
    expect(b.superseded).toEqual([a.id]);
    expect((await repo.get(a.id))?.status).toBe('superseded');
    expect((await repo.events(a.id)).map((e) => [e.action, e.actor, e.details])).toEqual([
      ['proposed', 'optimizer', { parentVersionId, workloads: ['winogrande', 'arc'] }],
      ['superseded', 'optimizer', { supersededBy: b.diff.id }],
    ]);
    expect((await repo.get(other.id))?.status).toBe('proposed');
    expect((await repo.get(elsewhere.id))?.status).toBe('proposed');
    expect((await repo.get(approved.id))?.status).toBe('approved');
  });

  it('leaves exactly one proposed diff when proposals for one workload race', async () => {
    const env = freshEnvironment();
    await Promise.all(Array.from({ length: 6 }, () => repo.propose(input(env, ['race']))));
    const proposed = await repo.list({ environment: env, status: 'proposed', limit: 50 });
    expect(proposed).toHaveLength(1);
    expect(await repo.list({ environment: env, status: 'superseded', limit: 50 })).toHaveLength(5);
  });

  it('moves a diff through its life, one event per move, refusing illegal moves without writing anything', async () => {
    const { diff } = await repo.propose(input(freshEnvironment()));
    const approved = await repo.transition(diff.id, 'approved', 'alice', 'looks right');
    expect(approved).toMatchObject({ ok: true, diff: { status: 'approved' }, event: { action: 'approved', actor: 'alice', comment: 'looks right' } });
    if (approved.ok) expect(approved.diff.updatedAt.getTime()).toBeGreaterThanOrEqual(diff.updatedAt.getTime());

    expect(await repo.transition(diff.id, 'rejected', 'bob', 'no')).toEqual({ ok: false, reason: 'illegal', status: 'approved', message: expect.stringContaining('approved policy diff cannot be rejected') as string });
    expect(await repo.transition('pd_missing', 'approved', 'bob')).toEqual({ ok: false, reason: 'not_found' });

    expect(await repo.transition(diff.id, 'canary_started', 'canary', null, { details: { share: 0.05 } })).toMatchObject({ ok: true, diff: { status: 'canary' } });
    expect(await repo.transition(diff.id, 'canary_step', 'canary', null, { details: { share: 0.25 } })).toMatchObject({ ok: true, diff: { status: 'canary' } });
    const promoted = await repo.transition(diff.id, 'promoted', 'canary', null, { measured: deltas(-0.002) });
    expect(promoted).toMatchObject({ ok: true, diff: { status: 'promoted', measured: deltas(-0.002) } });
    expect(await repo.transition(diff.id, 'commented', 'carol', 'measured agrees with predicted')).toMatchObject({ ok: true, diff: { status: 'promoted' } });

    const events = await repo.events(diff.id);
    expect(events.map((e) => e.action)).toEqual(['proposed', 'approved', 'canary_started', 'canary_step', 'promoted', 'commented']);
    expect(events[3]?.details).toEqual({ share: 0.25 });
  });

  it('lets exactly one of racing reviewers move a diff', async () => {
    const { diff } = await repo.propose(input(freshEnvironment()));
    const results = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => repo.transition(diff.id, 'approved', `approver-${i}`)),
      ...Array.from({ length: 4 }, (_, i) => repo.transition(diff.id, 'rejected', `rejecter-${i}`, 'no')),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect((await repo.events(diff.id)).filter((e) => e.action !== 'proposed')).toHaveLength(1);
  });

  it('records measured deltas', async () => {
    const { diff } = await repo.propose(input(freshEnvironment()));
    expect(await repo.recordMeasured(diff.id, deltas(0.01))).toMatchObject({ id: diff.id, measured: deltas(0.01), status: 'proposed' });
    expect(await repo.recordMeasured('pd_missing', deltas(0))).toBeUndefined();
  });

  it('lists newest first, filtered by environment, status and workload, and pages by id', async () => {
    const env = freshEnvironment();
    const a = (await repo.propose(input(env, ['w1']))).diff;
    const b = (await repo.propose(input(env, ['w2']))).diff;
    const c = (await repo.propose(input(env, ['w2', 'w3']))).diff;
    await repo.transition(a.id, 'rejected', 'alice', 'no');
    expect((await repo.list({ environment: env, limit: 10 })).map((d) => d.id)).toEqual([c.id, b.id, a.id]);
    expect((await repo.list({ environment: env, status: 'rejected', limit: 10 })).map((d) => d.id)).toEqual([a.id]);
    expect((await repo.list({ environment: env, workload: 'w2', limit: 10 })).map((d) => d.id)).toEqual([c.id, b.id]);
    expect((await repo.list({ environment: env, workload: 'w3', status: 'proposed', limit: 10 })).map((d) => d.id)).toEqual([c.id]);
    expect((await repo.list({ environment: env, limit: 1, before: c.id })).map((d) => d.id)).toEqual([b.id]);
    expect(await repo.list({ environment: env, limit: 10, before: a.id })).toEqual([]);
    expect(await repo.list({ environment: env, limit: 10, before: 'pd_missing' })).toEqual([]);
  });

  it('gives a tenant the diffs whose workloads it all owns, and no other', async () => {
    const env = freshEnvironment();
    const [w1, w2, w3] = ['w1', 'w2', 'w3'].map((w) => `${w}-${randomBytes(4).toString('hex')}`);
    const tenants = new TenantRepository(handle.db);
    const [a, b] = await Promise.all([tenants.create(`tenant-${randomBytes(6).toString('hex')}`, { workloads: [w1, w2] }), tenants.create(`tenant-${randomBytes(6).toString('hex')}`, { workloads: [w3] })]);
    if (!a.ok || !b.ok) throw new Error('tenants not created');
    const ofA = (await repo.propose(input(env, [w1, w2]))).diff;
    const ofB = (await repo.propose(input(env, [w3]))).diff;
    const shared = (await repo.propose(input(env, [w2, w3]))).diff;
    const unowned = (await repo.propose(input(env, ['nobody-owns-this']))).diff;

    expect((await repo.list({ environment: env, tenantId: a.tenant.id, limit: 10 })).map((d) => d.id)).toEqual([ofA.id]);
    expect((await repo.list({ environment: env, tenantId: b.tenant.id, limit: 10 })).map((d) => d.id)).toEqual([ofB.id]);
    expect(await repo.list({ environment: env, tenantId: 'tn_0000000000missing', limit: 10 })).toEqual([]);
    expect((await repo.list({ environment: env, limit: 10 })).map((d) => d.id)).toEqual([unowned.id, shared.id, ofB.id, ofA.id]);
    expect((await repo.getScoped(a.tenant.id, ofA.id))?.id).toBe(ofA.id);
    for (const id of [ofB.id, shared.id, unowned.id]) expect(await repo.getScoped(a.tenant.id, id)).toBeUndefined();
    expect((await repo.getScoped(null, shared.id))?.id).toBe(shared.id);
    // Ownership is read at query time: a workload handed over takes its diffs along.
    await tenants.update(b.tenant.id, { workloads: [] });
    await tenants.update(a.tenant.id, { workloads: [w1, w2, w3] });
    expect((await repo.list({ environment: env, tenantId: a.tenant.id, limit: 10 })).map((d) => d.id)).toEqual([shared.id, ofB.id, ofA.id]);
  });
});
