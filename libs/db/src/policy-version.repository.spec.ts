import { randomBytes } from 'node:crypto';
import { type PolicyDocument, policyDocumentSchema } from '@switchyard/contracts';
import { createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from './database.client.js';
import { newPolicyVersionId, PolicyVersionRepository } from './policy-version.repository.js';

const doc = (model: string): PolicyDocument => policyDocumentSchema.parse({ defaultRoute: model });
/** Other spec files share the database, so every test works in environments of its own. */
const freshEnvironment = (): string => `test-${randomBytes(6).toString('hex')}`;

describe('PolicyVersionRepository against Postgres', () => {
  let handle: DatabaseHandle;
  let repo: PolicyVersionRepository;

  beforeAll(() => {
    handle = createTestDatabase({ max: 6 });
    repo = new PolicyVersionRepository(handle.db);
  });

  afterAll(async () => {
    await handle.close();
  });

  const version = (parentId: string | null = null, model = 'm-a') => repo.create({ parentId, createdBy: 'alice', reason: `use ${model}`, document: doc(model) });

  it('mints ids that sort by creation time', () => {
    const early = newPolicyVersionId(1_000);
    const late = newPolicyVersionId(1_700_000_000_000);
    expect(early).toMatch(/^pv_[0-9a-z]{10}[0-9a-f]{16}$/);
    expect(early < late).toBe(true);
    expect(newPolicyVersionId(5)).not.toBe(newPolicyVersionId(5));
  });

  it('stores a version and reads it back as stored', async () => {
    const root = await version();
    const child = await version(root.id, 'm-b');
    const read = await repo.findById(child.id);
    expect(read).toEqual(child);
    expect(read).toMatchObject({ parentId: root.id, createdBy: 'alice', reason: 'use m-b', document: doc('m-b') });
    expect(read?.createdAt).toBeInstanceOf(Date);
    expect(await repo.findById('pv_missing')).toBeUndefined();
  });

  it('refuses a parent that does not exist', async () => {
    await expect(version('pv_nope')).rejects.toThrow();
  });

  it('lists newest first and pages with the last id seen', async () => {
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) mine.push((await version(null, `m-${i}`)).id);
    const newestFirst = [...mine].reverse();

    // Pages of two until all five are seen; other specs may insert in between, so only our ids are compared.
    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 100 && seen.length < 5; page++) {
      const rows = await repo.list({ limit: 2, before });
      expect(rows.length).toBeLessThanOrEqual(2);
      if (rows.length === 0) break;
      seen.push(...rows.map((r) => r.id).filter((id) => mine.includes(id)));
      before = rows[rows.length - 1].id;
    }
    expect(seen).toEqual(newestFirst);

    const afterThird = await repo.list({ limit: 10, before: newestFirst[2] });
    expect(afterThird.map((r) => r.id).filter((id) => mine.includes(id))).toEqual(newestFirst.slice(3));
    expect(await repo.list({ limit: 10, before: 'pv_unknown' })).toEqual([]);
  });

  it('moves the active pointer and records each switch', async () => {
    const env = freshEnvironment();
    const [a, b] = [await version(), await version(null, 'm-b')];
    expect(await repo.getActive(env)).toBeUndefined();

    const first = await repo.activate(env, a.id, 'alice', 'first rollout');
    expect(first.previousVersionId).toBeNull();
    const second = await repo.activate(env, b.id, 'bob', null);
    expect(second.previousVersionId).toBe(a.id);

    const active = await repo.getActive(env);
    expect(active).toEqual({ version: b, activatedBy: 'bob', activatedAt: second.activatedAt });
    // Another environment is untouched.
    expect(await repo.getActive(freshEnvironment())).toBeUndefined();

    const history = await repo.activationHistory(env, 10);
    expect(history.map((e) => ({ versionId: e.versionId, previousVersionId: e.previousVersionId, activatedBy: e.activatedBy, reason: e.reason }))).toEqual([
      { versionId: b.id, previousVersionId: a.id, activatedBy: 'bob', reason: null },
      { versionId: a.id, previousVersionId: null, activatedBy: 'alice', reason: 'first rollout' },
    ]);
    expect(history[0]?.at).toEqual(second.activatedAt);
    expect(await repo.activationHistory(env, 1)).toHaveLength(1);
  });

  it('leaves pointer and history untouched when the version does not exist', async () => {
    const env = freshEnvironment();
    const a = await version();
    await repo.activate(env, a.id, 'alice', null);
    await expect(repo.activate(env, 'pv_missing', 'mallory', null)).rejects.toThrow();
    expect((await repo.getActive(env))?.version.id).toBe(a.id);
    expect(await repo.activationHistory(env, 10)).toHaveLength(1);
  });

  it('chains concurrent activations: each event names the version it replaced', async () => {
    const env = freshEnvironment();
    const versions = await Promise.all(Array.from({ length: 8 }, (_, i) => version(null, `m-${i}`)));
    await Promise.all(versions.map((v) => repo.activate(env, v.id, 'racer', null)));

    const history = (await repo.activationHistory(env, 100)).reverse();
    expect(history).toHaveLength(8);
    expect(history[0]?.previousVersionId).toBeNull();
    for (let i = 1; i < history.length; i++) expect(history[i]?.previousVersionId).toBe(history[i - 1]?.versionId);
    expect((await repo.getActive(env))?.version.id).toBe(history[7]?.versionId);
  });
});
