import { loadTestEnv } from '@switchyard/config';
import { createDatabase, migrateDatabase } from '@switchyard/db';
import { Redis } from 'ioredis';
import pg from 'pg';

const START_HINT =
  'Start the local services (service postgresql start && service redis-server start, or docker compose up -d postgres redis), ' +
  'or point TEST_PG_ADMIN_URL / TEST_REDIS_URL at running ones.';

const describeError = (error: unknown): string => (error instanceof Error ? error.message || error.name : String(error));

/**
 * Vitest globalSetup: one fresh, migrated Postgres database and an empty Redis db per run.
 * Workers are forked after this returns, so they inherit TEST_DATABASE_URL from process.env.
 * The database is left in place afterwards for inspection; the next run recreates it.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const env = loadTestEnv();
  const name = env.TEST_PG_DATABASE;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`TEST_PG_DATABASE "${name}" must be a plain lower-case identifier`);

  const admin = new pg.Client({ connectionString: env.TEST_PG_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`Postgres is not reachable at ${env.TEST_PG_ADMIN_URL} (${describeError(error)}).\n${START_HINT}`);
  }
  try {
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    await admin.query(`drop database if exists ${admin.escapeIdentifier(name)}`);
    await admin.query(`create database ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }

  const url = new URL(env.TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const database = createDatabase(databaseUrl, { max: 1 });
  try {
    await migrateDatabase(database.db);
  } finally {
    await database.close();
  }
  process.env['TEST_DATABASE_URL'] = databaseUrl;

  const redis = new Redis(env.TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    try {
      await redis.connect();
    } catch (error) {
      throw new Error(`Redis is not reachable at ${env.TEST_REDIS_URL} (${describeError(error)}).\n${START_HINT}`);
    }
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }

  return async () => {};
}
