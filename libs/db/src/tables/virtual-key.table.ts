import type { Budget, KeyMetadata, RateLimits } from '@switchyard/contracts';
import { sql } from 'drizzle-orm';
import { boolean, check, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { tenants } from './tenant.table.js';

/**
 * Virtual keys callers present to `/v1`. Only a SHA-256 of the secret is kept, never the secret.
 * A fast hash is enough: the secret is 256 random bits, so guessing one from its hash is hopeless,
 * and a slow KDF would only add latency to every request that looks a key up.
 */
export const virtualKeys = pgTable(
  'virtual_keys',
  {
    /** `vk_` + a time-sortable random id. */
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    /** The secret's first characters, shown to tell keys apart; changes on rotation. */
    prefix: text('prefix').notNull(),
    /** Lower-case hex SHA-256 of the whole secret. */
    secretHash: text('secret_hash').notNull(),
    /** Empty: all. */
    allowedModels: jsonb('allowed_models').$type<string[]>().notNull().default([]),
    /** Empty: all. */
    allowedWorkloads: jsonb('allowed_workloads').$type<string[]>().notNull().default([]),
    defaultWorkload: text('default_workload'),
    metadata: jsonb('metadata').$type<KeyMetadata>().notNull().default({}),
    /** As parsed by the contract, defaults filled in. */
    budgets: jsonb('budgets').$type<Budget[]>().notNull().default([]),
    rateLimits: jsonb('rate_limits').$type<RateLimits>().notNull().default({}),
    /** Serve repeated identical requests from the exact-match cache even when temperature is not 0. */
    cacheResponses: boolean('cache_responses').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastRotatedAt: timestamp('last_rotated_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('virtual_keys_secret_hash_idx').on(t.secretHash),
    index('virtual_keys_tenant_id_created_at_idx').on(t.tenantId, t.createdAt),
    check('virtual_keys_secret_hash_check', sql`${t.secretHash} ~ '^[0-9a-f]{64}$'`),
  ],
);

export type VirtualKeyRow = typeof virtualKeys.$inferSelect;
