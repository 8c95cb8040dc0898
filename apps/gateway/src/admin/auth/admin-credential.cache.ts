import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type AdminKeyRecord, AdminKeyRepository, adminKeySecretHash } from '@switchyard/db';
import { CredentialChanges } from '../../auth/credential-changes.channel.js';

/** A found key is trusted this long without asking Postgres again; a revocation drops it sooner. */
const HIT_TTL_MS = 10_000;
/** An unknown secret is remembered briefly, so a client retrying a bad key does not hit Postgres each time. */
const MISS_TTL_MS = 2_000;
const MAX_ENTRIES = 1_000;

interface Entry {
  key: AdminKeyRecord | null;
  until: number;
}

/**
 * Tenant admin key lookups: one Postgres query per secret per TTL. A revocation drops the entry
 * at once on this instance (`forget`) and, through the credential-change channel the virtual keys
 * use, on every other instance too.
 */
@Injectable()
export class AdminCredentialCache implements OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<AdminKeyRecord | null>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly keys: AdminKeyRepository,
    private readonly changes: CredentialChanges,
  ) {
    this.unsubscribe = changes.onChange((change) => ('keyId' in change ? this.drop((k) => k.id === change.keyId) : this.drop((k) => k.tenantId === change.tenantId)));
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** The unrevoked key `secret` belongs to, or null. */
  async find(secret: string, now = Date.now()): Promise<AdminKeyRecord | null> {
    const hash = adminKeySecretHash(secret);
    const entry = this.entries.get(hash);
    if (entry && entry.until > now) return entry.key;
    let pending = this.inflight.get(hash);
    if (!pending) {
      pending = this.keys.findActiveBySecret(secret);
      this.inflight.set(hash, pending);
      const lookup = pending;
      void lookup.then(
        (key) => {
          // A revocation while the lookup ran cleared `inflight`: its answer may be stale, so it is not kept.
          if (this.inflight.get(hash) !== lookup) return;
          this.inflight.delete(hash);
          this.remember(hash, key, now);
        },
        () => this.inflight.delete(hash),
      );
    }
    return pending;
  }

  /** The key was revoked: it stops working here now, and on the other instances as soon as they hear. */
  revoked(keyId: string): void {
    this.changes.announce({ keyId });
  }

  private drop(matches: (key: AdminKeyRecord) => boolean): void {
    for (const [hash, entry] of this.entries) if (entry.key && matches(entry.key)) this.entries.delete(hash);
    this.inflight.clear();
  }

  private remember(hash: string, key: AdminKeyRecord | null, now: number): void {
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(hash, { key, until: now + (key ? HIT_TTL_MS : MISS_TTL_MS) });
  }
}
