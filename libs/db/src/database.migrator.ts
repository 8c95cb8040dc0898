import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Database } from './database.client.js';

/**
 * `libs/db/migrations`, found relative to this file: from source that is `libs/db/src/../migrations`,
 * and the build (`swc apps libs -d dist --copy-files`) puts `dist/libs/db/migrations` next to
 * `dist/libs/db/src`.
 */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../migrations', import.meta.url));

/** Arbitrary fixed key; every Switchyard process that migrates takes the same lock. */
const MIGRATION_LOCK_KEY = 7_302_941_556_120_417;

/**
 * Applies pending migrations. Apps start together and each migrates at boot, so runs are
 * serialised: one connection opens a transaction, takes a transaction-scoped advisory lock and runs
 * drizzle's migrator inside it. Drizzle's own BEGIN is then a no-op (Postgres only warns) and its
 * COMMIT or ROLLBACK ends our transaction, releasing the lock.
 *
 * Why not a session advisory lock: the embedded server runs every connection in one backend session,
 * where advisory locks are re-entrant and exclude nobody. What it does serialise is a transaction,
 * and drizzle reads its migration log before opening its own, so that read must be inside ours.
 */
export async function migrateDatabase(db: Database, migrationsFolder: string = MIGRATIONS_FOLDER): Promise<void> {
  const client = await db.$client.connect();
  let failure: Error | undefined;
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await migrate(drizzle({ client }), { migrationsFolder });
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    // Discarding a failed connection ends its session, and with it any transaction left open.
    client.release(failure);
  }
}
