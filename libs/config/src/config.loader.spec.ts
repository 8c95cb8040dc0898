import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.loader.js';

const write = (yaml: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'switchyard.yaml');
  writeFileSync(path, yaml);
  return path;
};

const valid = `
providers:
  - { name: up, protocol: openai, baseUrl: "http://127.0.0.1:1/v1", apiKeyEnv: UP_KEY }
models:
  - { id: m1, provider: up, pricing: { inputUsdPerMTok: 1, outputUsdPerMTok: 2 } }
  - { id: e1, provider: up, kind: embedding, pricing: { inputUsdPerMTok: 0.1 } }
workloads: [{ name: support }]
routing:
  defaultRoute: m1
  routes: { support: [m1] }
`;

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('parses a valid file with defaults and resolves keys from env', () => {
    const cfg = loadConfig({ SWITCHYARD_CONFIG: write(valid), UP_KEY: 'k' });
    expect(cfg.port).toBe(8080);
    expect(cfg.bodyLimitBytes).toBe(10 * 1024 * 1024);
    expect(cfg.providers[0]?.apiKey).toBe('k');
    expect(cfg.providers[0]?.timeouts.firstByteMs).toBe(60_000);
    expect(cfg.models[0]?.upstreamModel).toBe('m1');
    expect(cfg.databaseUrl).toBeUndefined();
  });

  it.each([
    ['a missing baseUrl', valid.replace(', baseUrl: "http://127.0.0.1:1/v1"', ''), 'providers.0.baseUrl: required for protocol "openai"'],
    ['an unknown protocol', valid.replace('protocol: openai', 'protocol: grpc'), 'providers.0.protocol'],
    ['a model on an unknown provider', valid.replace('provider: up,', 'provider: nope,'), 'models.0.provider: unknown provider "nope"'],
    ['a route to an unknown model', valid.replace('defaultRoute: m1', 'defaultRoute: m9'), 'routing.defaultRoute.rules.0.target.candidates.0: unknown model "m9"'],
    ['an embedding model in a chat route', valid.replace('{ support: [m1] }', '{ support: [m1, e1] }'), 'routing.routes.support.rules.0.target.candidates.1: model "e1" is an embedding model'],
    ['a malformed condition', valid.replace('{ support: [m1] }', '{ support: { rules: [{ name: a, when: { feature: input_tokens, op: lt, value: x }, target: { candidates: [m1] } }, { name: b, target: { candidates: [m1] } }] } }'), 'routing.routes.support.rules.0.when'],
    ['a bad health probe model', valid.replace('apiKeyEnv: UP_KEY }', 'apiKeyEnv: UP_KEY, healthProbe: { model: nope } }'), 'providers.0.healthProbe.model'],
    ['a negative price', valid.replace('inputUsdPerMTok: 1', 'inputUsdPerMTok: -1'), 'models.0.pricing.inputUsdPerMTok'],
    ['an unknown key', `${valid}\nbogus: 1\n`, 'bogus'],
  ])('names the bad key for %s', (_name, yaml, expected) => {
    expect(errorOf(() => loadConfig({ SWITCHYARD_CONFIG: write(yaml) }))).toContain(expected);
  });

  it('names a bad env var', () => {
    expect(errorOf(() => loadConfig({ SWITCHYARD_CONFIG: write(valid), PORT: 'eighty' }))).toContain('PORT');
  });

  it('says where the file was looked for', () => {
    expect(errorOf(() => loadConfig({ SWITCHYARD_CONFIG: '/nonexistent/switchyard.yaml' }))).toContain('/nonexistent/switchyard.yaml');
  });

  it('refuses to start in production without a provider key or an admin key', () => {
    const message = errorOf(() => loadConfig({ SWITCHYARD_CONFIG: write(valid), NODE_ENV: 'production' }));
    expect(message).toContain('UP_KEY');
    expect(message).toContain('SWITCHYARD_ADMIN_KEY');
    const ok = loadConfig({ SWITCHYARD_CONFIG: write(valid), NODE_ENV: 'production', UP_KEY: 'k', SWITCHYARD_ADMIN_KEY: 'a-long-enough-admin-key' });
    expect(ok.admin).toEqual({ key: 'a-long-enough-admin-key', generated: false });
  });

  it('requires keys on /v1 by default, and refuses auth: open in production', () => {
    expect(loadConfig({ SWITCHYARD_CONFIG: write(valid) }).auth.mode).toBe('keys');
    const open = write(`auth: { mode: open }\n${valid}`);
    expect(loadConfig({ SWITCHYARD_CONFIG: open }).auth.mode).toBe('open');
    const message = errorOf(() => loadConfig({ SWITCHYARD_CONFIG: open, NODE_ENV: 'production', UP_KEY: 'k', SWITCHYARD_ADMIN_KEY: 'a-long-enough-admin-key' }));
    expect(message).toContain('auth.mode');
    expect(message).toContain('refused in production');
  });

  it('generates an admin key in development', () => {
    const cfg = loadConfig({ SWITCHYARD_CONFIG: write(valid) });
    expect(cfg.admin.generated).toBe(true);
    expect(cfg.admin.key).toMatch(/^sya_dev_[A-Za-z0-9_-]{24}$/);
    expect(cfg.environment).toBe('default');
  });
});
