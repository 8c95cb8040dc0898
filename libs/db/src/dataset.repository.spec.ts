import { randomBytes } from 'node:crypto';
import type { DatasetItem } from '@switchyard/contracts';
import { createTestDatabase } from '@switchyard/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from './database.client.js';
import { datasetContentHash, DatasetRepository } from './dataset.repository.js';
import { TenantRepository } from './tenant.repository.js';

/** Other spec files share the database, so every test works on datasets of its own. */
const freshName = (): string => `ds-${randomBytes(6).toString('hex')}`;
const items = (n: number, tag = 'q'): DatasetItem[] => Array.from({ length: n }, (_, i) => ({ input: `${tag} ${i}`, expected: `a ${i}`, metadata: {} }));

describe('DatasetRepository against Postgres', () => {
  let handle: DatabaseHandle;
  let repo: DatasetRepository;

  beforeAll(() => {
    handle = createTestDatabase({ max: 6 });
    repo = new DatasetRepository(handle.db);
  });

  const freshTenant = async (): Promise<string> => {
    const created = await new TenantRepository(handle.db).create(`tenant-${randomBytes(6).toString('hex')}`);
    if (!created.ok) throw new Error(created.reason);
    return created.tenant.id;
  };

  afterAll(async () => {
    await handle.close();
  });

  it('hashes content, not its spelling: key order and absent optionals do not matter, order and values do', () => {
    const a: DatasetItem = { input: [{ role: 'user', content: 'hi' }], expected: { b: 1, a: [1, 2] }, metadata: { x: 1, y: 2 } };
    const b: DatasetItem = { metadata: { y: 2, x: 1 }, expected: { a: [1, 2], b: 1 }, input: [{ content: 'hi', role: 'user' }], workload: undefined };
    expect(datasetContentHash([a])).toBe(datasetContentHash([b]));
    expect(datasetContentHash([a])).toMatch(/^[0-9a-f]{64}$/);
    expect(datasetContentHash([a, { input: 'x', metadata: {} }])).not.toBe(datasetContentHash([{ input: 'x', metadata: {} }, a]));
    expect(datasetContentHash([{ input: 'x', metadata: {} }])).not.toBe(datasetContentHash([{ input: 'x', expected: 'y', metadata: {} }]));
    expect(datasetContentHash([{ input: 'x', metadata: {} }])).toBe(datasetContentHash([{ input: 'x', expected: null, metadata: {} }]));
  });

  it('numbers versions per dataset and finds an identical upload instead of adding one', async () => {
    const name = freshName();
    const first = await repo.createVersion({ name, description: 'support prompts', items: items(3), scorer: { name: 'exact', options: {} }, createdBy: 'alice' });
    expect(first.created).toBe(true);
    expect(first.version).toMatchObject({ version: 1, itemCount: 3, scorer: { name: 'exact', options: {} }, createdBy: 'alice' });
    expect(first.version.id).toMatch(/^dv_/);
    expect(first.dataset).toMatchObject({ name, description: 'support prompts' });
    expect(first.dataset.id).toMatch(/^ds_/);

    const again = await repo.createVersion({ name, items: items(3), createdBy: 'bob' });
    expect(again.created).toBe(false);
    expect(again.version).toEqual(first.version);
    expect(again.dataset.description).toBe('support prompts');

    const second = await repo.createVersion({ name, items: items(4), createdBy: 'bob' });
    expect(second).toMatchObject({ created: true, version: { version: 2, itemCount: 4, scorer: null } });
    // Numbering is per dataset.
    expect((await repo.createVersion({ name: freshName(), items: items(4), createdBy: 'bob' })).version.version).toBe(1);
  });

  it('stores items in order with their fields, null where absent', async () => {
    const name = freshName();
    const stored: DatasetItem[] = [
      { input: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }], expected: { answer: 42 }, workload: 'support', metadata: { tier: 'gold' }, span_id: '0123456789abcdef' },
      { input: 'plain prompt', metadata: {} },
      // Strings that look like JSON stay strings.
      { input: '123', expected: '{"a": 1}', metadata: {} },
    ];
    const { version } = await repo.createVersion({ name, items: stored, createdBy: 'alice' });
    const rows = await repo.items(version.id, { offset: 0, limit: 10 });
    expect(rows.map((r) => ({ position: r.position, input: r.input, expected: r.expected, workload: r.workload, metadata: r.metadata, sourceSpanId: r.sourceSpanId }))).toEqual([
      { position: 0, input: stored[0]?.input, expected: { answer: 42 }, workload: 'support', metadata: { tier: 'gold' }, sourceSpanId: '0123456789abcdef' },
      { position: 1, input: 'plain prompt', expected: null, workload: null, metadata: {}, sourceSpanId: null },
      { position: 2, input: '123', expected: '{"a": 1}', workload: null, metadata: {}, sourceSpanId: null },
    ]);
    // An absent expected is SQL null, not JSON null.
    const nulls = await handle.db.execute<{ n: number }>(sql`select count(*)::int as n from dataset_items where dataset_version_id = ${version.id} and expected is null`);
    expect(nulls.rows[0]?.n).toBe(1);
    expect((await repo.items(version.id, { offset: 1, limit: 1 })).map((r) => r.position)).toEqual([1]);
    const ids = await repo.itemIds(version.id, { offset: 0, limit: 10 });
    expect(ids).toEqual(rows.map((r) => ({ id: r.id, workload: r.workload })));
    expect(await repo.getItem(rows[0]?.id ?? '')).toEqual(rows[0]);
    expect(await repo.getItem('di_missing')).toBeUndefined();
  });

  it('reads versions by name and number, latest by default, and lists datasets and versions', async () => {
    const name = freshName();
    await repo.createVersion({ name, items: items(1), createdBy: 'a' });
    const v2 = await repo.createVersion({ name, items: items(2), createdBy: 'a' });

    expect((await repo.getVersion(null, name))?.version).toEqual(v2.version);
    expect((await repo.getVersion(null, name, 1))?.version.version).toBe(1);
    expect(await repo.getVersion(null, name, 3)).toBeUndefined();
    expect(await repo.getVersion(null, freshName())).toBeUndefined();
    expect((await repo.getVersionById(null, v2.version.id))?.dataset.name).toBe(name);

    expect((await repo.listVersions(null, name))?.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(await repo.listVersions(null, freshName())).toBeUndefined();
    const listed = (await repo.listDatasets(null)).find((d) => d.name === name);
    expect(listed).toMatchObject({ name, tenantId: null, latestVersion: 2, versionCount: 2 });
  });

  it('keeps one namespace of names per owner: global, and each tenant', async () => {
    const [a, b] = [await freshTenant(), await freshTenant()];
    const name = freshName();
    const global = await repo.createVersion({ name, items: items(1), createdBy: 'root' });
    const ofA = await repo.createVersion({ tenantId: a, name, items: items(1), createdBy: 'a' });
    const ofA2 = await repo.createVersion({ tenantId: a, name, items: items(2), createdBy: 'a' });
    expect(ofA.dataset.id).not.toBe(global.dataset.id);
    expect(ofA).toMatchObject({ created: true, dataset: { tenantId: a, name }, version: { version: 1 } });
    expect(ofA2).toMatchObject({ created: true, dataset: { id: ofA.dataset.id }, version: { version: 2 } });
    // The same items under another owner are another dataset's version, not a duplicate.
    expect((await repo.createVersion({ tenantId: b, name, items: items(1), createdBy: 'b' })).created).toBe(true);

    expect((await repo.getVersion(null, name))?.version.id).toBe(global.version.id);
    expect((await repo.getVersion(a, name))?.version.id).toBe(ofA2.version.id);
    expect(await repo.getVersion(a, freshName())).toBeUndefined();
    expect((await repo.listVersions(a, name))?.versions.map((v) => v.version)).toEqual([2, 1]);
    expect((await repo.listVersions(null, name))?.versions.map((v) => v.version)).toEqual([1]);

    // A scope sees its own tenant's datasets only; no scope sees every owner's.
    expect((await repo.listDatasets(a)).map((d) => d.tenantId)).toEqual([a]);
    expect((await repo.listDatasets(null)).filter((d) => d.name === name).map((d) => d.tenantId)).toEqual([null, ...[a, b].sort()]);
    expect(await repo.getVersionById(b, ofA.version.id)).toBeUndefined();
    expect((await repo.getVersionById(a, ofA.version.id))?.dataset.tenantId).toBe(a);
    expect(await repo.getVersionById(a, global.version.id)).toBeUndefined();
  });

  it('numbers concurrent uploads to one dataset without gaps or clashes', async () => {
    const name = freshName();
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => repo.createVersion({ name, items: items(2, `t${i}`), createdBy: 'racer' })));
    expect(results.map((r) => r.version.version).sort()).toEqual([1, 2, 3, 4, 5]);
    // The same content uploaded concurrently still makes one version.
    const same = await Promise.all(Array.from({ length: 4 }, () => repo.createVersion({ name: `${name}-same`, items: items(2), createdBy: 'racer' })));
    expect(same.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(same.map((r) => r.version.id)).size).toBe(1);
  });

  it('writes nothing when an item cannot be stored', async () => {
    const name = freshName();
    const bad = [...items(10_000), { input: 'nul \u0000 byte', metadata: {} }];
    await expect(repo.createVersion({ name, items: bad, createdBy: 'a' })).rejects.toThrow();
    expect(await repo.listVersions(null, name)).toBeUndefined();
  });

  it('stores 100k items in one version in a few seconds', async () => {
    const name = freshName();
    const many: DatasetItem[] = Array.from({ length: 100_000 }, (_, i) => ({
      input: [{ role: 'user', content: `question number ${i}: what is ${i} + ${i}?` }],
      expected: String(i * 2),
      workload: 'math',
      metadata: { i },
    }));
    const started = performance.now();
    const { version } = await repo.createVersion({ name, items: many, createdBy: 'bulk' });
    const elapsed = performance.now() - started;
    expect(version.itemCount).toBe(100_000);
    const last = await repo.items(version.id, { offset: 99_999, limit: 5 });
    expect(last.map((r) => r.expected)).toEqual(['199998']);
    expect(elapsed).toBeLessThan(20_000);
  }, 60_000);
});
