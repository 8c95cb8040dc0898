import { loadTestEnv } from '@switchyard/config';
import { type CreateDatabaseOptions, type DatabaseHandle, createDatabase } from '@switchyard/db';

/** The migrated database the vitest global setup created for this run. */
export function testDatabaseUrl(): string {
  const url = loadTestEnv().TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run tests through vitest, whose globalSetup (libs/testing/src/global-setup.ts) creates the test database');
  return url;
}

export function createTestDatabase(opts: CreateDatabaseOptions = {}): DatabaseHandle {
  return createDatabase(testDatabaseUrl(), opts);
}
