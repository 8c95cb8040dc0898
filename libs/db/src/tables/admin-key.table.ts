import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { tenants } from './tenant.table.js';

/**
 * Tenant admin keys: they open `/admin` for one tenant's data, and never `/v1`. A credential class
 * of its own, apart from virtual keys, so neither can be used as the other. As for virtual keys,
 * only a SHA-256 of the 256-bit secret is kept (see virtual-key.table.ts for why a fast hash is enough).
 */
export const adminKeys = pgTable(
  'admin_keys',
  {
    /** `ak_` + a time-sortable random id. */
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    /** The secret's first characters, shown to tell keys apart. */
    prefix: text('prefix').notNull(),
    /** Lower-case hex SHA-256 of the whole secret. */
    secretHash: text('secret_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('admin_keys_secret_hash_idx').on(t.secretHash),
    index('admin_keys_tenant_id_created_at_idx').on(t.tenantId, t.createdAt),
    check('admin_keys_secret_hash_check', sql`${t.secretHash} ~ '^[0-9a-f]{64}$'`),
  ],
);

export type AdminKeyRow = typeof adminKeys.$inferSelect;
