import { hashSecret } from '@switchyard/db';

export interface SecretLookupOptions<T> {
  /** The record a secret belongs to, or null; asked at most once per secret per TTL. */
  lookup: (secret: string, now: number) => Promise<T | null>;
  /** How long a found record is trusted without asking again; changes are announced sooner. */
  hitTtlMs: number;
  /** How long an unknown secret is remembered, so a client retrying a bad key does not hit Postgres each time. */
  missTtlMs: number;
  maxEntries: number;
}

interface Entry<T> {
  value: T | null;
  until: number;
}

/**
 * Credential lookups for the request path, keyed by the secret's SHA-256 (the secret itself is
 * never held): one lookup per secret per TTL, concurrent ones joined, bounded in size (oldest
 * out first). `drop` forgets matching records at once, for a revocation or rotation.
 */
export class SecretLookupCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly inflight = new Map<string, Promise<T | null>>();

  constructor(private readonly options: SecretLookupOptions<T>) {}

  async find(secret: string, now = Date.now()): Promise<T | null> {
    const hash = hashSecret(secret);
    const entry = this.entries.get(hash);
    if (entry && entry.until > now) return entry.value;
    let pending = this.inflight.get(hash);
    if (!pending) {
      pending = this.options.lookup(secret, now);
      this.inflight.set(hash, pending);
      const lookup = pending;
      void lookup.then(
        (value) => {
          // A drop while the lookup ran cleared `inflight`: its answer may be stale, so it is not kept.
          if (this.inflight.get(hash) !== lookup) return;
          this.inflight.delete(hash);
          this.remember(hash, value, now);
        },
        () => this.inflight.delete(hash),
      );
    }
    return pending;
  }

  drop(matches: (value: T) => boolean): void {
    for (const [hash, entry] of this.entries) if (entry.value !== null && matches(entry.value)) this.entries.delete(hash);
    this.inflight.clear();
  }

  private remember(hash: string, value: T | null, now: number): void {
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(hash, { value, until: now + (value !== null ? this.options.hitTtlMs : this.options.missTtlMs) });
  }
}
