import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './tables/index.js';

export type DatabaseSchema = typeof schema;
export type Database = NodePgDatabase<DatabaseSchema> & { $client: pg.Pool };

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
  /** Ends the pool; waits for checked-out clients to be released. */
  close(): Promise<void>;
}

export interface CreateDatabaseOptions {
  /** Pool size; pg's default is 10. */
  max?: number;
  /** How long to wait for a connection before a query fails. 0 (pg's default) waits forever. */
  connectionTimeoutMillis?: number;
  idleTimeoutMillis?: number;
  /** Shown in pg_stat_activity, to tell the apps' connections apart. */
  applicationName?: string;
  /** Called when an idle pooled client errors (server restart, network drop). */
  onIdleError?: (error: Error) => void;
}

export function createDatabase(url: string, opts: CreateDatabaseOptions = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max,
    connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 10_000,
    idleTimeoutMillis: opts.idleTimeoutMillis,
    application_name: opts.applicationName,
  });
  // Without a listener, an idle client's error (Postgres restarted, socket reset) is an
  // unhandled 'error' event and kills the process; the pool already discards that client.
  pool.on('error', (error) => opts.onIdleError?.(error));
  const db = drizzle({ client: pool, schema });
  let closing: Promise<void> | undefined;
  return {
    db,
    pool,
    close: () => (closing ??= pool.end()),
  };
}
