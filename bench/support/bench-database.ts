import { createDatabase, migrateDatabase } from '@switchyard/db';
import pg from 'pg';

/**
 * A fresh, migrated database of a benchmark's own on the Postgres at `adminUrl`, dropped first if
 * a previous run left it (its connections ended). Migrated here once, so processes started on it
 * do not race to migrate at boot. Returns its URL.
 */
export async function freshBenchDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name}: lower-case letters, digits and _ only`);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    await admin.query(`drop database if exists ${name}`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = createDatabase(url.toString(), { max: 1 });
  try {
    await migrateDatabase(handle.db);
  } finally {
    await handle.pool.end();
  }
  return url.toString();
}
