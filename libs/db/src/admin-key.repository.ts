import { TENANT_ADMIN_KEY_SECRET_PREFIX } from '@switchyard/contracts';
import { and, desc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { newRowId } from './row-id.factory.js';
import { hashSecret, isSecretShaped, mintSecret } from './secret.minter.js';
import { type AdminKeyRow, adminKeys, tenants } from './tables/index.js';
import type { TenantScope } from './virtual-key.repository.js';

/** A stored tenant admin key without its hash, so the hash cannot travel further than this file. */
export type AdminKeyRecord = Omit<AdminKeyRow, 'secretHash'>;

/** A key with its secret, which exists only in this value: the database keeps the hash. */
export interface IssuedAdminKey {
  key: AdminKeyRecord;
  secret: string;
}

const recordColumns = {
  id: adminKeys.id,
  tenantId: adminKeys.tenantId,
  name: adminKeys.name,
  prefix: adminKeys.prefix,
  createdAt: adminKeys.createdAt,
  revokedAt: adminKeys.revokedAt,
};


const inScope = (tenantId: TenantScope, id: string): SQL | undefined => and(eq(adminKeys.id, id), tenantId === null ? undefined : eq(adminKeys.tenantId, tenantId));

/**
 * Tenant admin keys. Secrets are minted here and only their SHA-256 is stored; a key is found by
 * the hash of what the caller presents. There is no rotation: create a new key, revoke the old.
 */
export class AdminKeyRepository {
  constructor(private readonly db: Database) {}

  /** Undefined when the tenant does not exist. */
  async create(tenantId: string, name: string): Promise<IssuedAdminKey | undefined> {
    return this.db.transaction(async (tx) => {
      // Share-locks the tenant so it cannot vanish between the check and the insert.
      const [tenant] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).for('share');
      if (!tenant) return undefined;
      const { secret, prefix, secretHash } = mintSecret(TENANT_ADMIN_KEY_SECRET_PREFIX);
      const [key] = await tx
        .insert(adminKeys)
        .values({ id: newRowId('ak'), tenantId, name, prefix, secretHash })
        .returning(recordColumns);
      if (!key) throw new Error('insert into admin_keys returned no row');
      return { key, secret };
    });
  }

  /** Newest first, revoked keys included. */
  async list(tenantId: TenantScope): Promise<AdminKeyRecord[]> {
    return this.db
      .select(recordColumns)
      .from(adminKeys)
      .where(tenantId === null ? undefined : eq(adminKeys.tenantId, tenantId))
      .orderBy(desc(adminKeys.createdAt), desc(adminKeys.id));
  }

  async get(tenantId: TenantScope, id: string): Promise<AdminKeyRecord | undefined> {
    const [row] = await this.db.select(recordColumns).from(adminKeys).where(inScope(tenantId, id));
    return row;
  }

  /** Idempotent: revoking again keeps the first revocation time. Undefined when not found. */
  async revoke(tenantId: TenantScope, id: string, now: Date = new Date()): Promise<AdminKeyRecord | undefined> {
    const [key] = await this.db
      .update(adminKeys)
      .set({ revokedAt: sql`coalesce(${adminKeys.revokedAt}, ${now.toISOString()}::timestamptz)` })
      .where(inScope(tenantId, id))
      .returning(recordColumns);
    return key;
  }

  /** The unrevoked key `secret` belongs to, or null. The lookup is by hash, so its timing says nothing about how close a guess was. */
  async findActiveBySecret(secret: string): Promise<AdminKeyRecord | null> {
    // Anything not shaped like a secret cannot match; skip hashing whatever a hostile header holds.
    if (!isSecretShaped(TENANT_ADMIN_KEY_SECRET_PREFIX, secret)) return null;
    const [key] = await this.db
      .select(recordColumns)
      .from(adminKeys)
      .where(and(eq(adminKeys.secretHash, hashSecret(secret)), isNull(adminKeys.revokedAt)));
    return key ?? null;
  }
}
