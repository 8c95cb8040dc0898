import { z } from 'zod';

const testEnvSchema = z.object({
  /** Server that tests create their own database on. */
  TEST_PG_ADMIN_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
  /** Name of the fresh database the test run owns. */
  TEST_PG_DATABASE: z.string().default('switchyard_test'),
  TEST_REDIS_URL: z.string().default('redis://127.0.0.1:6379/11'),
  /** Set by the global setup once the database is migrated. */
  TEST_DATABASE_URL: z.string().optional(),
});
export type TestEnv = z.infer<typeof testEnvSchema>;

/** Test-only env, parsed in one place like the app's. */
export const loadTestEnv = (env: Record<string, string | undefined> = process.env): TestEnv => testEnvSchema.parse(env);
