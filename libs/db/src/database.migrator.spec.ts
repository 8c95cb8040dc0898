import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTestEnv } from '@switchyard/config';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from './database.client.js';
import { MIGRATIONS_FOLDER, migrateDatabase } from './database.migrator.js';

/** Every migration in the journal counts, so a new migration does not break this spec. */
const journalEntries = (): number => (JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

describe('migrateDatabase', () => {
  const name = `switchyard_migrate_${randomBytes(4).toString('hex')}`;
  const adminUrl = loadTestEnv().TEST_PG_ADMIN_URL;
  const admin = new pg.Client({ connectionString: adminUrl });
  const handles: DatabaseHandle[] = [];

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`create database ${admin.escapeIdentifier(name)}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    for (let i = 0; i < 3; i++) handles.push(createDatabase(url.toString(), { max: 2 }));
  });

  afterAll(async () => {
    await Promise.all(handles.map((h) => h.close()));
    await admin.query(`drop database if exists ${admin.escapeIdentifier(name)} with (force)`);
    await admin.end();
  });

  it('applies cleanly to an empty database, with several apps migrating at once', async () => {
    await Promise.all(handles.map((h) => migrateDatabase(h.db)));

    const [first] = handles;
    const applied = await first.pool.query<{ count: number }>('select count(*)::int as count from drizzle.__drizzle_migrations');
    expect(applied.rows[0]?.count).toBe(journalEntries());
    const indexes = await first.pool.query<{ indexname: string }>("select indexname from pg_indexes where tablename = 'spans' order by indexname");
    expect(indexes.rows.map((r) => r.indexname)).toEqual(['spans_origin_started_at_idx', 'spans_pkey', 'spans_run_id_idx', 'spans_started_at_idx', 'spans_tenant_started_at_idx', 'spans_trace_id_idx', 'spans_virtual_key_started_at_idx', 'spans_workload_model_started_at_idx']);
  });

  it('is a no-op the second time', async () => {
    const [first] = handles;
    await migrateDatabase(first.db);
    const applied = await first.pool.query<{ count: number }>('select count(*)::int as count from drizzle.__drizzle_migrations');
    expect(applied.rows[0]?.count).toBe(journalEntries());
  });
});
