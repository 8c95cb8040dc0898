import { describe, expect, it } from 'vitest';
import { canonicalJson, type CacheKeyInput, normaliseChatRequest, responseCacheKey } from './cache-key.builder.js';

const request = (): Record<string, unknown> => ({
  model: 'gpt-a',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'What is 2 + 2?' },
  ],
  temperature: 0,
  max_tokens: 64,
  tools: [{ type: 'function', function: { name: 'add', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } } }],
});

const key = (overrides: Partial<CacheKeyInput> = {}, body: Record<string, unknown> = request()): string =>
  responseCacheKey({ tenantId: 'tenant-1', requestedModel: 'gpt-a', servingModels: ['gpt-a'], request: body, ...overrides });

/** The same object with its keys inserted in reverse order, at every depth. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]));
  return value;
}

describe('responseCacheKey', () => {
  it('is a SHA-256 hex digest', () => {
    expect(key()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same key for the same request in any key order', () => {
    const body = request();
    const flipped = reversed(body) as Record<string, unknown>;
    expect(JSON.stringify(flipped)).not.toBe(JSON.stringify(body));
    expect(key({}, flipped)).toBe(key({}, body));
  });

  it('ignores how the answer is delivered and who asked: stream, stream_options, user, metadata, store', () => {
    const base = key();
    expect(key({}, { ...request(), stream: true, stream_options: { include_usage: true } })).toBe(base);
    expect(key({}, { ...request(), user: 'u-42', metadata: { team: 'x' }, store: true })).toBe(base);
    // A null field means "the default", as if absent.
    expect(key({}, { ...request(), seed: null })).toBe(base);
  });

  it('changes with anything that changes the answer', () => {
    const base = key();
    const variants: Record<string, unknown>[] = [
      { ...request(), temperature: 0.7 },
      { ...request(), tools: [] },
      { ...request(), tools: undefined },
      { ...request(), max_tokens: 65 },
      { ...request(), n: 2 },
      { ...request(), seed: 7 },
      { ...request(), response_format: { type: 'json_object' } },
      { ...request(), messages: [{ role: 'user', content: 'What is 2 + 3?' }] },
      // Message order is part of the conversation.
      { ...request(), messages: [...(request()['messages'] as unknown[])].reverse() },
    ];
    const keys = variants.map((v) => key({}, v));
    for (const k of keys) expect(k).not.toBe(base);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('keeps tenants apart, and calls without a tenant apart from every tenant', () => {
    expect(key({ tenantId: 'tenant-2' })).not.toBe(key());
    expect(key({ tenantId: null })).not.toBe(key());
    expect(key({ tenantId: null })).toBe(key({ tenantId: null }));
  });

  it('keys on the requested model and on the models an alias resolved to', () => {
    expect(key({ requestedModel: 'gpt-b', servingModels: ['gpt-b'] })).not.toBe(key());
    const auto = (servingModels: string[]): string => key({ requestedModel: 'auto', servingModels });
    expect(auto(['gpt-a'])).not.toBe(key());
    expect(auto(['gpt-a'])).not.toBe(auto(['gpt-b']));
    expect(auto(['gpt-a', 'gpt-b'])).not.toBe(auto(['gpt-a']));
  });

  it('cannot be confused by text moving between fields', () => {
    expect(key({ requestedModel: 'a,b', servingModels: ['c'] })).not.toBe(key({ requestedModel: 'a', servingModels: ['b', 'c'] }));
  });
});

describe('normaliseChatRequest and canonicalJson', () => {
  it('drops delivery fields and nulls, keeps the rest', () => {
    expect(normaliseChatRequest({ model: 'm', stream: true, user: 'u', n: 2, temperature: null, messages: [] })).toEqual({ n: 2, messages: [] });
  });

  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }, 'x'] })).toBe('{"a":[{"c":3,"d":2},"x"],"b":1}');
  });
});
