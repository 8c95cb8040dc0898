import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type AdminKeyRecord, AdminKeyRepository } from '@switchyard/db';
import { CredentialChanges } from '../../auth/credential-changes.channel.js';
import { SecretLookupCache } from '../../auth/secret-lookup.cache.js';

/**
 * Tenant admin key lookups: one Postgres query per secret per 10 s. A revocation drops the entry
 * at once on this instance and, through the credential-change channel the virtual keys use, on
 * every other instance too.
 */
@Injectable()
export class AdminCredentialCache implements OnModuleDestroy {
  private readonly cache: SecretLookupCache<AdminKeyRecord>;
  private readonly unsubscribe: () => void;

  constructor(
    keys: AdminKeyRepository,
    private readonly changes: CredentialChanges,
  ) {
    this.cache = new SecretLookupCache({ lookup: (secret) => keys.findActiveBySecret(secret), hitTtlMs: 10_000, missTtlMs: 2_000, maxEntries: 1_000 });
    this.unsubscribe = changes.onChange((change) => this.cache.drop((k) => ('keyId' in change ? k.id === change.keyId : k.tenantId === change.tenantId)));
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** The unrevoked key `secret` belongs to, or null. */
  find(secret: string, now = Date.now()): Promise<AdminKeyRecord | null> {
    return this.cache.find(secret, now);
  }

  /** The key was revoked: it stops working here now, and on the other instances as soon as they hear. */
  revoked(keyId: string): void {
    this.changes.announce({ keyId });
  }
}
