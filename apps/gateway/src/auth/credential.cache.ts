import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type KeyCredential, VirtualKeyRepository } from '@switchyard/db';
import { CredentialChanges } from './credential-changes.channel.js';
import { SecretLookupCache } from './secret-lookup.cache.js';

/**
 * Virtual-key lookups for `/v1`: one Postgres query per secret per 30 s, and none after a
 * revocation, rotation or limit change is announced (every instance drops the stale entry).
 */
@Injectable()
export class CredentialCache implements OnModuleDestroy {
  private readonly cache: SecretLookupCache<KeyCredential>;
  private readonly unsubscribe: () => void;

  constructor(keys: VirtualKeyRepository, changes: CredentialChanges) {
    this.cache = new SecretLookupCache({ lookup: (secret, now) => keys.findCredentialBySecret(secret, new Date(now)), hitTtlMs: 30_000, missTtlMs: 5_000, maxEntries: 10_000 });
    this.unsubscribe = changes.onChange((change) =>
      this.cache.drop(({ key }) => ('keyId' in change ? key.id === change.keyId : key.tenantId === change.tenantId)),
    );
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** The usable key for `secret` at `now`, or null: unknown, revoked or expired (a cached key can expire while cached). */
  async find(secret: string, now = Date.now()): Promise<KeyCredential | null> {
    const credential = await this.cache.find(secret, now);
    const expiresAt = credential?.key.expiresAt;
    return expiresAt && expiresAt.getTime() <= now ? null : credential;
  }
}
