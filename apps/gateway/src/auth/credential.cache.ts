import { type KeyCredential, VirtualKeyRepository, virtualKeySecretHash } from '@switchyard/db';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CredentialChanges } from './credential-changes.channel.js';

/** A found key is trusted this long without asking Postgres again; changes announce themselves sooner. */
const HIT_TTL_MS = 30_000;
/** An unknown secret is remembered briefly, so a client retrying a bad key does not hit Postgres each time. */
const MISS_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  credential: KeyCredential | null;
  until: number;
}

/**
 * Virtual-key lookups for the request path: one Postgres query per secret per TTL, and none after
 * a revocation, rotation or limit change is announced (every instance drops the stale entry).
 */
@Injectable()
export class CredentialCache implements OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<KeyCredential | null>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly keys: VirtualKeyRepository,
    changes: CredentialChanges,
  ) {
    this.unsubscribe = changes.onChange((change) => {
      for (const [hash, entry] of this.entries) {
        const key = entry.credential?.key;
        if (!key) continue;
        if (('keyId' in change && key.id === change.keyId) || ('tenantId' in change && key.tenantId === change.tenantId)) this.entries.delete(hash);
      }
      // A lookup already under way may have read the old row; it must not be cached.
      this.inflight.clear();
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** The usable key for `secret` at `now`, or null: unknown, revoked or expired. */
  async find(secret: string, now = Date.now()): Promise<KeyCredential | null> {
    const hash = virtualKeySecretHash(secret);
    const entry = this.entries.get(hash);
    if (entry && entry.until > now) return usableAt(entry.credential, now);
    let pending = this.inflight.get(hash);
    if (!pending) {
      pending = this.keys.findCredentialBySecret(secret, new Date(now));
      this.inflight.set(hash, pending);
      const lookup = pending;
      void lookup.then(
        (credential) => {
          if (this.inflight.get(hash) !== lookup) return;
          this.inflight.delete(hash);
          this.remember(hash, credential, now);
        },
        () => this.inflight.delete(hash),
      );
    }
    return usableAt(await pending, now);
  }

  private remember(hash: string, credential: KeyCredential | null, now: number): void {
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(hash, { credential, until: now + (credential ? HIT_TTL_MS : MISS_TTL_MS) });
  }
}

/** A cached key can expire while cached. */
const usableAt = (credential: KeyCredential | null, now: number): KeyCredential | null => {
  const expiresAt = credential?.key.expiresAt;
  return expiresAt && expiresAt.getTime() <= now ? null : credential;
};
