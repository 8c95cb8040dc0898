import { type Budget, type KeyMetadata, type RateLimits, VIRTUAL_KEY_SECRET_PREFIX } from '@switchyard/contracts';
import { and, desc, eq, gt, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { newRowId } from './row-id.factory.js';
import { hashSecret, isSecretShaped, mintSecret } from './secret.minter.js';
import { tenants, type VirtualKeyRow, virtualKeys } from './tables/index.js';

export interface NewVirtualKey {
  tenantId: string;
  name: string;
  allowedModels: string[];
  allowedWorkloads: string[];
  defaultWorkload?: string | null;
  expiresAt?: Date | null;
  metadata: KeyMetadata;
  budgets: Budget[];
  rateLimits: RateLimits;
  cacheResponses?: boolean;
}

/** What an update may change: permissions and limits, never the secret or the tenant. */
export type VirtualKeyPatch = Partial<Pick<NewVirtualKey, 'name' | 'allowedModels' | 'allowedWorkloads' | 'defaultWorkload' | 'metadata' | 'budgets' | 'rateLimits' | 'cacheResponses'>>;

/** A stored key without its hash, so the hash cannot travel further than this file. */
export type VirtualKeyRecord = Omit<VirtualKeyRow, 'secretHash'>;

/** A key with its secret, which exists only in this value: the database keeps the hash. */
export interface IssuedVirtualKey {
  key: VirtualKeyRecord;
  secret: string;
}

export type RotateVirtualKeyResult = ({ ok: true } & IssuedVirtualKey) | { ok: false; reason: 'not_found' | 'revoked' };

/** Null: any tenant's key (a global admin); otherwise only that tenant's. */
export type TenantScope = string | null;

/** Every column but the hash; the return types make a forgotten column a compile error. */
const recordColumns = {
  id: virtualKeys.id,
  tenantId: virtualKeys.tenantId,
  name: virtualKeys.name,
  prefix: virtualKeys.prefix,
  allowedModels: virtualKeys.allowedModels,
  allowedWorkloads: virtualKeys.allowedWorkloads,
  defaultWorkload: virtualKeys.defaultWorkload,
  metadata: virtualKeys.metadata,
  budgets: virtualKeys.budgets,
  rateLimits: virtualKeys.rateLimits,
  cacheResponses: virtualKeys.cacheResponses,
  createdAt: virtualKeys.createdAt,
  expiresAt: virtualKeys.expiresAt,
  revokedAt: virtualKeys.revokedAt,
  lastRotatedAt: virtualKeys.lastRotatedAt,
};

const inScope = (tenantId: TenantScope, id: string): SQL | undefined => and(eq(virtualKeys.id, id), tenantId === null ? undefined : eq(virtualKeys.tenantId, tenantId));

/**
 * Virtual keys. Secrets are minted here and only their SHA-256 is stored (see the table for why a
 * fast hash is fine); a key is looked up by the hash of what the caller presents.
 */
export class VirtualKeyRepository {
  constructor(private readonly db: Database) {}

  /** Undefined when the tenant does not exist. */
  async create(input: NewVirtualKey): Promise<IssuedVirtualKey | undefined> {
    return this.db.transaction(async (tx) => {
      // Share-locks the tenant so it cannot vanish between the check and the insert.
      const [tenant] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, input.tenantId)).for('share');
      if (!tenant) return undefined;
      const { secret, prefix, secretHash } = mintSecret(VIRTUAL_KEY_SECRET_PREFIX);
      const [key] = await tx
        .insert(virtualKeys)
        .values({ ...input, id: newRowId('vk'), prefix, secretHash, defaultWorkload: input.defaultWorkload ?? null, expiresAt: input.expiresAt ?? null })
        .returning(recordColumns);
      if (!key) throw new Error('insert into virtual_keys returned no row');
      return { key, secret };
    });
  }

  async get(tenantId: TenantScope, id: string): Promise<VirtualKeyRecord | undefined> {
    const [row] = await this.db.select(recordColumns).from(virtualKeys).where(inScope(tenantId, id));
    return row;
  }

  /** Newest first, revoked and expired keys included. */
  async list(tenantId: TenantScope): Promise<VirtualKeyRecord[]> {
    return this.db
      .select(recordColumns)
      .from(virtualKeys)
      .where(tenantId === null ? undefined : eq(virtualKeys.tenantId, tenantId))
      .orderBy(desc(virtualKeys.createdAt), desc(virtualKeys.id));
  }

  /**
   * Issues a new secret; the old one stops matching in the same statement. A revoked key cannot
   * be rotated back to life. An expired one can, and stays expired until its expiry is moved.
   */
  async rotate(tenantId: TenantScope, id: string, now: Date = new Date()): Promise<RotateVirtualKeyResult> {
    const { secret, prefix, secretHash } = mintSecret(VIRTUAL_KEY_SECRET_PREFIX);
    const [key] = await this.db
      .update(virtualKeys)
      .set({ prefix, secretHash, lastRotatedAt: now })
      .where(and(inScope(tenantId, id), isNull(virtualKeys.revokedAt)))
      .returning(recordColumns);
    if (key) return { ok: true, key, secret };
    return { ok: false, reason: (await this.get(tenantId, id)) ? 'revoked' : 'not_found' };
  }

  /** Idempotent: revoking again keeps the first revocation time. Undefined when not found. */
  async revoke(tenantId: TenantScope, id: string, now: Date = new Date()): Promise<VirtualKeyRecord | undefined> {
    const [key] = await this.db
      .update(virtualKeys)
      .set({ revokedAt: sql`coalesce(${virtualKeys.revokedAt}, ${now.toISOString()}::timestamptz)` })
      .where(inScope(tenantId, id))
      .returning(recordColumns);
    return key;
  }

  /** Applies the given fields; undefined when not found. */
  async update(tenantId: TenantScope, id: string, patch: VirtualKeyPatch): Promise<VirtualKeyRecord | undefined> {
    const [key] = await this.db.update(virtualKeys).set(patch).where(inScope(tenantId, id)).returning(recordColumns);
    return key;
  }

  /** Null clears the expiry. Undefined when not found. */
  async setExpiry(tenantId: TenantScope, id: string, expiresAt: Date | null): Promise<VirtualKeyRecord | undefined> {
    const [key] = await this.db.update(virtualKeys).set({ expiresAt }).where(inScope(tenantId, id)).returning(recordColumns);
    return key;
  }

  /**
   * The key a caller's secret belongs to, if it is usable at `now`: null when unknown, revoked or
   * expired. The lookup is by hash, so its timing says nothing about how close a guess was.
   */
  async findActiveBySecret(secret: string, now: Date = new Date()): Promise<VirtualKeyRecord | null> {
    // Anything not shaped like a secret cannot match; skip hashing whatever a hostile header holds.
    if (!isSecretShaped(VIRTUAL_KEY_SECRET_PREFIX, secret)) return null;
    const [key] = await this.db
      .select(recordColumns)
      .from(virtualKeys)
      .where(and(eq(virtualKeys.secretHash, hashSecret(secret)), isNull(virtualKeys.revokedAt), or(isNull(virtualKeys.expiresAt), gt(virtualKeys.expiresAt, now))));
    return key ?? null;
  }

  /** Like findActiveBySecret, with the owning tenant's shared limits, in one round trip. */
  async findCredentialBySecret(secret: string, now: Date = new Date()): Promise<KeyCredential | null> {
    if (!isSecretShaped(VIRTUAL_KEY_SECRET_PREFIX, secret)) return null;
    const [row] = await this.db
      .select({ key: recordColumns, tenantBudgets: tenants.budgets, tenantRateLimits: tenants.rateLimits })
      .from(virtualKeys)
      .innerJoin(tenants, eq(tenants.id, virtualKeys.tenantId))
      .where(and(eq(virtualKeys.secretHash, hashSecret(secret)), isNull(virtualKeys.revokedAt), or(isNull(virtualKeys.expiresAt), gt(virtualKeys.expiresAt, now))));
    return row ? { key: row.key, tenant: { budgets: row.tenantBudgets, rateLimits: row.tenantRateLimits } } : null;
  }
}

/** What the request path needs to know about a caller's key. */
export interface KeyCredential {
  key: VirtualKeyRecord;
  tenant: { budgets: Budget[]; rateLimits: RateLimits };
}

