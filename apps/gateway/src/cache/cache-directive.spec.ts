import { describe, expect, it } from 'vitest';
import { cacheDirective, type CacheDirectiveInput } from './cache-directive.js';

const input = (overrides: Partial<CacheDirectiveInput> = {}): CacheDirectiveInput => ({
  enabled: true,
  internal: false,
  temperature: 0,
  keyOptIn: false,
  cacheHeader: undefined,
  cacheControl: undefined,
  ...overrides,
});

describe('cacheDirective', () => {
  it('caches temperature 0 by default, and nothing else unless asked', () => {
    expect(cacheDirective(input())).toEqual({ kind: 'use' });
    expect(cacheDirective(input({ temperature: 0.7 }))).toEqual({ kind: 'none' });
    expect(cacheDirective(input({ temperature: undefined }))).toEqual({ kind: 'none' });
    expect(cacheDirective(input({ temperature: null }))).toEqual({ kind: 'none' });
  });

  it('caches any temperature when the request header or the key asks', () => {
    expect(cacheDirective(input({ temperature: 0.7, cacheHeader: 'on' }))).toEqual({ kind: 'use' });
    expect(cacheDirective(input({ temperature: 0.7, cacheHeader: ['ON'] }))).toEqual({ kind: 'use' });
    expect(cacheDirective(input({ temperature: 1, keyOptIn: true }))).toEqual({ kind: 'use' });
  });

  it('never caches internal calls or a disabled cache, whatever is asked', () => {
    expect(cacheDirective(input({ internal: true, cacheHeader: 'on', keyOptIn: true }))).toEqual({ kind: 'none' });
    expect(cacheDirective(input({ enabled: false, cacheHeader: 'on' }))).toEqual({ kind: 'none' });
  });

  it('no-cache skips the lookup but stores; no-store and x-switchyard-cache: off skip both', () => {
    expect(cacheDirective(input({ cacheControl: 'no-cache' }))).toEqual({ kind: 'bypass', store: true });
    expect(cacheDirective(input({ cacheControl: 'max-age=0, No-Cache' }))).toEqual({ kind: 'bypass', store: true });
    expect(cacheDirective(input({ cacheControl: 'no-cache, no-store' }))).toEqual({ kind: 'bypass', store: false });
    expect(cacheDirective(input({ cacheHeader: 'off' }))).toEqual({ kind: 'bypass', store: false });
    expect(cacheDirective(input({ keyOptIn: true, temperature: 1, cacheHeader: 'off' }))).toEqual({ kind: 'bypass', store: false });
  });

  it('ignores cache-control directives it does not know', () => {
    expect(cacheDirective(input({ cacheControl: 'max-age=60' }))).toEqual({ kind: 'use' });
  });
});
