/** Request header: `on` asks for caching whatever the temperature, `off` skips the cache. */
export const HEADER_CACHE = 'x-switchyard-cache';

/**
 * What the cache does for one call:
 * - `none`: the call is not cacheable (not asked for, internal, cache disabled); no header is sent.
 * - `bypass`: it would be cached, but the client said not to look (`no-cache`; the fresh answer is
 *   still stored when `store` is true) or not to use the cache at all (`no-store`, `x-switchyard-cache: off`).
 * - `use`: look up, and store a fresh answer on a miss.
 */
export type CacheDirective = { kind: 'none' } | { kind: 'bypass'; store: boolean } | { kind: 'use' };

export interface CacheDirectiveInput {
  enabled: boolean;
  /** Judge, golden and shadow calls: they measure the models, so they must reach them. */
  internal: boolean;
  temperature: number | null | undefined;
  /** The virtual key has `cacheResponses`. */
  keyOptIn: boolean;
  cacheHeader: string | string[] | undefined;
  cacheControl: string | string[] | undefined;
}

const first = (h: string | string[] | undefined): string | undefined => (Array.isArray(h) ? h[0] : h);

const cacheControlDirectives = (h: string | string[] | undefined): Set<string> =>
  new Set(
    (Array.isArray(h) ? h.join(',') : (h ?? ''))
      .split(',')
      .map((d) => d.trim().toLowerCase().split('=')[0])
      .filter(Boolean),
  );

/** Only deterministic calls (temperature 0) are cached unless the request or its key opts in. */
export function cacheDirective(input: CacheDirectiveInput): CacheDirective {
  if (!input.enabled || input.internal) return { kind: 'none' };
  const header = first(input.cacheHeader)?.trim().toLowerCase();
  const optedIn = input.temperature === 0 || header === 'on' || input.keyOptIn;
  if (!optedIn) return { kind: 'none' };
  const control = cacheControlDirectives(input.cacheControl);
  if (header === 'off' || control.has('no-store')) return { kind: 'bypass', store: false };
  if (control.has('no-cache')) return { kind: 'bypass', store: true };
  return { kind: 'use' };
}
