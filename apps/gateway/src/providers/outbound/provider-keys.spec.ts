import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@switchyard/config';
import { describe, expect, it } from 'vitest';

/** A config file whose one provider entry is `provider` (YAML flow mapping). */
const write = (provider: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'cfg-keys-')), 'switchyard.yaml');
  writeFileSync(
    path,
    `
providers:
  - ${provider}
models:
  - { id: m1, provider: up, pricing: { inputUsdPerMTok: 1, outputUsdPerMTok: 2 } }
routing:
  defaultRoute: m1
`,
  );
  return path;
};

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

const BASE = 'name: up, protocol: openai, baseUrl: "http://127.0.0.1:1/v1"';

describe('provider keys in the config', () => {
  it('resolves several keys with their ceilings, and provider-wide ceilings', () => {
    const path = write(`{ ${BASE}, apiKeys: [{ env: KEY_A, requestsPerMinute: 500, tokensPerMinute: 200000 }, { env: KEY_B, requestsPerMinute: 400 }], rateLimits: { tokensPerMinute: 300000 } }`);
    const [up] = loadConfig({ SWITCHYARD_CONFIG: path, KEY_A: 'sk-a', KEY_B: 'sk-b' }).providers;
    expect(up?.keys).toEqual([
      { index: 0, env: 'KEY_A', secret: 'sk-a', requestsPerMinute: 500, tokensPerMinute: 200_000 },
      { index: 1, env: 'KEY_B', secret: 'sk-b', requestsPerMinute: 400 },
    ]);
    expect(up?.apiKey).toBe('sk-a');
    expect(up?.rateLimits).toEqual({ tokensPerMinute: 300_000 });
  });

  it('keeps apiKeyEnv as one key, with provider-level ceilings', () => {
    const [up] = loadConfig({ SWITCHYARD_CONFIG: write(`{ ${BASE}, apiKeyEnv: UP_KEY, rateLimits: { requestsPerMinute: 60 } }`), UP_KEY: 'k' }).providers;
    expect(up?.keys).toEqual([{ index: 0, env: 'UP_KEY', secret: 'k' }]);
    expect(up?.apiKey).toBe('k');
    expect(up?.rateLimits).toEqual({ requestsPerMinute: 60 });
  });

  it('gives a keyless provider no keys', () => {
    const [up] = loadConfig({ SWITCHYARD_CONFIG: write(`{ ${BASE} }`) }).providers;
    expect(up?.keys).toEqual([]);
    expect(up?.apiKey).toBeUndefined();
  });

  it.each([
    ['both apiKeyEnv and apiKeys', `{ ${BASE}, apiKeyEnv: K, apiKeys: [{ env: K2 }] }`, 'providers.0.apiKeys: use either apiKeyEnv (one key) or apiKeys (several), not both'],
    ['an empty key list', `{ ${BASE}, apiKeys: [] }`, 'providers.0.apiKeys'],
    ['the same env var twice', `{ ${BASE}, apiKeys: [{ env: K }, { env: K }] }`, 'providers.0.apiKeys.1.env: K is listed twice'],
    ['a zero ceiling', `{ ${BASE}, apiKeys: [{ env: K, requestsPerMinute: 0 }] }`, 'providers.0.apiKeys.0.requestsPerMinute'],
    ['an unknown key field', `{ ${BASE}, apiKeys: [{ env: K, rpm: 5 }] }`, 'providers.0.apiKeys.0'],
    ['an unknown ceiling', `{ ${BASE}, rateLimits: { requestsPerHour: 5 } }`, 'providers.0.rateLimits'],
  ])('names the problem for %s', (_name, provider, expected) => {
    expect(errorOf(() => loadConfig({ SWITCHYARD_CONFIG: write(provider) }))).toContain(expected);
  });

  it('refuses to start in production while any key of the list is unset, naming the env var and never a secret', () => {
    const path = write(`{ ${BASE}, apiKeys: [{ env: KEY_A }, { env: KEY_B }] }`);
    const message = errorOf(() => loadConfig({ SWITCHYARD_CONFIG: path, NODE_ENV: 'production', KEY_A: 'sk-secret-a', SWITCHYARD_ADMIN_KEY: 'a-long-enough-admin-key' }));
    expect(message).toContain('providers.up.apiKeys.1.env: env var KEY_B is not set');
    expect(message).not.toContain('KEY_A');
    expect(message).not.toContain('sk-secret-a');
    expect(loadConfig({ SWITCHYARD_CONFIG: path, NODE_ENV: 'production', KEY_A: 'a', KEY_B: 'b', SWITCHYARD_ADMIN_KEY: 'a-long-enough-admin-key' }).providers[0]?.keys).toHaveLength(2);
  });

  it('treats an empty env var as unset outside production: the key goes out empty', () => {
    const [up] = loadConfig({ SWITCHYARD_CONFIG: write(`{ ${BASE}, apiKeys: [{ env: KEY_A }, { env: KEY_B }] }`), KEY_A: 'a', KEY_B: '' }).providers;
    expect(up?.keys?.map((k) => k.secret)).toEqual(['a', undefined]);
  });
});
