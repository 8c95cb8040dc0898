import { defineConfig } from 'drizzle-kit';

// Generation only diffs the TypeScript schema against migrations/meta, so no database URL is needed.
export default defineConfig({
  dialect: 'postgresql',
  schema: './libs/db/src/tables/index.ts',
  out: './libs/db/migrations',
});
