import type { Redis } from 'ioredis';

/** Where exact-match answers live. Failures reject; the cache service turns them into misses. */
export interface ResponseCacheStore {
  get(key: string): Promise<Buffer | undefined>;
  set(key: string, value: Buffer, ttlMs: number): Promise<void>;
}

/** A lookup slower than this is a miss: a stalled Redis must not hold up the call it was meant to speed up. */
const LOOKUP_TIMEOUT_MS = 250;

export class ResponseCacheTimeoutError extends Error {
  constructor() {
    super(`response cache lookup took longer than ${LOOKUP_TIMEOUT_MS} ms`);
    this.name = 'ResponseCacheTimeoutError';
  }
}

/** Entries are plain Redis strings under `<prefix>:cache:<sha256>`, expiring on their own (SET PX). */
export class ResponseCacheRepository implements ResponseCacheStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async get(key: string): Promise<Buffer | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ResponseCacheTimeoutError()), LOOKUP_TIMEOUT_MS);
    });
    try {
      const value = await Promise.race([this.redis.getBuffer(this.keyPrefix + key), timeout]);
      return value ?? undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  async set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    await this.redis.set(this.keyPrefix + key, value, 'PX', ttlMs);
  }
}

/** DI token for the store the cache service uses. */
export const RESPONSE_CACHE_STORE = Symbol('RESPONSE_CACHE_STORE');
