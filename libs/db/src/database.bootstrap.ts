import { createDatabase, type DatabaseHandle } from './database.client.js';
import { migrateDatabase } from './database.migrator.js';
import { startEmbeddedPostgres } from './embedded-postgres.server.js';

export interface OpenedDatabase {
  url: string;
  handle: DatabaseHandle;
  /** True when DATABASE_URL was unset and the embedded Postgres serves this process. */
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * Opens the app's database at boot: the server in `databaseUrl`, or the embedded one under
 * `dataDir` (started here, or reused when another Switchyard process already serves it).
 * Migrations are applied before anything else touches it.
 */
export async function openDatabase(options: { databaseUrl?: string; dataDir: string; applicationName: string; log?: (msg: string) => void }): Promise<OpenedDatabase> {
  const embedded = options.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: options.dataDir });
  const url = options.databaseUrl ?? embedded!.url;
  if (embedded) options.log?.(`DATABASE_URL is unset: using the embedded Postgres in ${options.dataDir} (${embedded.owner ? 'serving it' : 'shared with another process'} at ${url})`);
  const handle = createDatabase(url, { applicationName: options.applicationName, onIdleError: (e) => options.log?.(`database connection dropped: ${e.message}`) });
  try {
    await migrateDatabase(handle.db);
  } catch (err) {
    await handle.close();
    await embedded?.stop();
    throw err;
  }
  return {
    url,
    handle,
    embedded: embedded !== undefined,
    close: async () => {
      await handle.close();
      await embedded?.stop();
    },
  };
}
