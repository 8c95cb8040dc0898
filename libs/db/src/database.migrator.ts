import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Database } from './database.client.js';

/**
 * `libs/db/migrations`, found relative to this file: from source that is `libs/db/src/../migrations`,
 * and the build (`swc ... --copy-files`) lays out `dist/libs/db/src` next to `dist/libs/db/migrations`.
 */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../migrations', import.meta.url));

/** Arbitrary fixed key; every Switchyard process that migrates takes the same lock. */
const MIGRATION_LOCK_KEY = 7_302_941_556_120_417;

/**
 * Applies pending migrations. Apps start together and each migrates at boot, so the run is
 * serialised with a Postgres advisory lock held on one connection for its whole duration.
 */
export async function migrateDatabase(db: Database, migrationsFolder: string = MIGRATIONS_FOLDER): Promise<void> {
  const client = await db.$client.connect();
  let broken: Error | undefined;
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await migrate(drizzle({ client }), { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    broken = error as Error;
    throw error;
  } finally {
    // A connection that failed mid-run may still hold the lock; discarding it ends the session.
    client.release(broken);
  }
}
