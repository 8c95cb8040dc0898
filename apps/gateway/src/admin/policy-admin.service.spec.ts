import { randomBytes } from 'node:crypto';
import { loadTestEnv } from '@switchyard/config';
import { policyDocumentSchema } from '@switchyard/contracts';
import { createDatabase, type DatabaseHandle, migrateDatabase, PolicyVersionRepository } from '@switchyard/db';
import { buildCatalog, type CatalogModel, type ModelCatalog } from '@switchyard/routing';
import jsonPatch from 'fast-json-patch';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiHttpError } from '../errors/openai-error.js';
import { PolicyAdminService } from './policy-admin.service.js';
import type { PolicyPublisher } from './policy-admin.tokens.js';

const model = (id: string, kind: CatalogModel['kind'] = 'chat'): CatalogModel => ({ id, kind, inputUsdPerMTok: 1, outputUsdPerMTok: 2, contextWindow: 128_000 });
const CATALOG = buildCatalog([model('chat-a'), model('chat-b'), model('embed-a', 'embedding')]);

/** Records what was published; `failWith` makes the next calls reject. */
class RecordingPublisher implements PolicyPublisher {
  readonly calls: [string, string][] = [];
  failWith: Error | undefined;

  published(environment: string, versionId: string): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.calls.push([environment, versionId]);
    return Promise.resolve();
  }
}

/** The OpenAiHttpError a call rejects with. */
async function httpError(call: Promise<unknown> | (() => unknown)): Promise<OpenAiHttpError> {
  try {
    await (typeof call === 'function' ? call() : call);
  } catch (error) {
    if (error instanceof OpenAiHttpError) return error;
    throw error;
  }
  throw new Error('expected an OpenAiHttpError, but the call succeeded');
}

const valid = { defaultRoute: ['chat-a', 'chat-b'] };

// A database of its own: listing is global across environments, and other spec files add versions to the shared one.
describe('PolicyAdminService with a real repository', () => {
  const name = `switchyard_admin_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: loadTestEnv().TEST_PG_ADMIN_URL });
  let handle: DatabaseHandle;
  let repo: PolicyVersionRepository;
  let publisher: RecordingPublisher;
  let environment: string;
  let service: PolicyAdminService;

  const serviceWith = (catalog: ModelCatalog): PolicyAdminService => new PolicyAdminService(repo, catalog, environment, publisher);
  const storedWithReason = async (reason: string): Promise<number> =>
    (await handle.pool.query<{ n: number }>('select count(*)::int as n from policy_versions where reason = $1', [reason])).rows[0]?.n ?? -1;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`create database ${admin.escapeIdentifier(name)}`);
    const url = new URL(loadTestEnv().TEST_PG_ADMIN_URL);
    url.pathname = `/${name}`;
    handle = createDatabase(url.toString(), { max: 4 });
    await migrateDatabase(handle.db);
    repo = new PolicyVersionRepository(handle.db);
  });

  afterAll(async () => {
    await handle?.close();
    await admin.query(`drop database if exists ${admin.escapeIdentifier(name)} with (force)`);
    await admin.end();
  });

  beforeEach(() => {
    publisher = new RecordingPublisher();
    environment = `env-${randomBytes(4).toString('hex')}`;
    service = serviceWith(CATALOG);
  });

  describe('validate', () => {
    it('accepts a policy whose models are configured', () => {
      expect(service.validate({ document: valid })).toEqual({ valid: true });
    });

    it('reports every problem with its path: unknown models, wrong kinds, schema violations', () => {
      const result = service.validate({ document: { defaultRoute: ['chat-a', 'gpt-nope'], embeddingRoute: 'chat-b' } });
      expect(result).toEqual({
        valid: false,
        issues: [
          { path: 'defaultRoute.rules.0.target.candidates.1', message: 'unknown model "gpt-nope"' },
          { path: 'defaultRoute.fallback.models.0', message: 'unknown model "gpt-nope"' },
          { path: 'embeddingRoute.rules.0.target.candidates.0', message: expect.stringContaining('chat model') as string },
        ],
      });
      expect(service.validate({ document: 'chat-a' })).toMatchObject({ valid: false, issues: [{ path: '(root)' }] });
      expect(service.validate({ document: { defaultRoute: 'chat-a', bogus: 1 } })).toMatchObject({ valid: false });
    });
  });

  describe('create', () => {
    it('refuses an invalid document, names the first bad path, lists all issues, and stores nothing', async () => {
      const reason = `bad-${randomBytes(4).toString('hex')}`;
      const error = await httpError(service.create({ document: { defaultRoute: ['gpt-nope', 'gpt-other'] }, reason, activate: true }, undefined));
      expect(error.status).toBe(422);
      expect(error.toEnvelope().error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_policy', param: 'document.defaultRoute.rules.0.target.candidates.0' });
      expect(error.message).toContain('unknown model "gpt-nope"');
      expect(error.message).toContain('defaultRoute.fallback.models.0: unknown model "gpt-other"');
      expect(await storedWithReason(reason)).toBe(0);
      expect(publisher.calls).toEqual([]);

      expect((await httpError(service.create({ document: [], reason, activate: false }, undefined))).param).toBe('document');
    });

    it('stores the parsed document without activating it, by default as admin-api', async () => {
      const created = await service.create({ document: valid, reason: 'first', activate: false }, undefined);
      expect(created).toMatchObject({ parentId: null, createdBy: 'admin-api', reason: 'first', activation: null });
      expect(created.id).toMatch(/^pv_/);
      expect(created.document).toEqual(policyDocumentSchema.parse(valid));
      expect(created.document).toMatchObject({ defaultWorkload: 'default', expectedOutputTokens: 256 });
      expect(await service.get(created.id)).toEqual({ ...created, activation: undefined });
      expect(await repo.getActive(environment)).toBeUndefined();
      expect(publisher.calls).toEqual([]);
    });

    it('activates and publishes when asked, crediting the actor header', async () => {
      const created = await service.create({ document: valid, reason: 'ship it', activate: true }, '  carol@example.com ');
      expect(created.createdBy).toBe('carol@example.com');
      expect(created.activation).toMatchObject({ environment, versionId: created.id, previousVersionId: null, activatedBy: 'carol@example.com', published: true });
      expect(publisher.calls).toEqual([[environment, created.id]]);

      const active = await service.active();
      expect(active).toMatchObject({ id: created.id, environment, activatedBy: 'carol@example.com', activatedAt: created.activation?.activatedAt, document: created.document });
      expect((await service.activations({ limit: 10 })).data).toMatchObject([{ versionId: created.id, previousVersionId: null, reason: 'ship it' }]);
    });

    it('takes the active version as parent unless told otherwise', async () => {
      const root = await service.create({ document: valid, reason: 'root', activate: true }, undefined);
      const child = await service.create({ document: { defaultRoute: 'chat-b' }, reason: 'child', activate: false }, undefined);
      expect(child.parentId).toBe(root.id);
      expect((await service.create({ document: valid, reason: 'orphan', parentId: null, activate: false }, undefined)).parentId).toBeNull();
      expect((await service.create({ document: valid, reason: 'explicit', parentId: child.id, activate: false }, undefined)).parentId).toBe(child.id);

      const reason = `dangling-${randomBytes(4).toString('hex')}`;
      const error = await httpError(service.create({ document: valid, reason, parentId: 'pv_missing', activate: false }, undefined));
      expect([error.status, error.code, error.param]).toEqual([404, 'policy_version_not_found', 'parentId']);
      expect(await storedWithReason(reason)).toBe(0);
    });

    it('rejects an unusable actor header', async () => {
      for (const actor of ['a'.repeat(129), 'tab\there', 'bell\u0007']) {
        const error = await httpError(service.create({ document: valid, reason: 'x', activate: false }, actor));
        expect([error.status, error.code]).toEqual([400, 'invalid_actor']);
      }
    });
  });

  describe('activate', () => {
    it('moves the pointer, records who and why, and publishes', async () => {
      const a = await service.create({ document: valid, reason: 'a', activate: true }, 'alice');
      const b = await service.create({ document: { defaultRoute: 'chat-b' }, reason: 'b', activate: false }, 'alice');
      const result = await service.activate({ versionId: b.id, reason: 'cheaper' }, 'bob');
      expect(result).toMatchObject({ environment, versionId: b.id, previousVersionId: a.id, activatedBy: 'bob', published: true });
      expect(publisher.calls).toEqual([
        [environment, a.id],
        [environment, b.id],
      ]);
      expect((await service.active()).id).toBe(b.id);
      expect((await service.activations({ limit: 10 })).data.map((e) => [e.versionId, e.previousVersionId, e.activatedBy, e.reason])).toEqual([
        [b.id, a.id, 'bob', 'cheaper'],
        [a.id, null, 'alice', 'a'],
      ]);
    });

    it('404s on an unknown version', async () => {
      const error = await httpError(service.activate({ versionId: 'pv_missing' }, undefined));
      expect([error.status, error.code, error.param]).toEqual([404, 'policy_version_not_found', 'versionId']);
    });

    it('never activates a version that no longer validates against the configured models', async () => {
      const current = await service.create({ document: valid, reason: 'current', activate: true }, undefined);
      const stale = await service.create({ document: { defaultRoute: 'chat-b' }, reason: 'uses chat-b', activate: false }, undefined);
      // chat-b was removed from the configuration since that version was stored.
      const shrunk = serviceWith(buildCatalog([model('chat-a')]));
      const error = await httpError(shrunk.activate({ versionId: stale.id }, undefined));
      expect([error.status, error.code, error.param]).toEqual([422, 'invalid_policy', 'versionId']);
      expect(error.message).toContain('defaultRoute.rules.0.target.candidates.0: unknown model "chat-b"');
      expect((await service.active()).id).toBe(current.id);
      expect(publisher.calls).toEqual([[environment, current.id]]);
    });

    it('keeps the activation when the notification fails, and says so', async () => {
      const v = await service.create({ document: valid, reason: 'v', activate: false }, undefined);
      publisher.failWith = new Error('redis down');
      const result = await service.activate({ versionId: v.id }, undefined);
      expect(result).toMatchObject({ versionId: v.id, published: false });
      expect((await service.active()).id).toBe(v.id);
    });
  });

  it('404s when nothing is active', async () => {
    const error = await httpError(service.active());
    expect([error.status, error.code]).toEqual([404, 'no_active_policy']);
    expect((await httpError(service.get('pv_missing'))).status).toBe(404);
  });

  it('pages through versions newest first', async () => {
    await handle.pool.query('truncate canary_checks, policy_diff_events, policy_diffs, policy_activation_events, policy_activations, policy_versions');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await service.create({ document: valid, reason: `v${i}`, parentId: null, activate: false }, undefined)).id);
    const newestFirst = [...ids].reverse();

    const first = await service.list({ limit: 2 });
    expect(first).toEqual({ data: [expect.objectContaining({ id: newestFirst[0], reason: 'v4' }), expect.objectContaining({ id: newestFirst[1] })], hasMore: true, nextBefore: newestFirst[1] });
    expect(first.data[0]).not.toHaveProperty('document');
    const second = await service.list({ limit: 2, before: first.nextBefore! });
    expect([second.data.map((v) => v.id), second.hasMore, second.nextBefore]).toEqual([newestFirst.slice(2, 4), true, newestFirst[3]]);
    const last = await service.list({ limit: 2, before: second.nextBefore! });
    expect([last.data.map((v) => v.id), last.hasMore, last.nextBefore]).toEqual([[newestFirst[4]], false, null]);
    expect(await service.list({ limit: 5 })).toMatchObject({ hasMore: false, nextBefore: null });

    const error = await httpError(service.list({ limit: 2, before: 'pv_missing' }));
    expect([error.status, error.param]).toEqual([400, 'before']);
  });

  describe('diff', () => {
    it('is an RFC 6902 patch that turns from into to', async () => {
      const from = await service.create({ document: valid, reason: 'from', activate: true }, undefined);
      const to = await service.create({ document: { defaultRoute: ['chat-b', 'chat-a'], routes: { support: 'chat-a' }, expectedOutputTokens: 512 }, reason: 'to', activate: false }, undefined);

      const diff = await service.diff({ from: from.id, to: to.id });
      expect(diff.from).toBe(from.id);
      expect(diff.to).toBe(to.id);
      expect(diff.patch).toContainEqual({ op: 'replace', path: '/expectedOutputTokens', value: 512 });
      expect(diff.patch).toContainEqual({ op: 'add', path: '/routes/support', value: policyDocumentSchema.parse({ defaultRoute: 'chat-a' }).defaultRoute });
      const applied = jsonPatch.applyPatch(structuredClone(from.document), diff.patch, true, false).newDocument;
      expect(applied).toEqual(to.document);
      expect((await service.diff({ from: to.id, to: to.id })).patch).toEqual([]);
    });

    it('defaults to the active version against its parent', async () => {
      const parent = await service.create({ document: valid, reason: 'p', activate: true }, undefined);
      const child = await service.create({ document: { ...valid, expectedOutputTokens: 100 }, reason: 'c', activate: true }, undefined);
      expect(await service.diff({})).toEqual({ from: parent.id, to: child.id, patch: [{ op: 'replace', path: '/expectedOutputTokens', value: 100 }] });
      expect((await service.diff({ to: parent.id, from: child.id })).patch).toEqual([{ op: 'replace', path: '/expectedOutputTokens', value: 256 }]);

      const error = await httpError(service.diff({ to: parent.id }));
      expect([error.status, error.param]).toEqual([400, 'from']);
    });

    it('404s on unknown versions and when nothing is active', async () => {
      expect((await httpError(service.diff({}))).code).toBe('no_active_policy');
      const v = await service.create({ document: valid, reason: 'v', activate: false }, undefined);
      expect(await httpError(service.diff({ from: 'pv_missing', to: v.id }))).toMatchObject({ status: 404, param: 'from' });
      expect(await httpError(service.diff({ from: v.id, to: 'pv_missing' }))).toMatchObject({ status: 404, param: 'to' });
    });
  });
});
